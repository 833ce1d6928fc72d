package io.raftwire.adapter.microraft;

/**
 * Encodes the user's objects that MicroRaft carries: state machine operations (including the
 * new-term operation) and snapshot chunk objects.
 *
 * <p><b>Threads:</b> {@link #encode} runs on Raft node threads, {@link #decode} on transport worker
 * threads; both must be thread-safe. <b>Blocking:</b> must not block. <b>Failure:</b> an exception
 * drops the message (counted and logged); Raft retransmits.
 */
public interface OperationCodec {
  /** The bytes of {@code operation}. */
  byte[] encode(Object operation);

  /** The object {@link #encode} was given. */
  Object decode(byte[] bytes);
}
