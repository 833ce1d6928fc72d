package io.raftwire.message;

/**
 * How the transport treats a message. Each class has its own lane and byte budget on the sender
 * and its own queue on the receiver, so that a class can never be held up by a lower one.
 */
public enum TrafficClass {
  /**
   * Heartbeats, votes, pre-votes, responses, timeout-now: small and latency critical. Always sent
   * and delivered before the other classes, with a budget of its own.
   */
  CONTROL,
  /** Messages that carry log entries. Credits are accounted for their entries' bytes. */
  APPEND,
  /** Snapshot data sent as messages. Sent only when nothing of a higher class waits. */
  SNAPSHOT
}
