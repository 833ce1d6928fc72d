package io.raftwire.message;

/**
 * Admission priority of the work a message carries, highest first. Regular (foreground) work never
 * waits behind elastic (background, bulk) work; elastic work may be starved by regular work, by
 * design.
 *
 * <p>For {@link TrafficClass#CONTROL} messages the priority protects responses: a library adapter
 * marks background CONTROL, such as the heartbeats (and heartbeat answers) of idle ranges that it
 * sends as envelopes rather than coalesced, {@link #ELASTIC}, and leaves responses to appends and
 * votes, votes and timeout-now {@link #REGULAR} (the default). Elastic CONTROL may hold only a
 * share of a destination's CONTROL lane ({@code TransportLimits.elasticQueueShare()}), so regular
 * CONTROL always finds room. A range's CONTROL messages keep their order whatever their
 * priorities.
 */
public enum Priority {
  /** Foreground work: user writes that someone is waiting for. */
  REGULAR,
  /** Background or bulk work: index backfills, imports, rebalancing. Yields to regular work. */
  ELASTIC;

  /**
   * Compares two priorities; {@link #REGULAR} is higher than {@link #ELASTIC}.
   *
   * @param other the priority to compare with; not null
   * @return true if this priority is strictly higher than {@code other}, false if it is the same or
   *     lower
   * @throws NullPointerException if {@code other} is null
   */
  public boolean isHigherThan(Priority other) {
    return compareTo(other) < 0; // declared highest first
  }
}
