package io.raftwire.transport;

/**
 * Told about every message that will not be delivered: refused by {@code send} or dropped after
 * acceptance. This is the transport's form of Raft's "report unreachable": the library may mark the
 * peer as probing, or resend.
 *
 * <p><b>Threads:</b> called from a transport notification thread, never from inside {@link
 * RaftTransport#send} (so the library may hold its own locks while sending), one call at a time per
 * listener, in the order the drops were decided.
 *
 * <p><b>Blocking:</b> must not block; it delays every later notification of the transport.
 *
 * <p><b>Failure:</b> an exception thrown is logged and counted by the transport and otherwise
 * ignored; the listener stays registered.
 *
 * <p><b>Close:</b> drops decided while the transport closes (reason {@link DropReason#CLOSED}) are
 * delivered before {@link RaftTransport#close()} returns; none after.
 */
@FunctionalInterface
public interface DropListener {
  /**
   * Called once per message that will not be delivered.
   *
   * @param dropped the message, why it was dropped and whether {@code send} had accepted it
   */
  void onDropped(DroppedMessage dropped);
}
