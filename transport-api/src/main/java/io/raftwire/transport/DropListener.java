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
 *
 * <p><b>Bounds:</b> a transport may hold its undelivered notices within a budget. Within it a notice
 * carries the message ({@link DroppedMessage#envelope()}); beyond a share of it, only the message's
 * summary; once the budget is full, further notices are not delivered but counted (the transport
 * documents its metric), until the listeners catch up; a transport may then let a notice still
 * waiting for the listeners with the same range, receiving replica, traffic class, reason and
 * {@link DroppedMessage#acceptedBySend()} stand for such a drop (its size and entry span are the
 * first message's), so that the range still hears of it. A library must therefore treat notices
 * as prompts to act sooner (Raft's own retransmission remains the safety net), not as a complete
 * ledger.
 */
@FunctionalInterface
public interface DropListener {
  /**
   * Called once per message that will not be delivered (unless the transport's notice budget was
   * full, see above).
   *
   * @param dropped what the message was, why it was dropped and whether {@code send} had accepted
   *     it; the message itself only within the transport's notice budget
   */
  void onDropped(DroppedMessage dropped);
}
