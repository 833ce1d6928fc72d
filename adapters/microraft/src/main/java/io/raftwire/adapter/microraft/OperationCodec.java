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
  /**
   * Encodes one object MicroRaft carries.
   *
   * @param operation an operation given to {@code replicate}, MicroRaft's new-term operation, or a
   *     snapshot chunk object from the state machine
   * @return its bytes; not null. The array is not modified or kept after the call returns
   */
  byte[] encode(Object operation);

  /**
   * Decodes what {@link #encode} produced.
   *
   * @param bytes bytes received from another store; they may be corrupt or hostile
   * @return an object equal to the one {@link #encode} was given
   */
  Object decode(byte[] bytes);
}
