package io.raftwire.transport;

/**
 * Undoes a registration ({@link RaftTransport#register} or {@link RaftTransport#addDropListener}).
 *
 * <p>{@link #close()} is idempotent, may be called from any thread, and throws nothing.
 */
public interface Registration extends AutoCloseable {
  /**
   * Ends the registration. For an inbound handler: when this returns, no delivery to the handler
   * is in progress or will start, except the one in progress on the calling thread if called from
   * inside the handler (which then is the last). It waits for a delivery in progress on another
   * thread. Messages still queued for the range are reported to their senders as {@link
   * DropReason#UNKNOWN_RANGE}.
   */
  @Override
  void close();
}
