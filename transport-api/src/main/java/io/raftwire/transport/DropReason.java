package io.raftwire.transport;

/**
 * Why a message was not delivered: refused by {@link RaftTransport#send} or dropped after it was
 * accepted. Every implementation reports the most specific reason that applies.
 */
public enum DropReason {
  /** The destination's lane for the message's traffic class is at its byte budget. */
  LANE_BUDGET,
  /** The sender's byte budget across all destinations is exhausted. */
  GLOBAL_BUDGET,
  /** The message is larger than the sender's or the receiver's maximum message size. */
  TOO_LARGE,
  /**
   * The destination is unknown, down, partitioned away, or its breaker is open; or the connection
   * broke while the message was in flight (it may then have been delivered after all).
   */
  UNREACHABLE,
  /** The sending or the receiving transport is closed or closing. */
  CLOSED,
  /** The envelope's {@code from} store is not the sending transport's store. */
  WRONG_SOURCE,
  /** The receiver's memory budget for queued inbound messages is exhausted. */
  RECEIVER_BUDGET,
  /** No handler is registered for the message's range at the destination store. */
  UNKNOWN_RANGE,
  /** The message reached a store that is not its {@code to} store (stale address). */
  WRONG_DESTINATION,
  /** The receiver could not decode the message. */
  MALFORMED,
  /** The destination range's handler threw while the message was in its batch. */
  HANDLER_FAILED,
  /**
   * The message travelled in a zone fan-out bundle and the agent store that was to relay it within
   * its zone could not: the follower was unreachable from the agent, or the agent's own budgets were
   * full. The library's usual retry sends it again (directly, since the follower is then no longer
   * in steady replication).
   */
  FORWARD_FAILED
}
