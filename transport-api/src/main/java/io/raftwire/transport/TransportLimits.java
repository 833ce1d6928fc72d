package io.raftwire.transport;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import java.util.Objects;

/**
 * Byte budgets of the sending side of a transport. Immutable; build with {@link #builder()}.
 *
 * <p>Each destination store has one lane per {@link TrafficClass}, each with its own budget, so a
 * full APPEND lane never refuses a heartbeat. All lanes of all destinations together are also
 * bounded by {@link #globalQueueBytes()}, which caps the heap a transport can hold for unsent
 * messages no matter how many peers are slow. Sizes are {@link
 * RaftEnvelope#sizeBytes()}.
 *
 * <p>Elastic APPENDs (bulk work, {@link io.raftwire.message.Priority#ELASTIC}) may hold at most
 * {@link #elasticQueueShare()} of each APPEND lane and of the global budget, so however much bulk
 * work is queued, regular appends always find the rest free. Elastic CONTROL messages (background
 * CONTROL such as the heartbeats of idle ranges sent as envelopes) may likewise hold at most that
 * share of each CONTROL lane, so responses and votes (regular CONTROL) always find the rest free
 * however many heartbeats wait.
 */
public final class TransportLimits {
  private static final long MiB = 1024L * 1024L;

  /** Default CONTROL lane budget per destination: 4 MiB, tens of thousands of heartbeats. */
  public static final long DEFAULT_CONTROL_LANE_BYTES = 4 * MiB;
  /**
   * Default APPEND lane budget per destination: 64 MiB, about a second of replication at a fast
   * disk's write rate; more only hides a slow follower and costs heap.
   */
  public static final long DEFAULT_APPEND_LANE_BYTES = 64 * MiB;
  /** Default SNAPSHOT lane budget per destination: 32 MiB, a few chunks in flight. */
  public static final long DEFAULT_SNAPSHOT_LANE_BYTES = 32 * MiB;
  /** Default budget across all destinations and lanes: 256 MiB. */
  public static final long DEFAULT_GLOBAL_QUEUE_BYTES = 256 * MiB;
  /**
   * Default maximum size of one message: 8 MiB. Raft libraries cap append messages at a few MiB;
   * anything larger is a bug or belongs in a snapshot.
   */
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 8 * MiB;
  /**
   * Default share of each APPEND lane and of the global budget that elastic APPENDs may hold: 0.5,
   * so regular appends keep half of every budget to themselves.
   */
  public static final double DEFAULT_ELASTIC_QUEUE_SHARE = 0.5;

  private static final TransportLimits DEFAULTS = builder().build();

  private final long controlLaneBytes;
  private final long appendLaneBytes;
  private final long snapshotLaneBytes;
  private final long globalQueueBytes;
  private final long maxMessageBytes;
  private final double elasticQueueShare;

  private TransportLimits(Builder b) {
    this.controlLaneBytes = b.controlLaneBytes;
    this.appendLaneBytes = b.appendLaneBytes;
    this.snapshotLaneBytes = b.snapshotLaneBytes;
    this.globalQueueBytes = b.globalQueueBytes;
    this.maxMessageBytes = b.maxMessageBytes;
    this.elasticQueueShare = b.elasticQueueShare;
  }

  /** {@return the defaults documented on the {@code DEFAULT_*} constants} */
  public static TransportLimits defaults() {
    return DEFAULTS;
  }

  /** {@return a new builder starting from the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a new builder starting from these limits, to build changed ones} */
  public Builder toBuilder() {
    return new Builder()
        .controlLaneBytes(controlLaneBytes)
        .appendLaneBytes(appendLaneBytes)
        .snapshotLaneBytes(snapshotLaneBytes)
        .globalQueueBytes(globalQueueBytes)
        .maxMessageBytes(maxMessageBytes)
        .elasticQueueShare(elasticQueueShare);
  }

  /** {@return the budget of the CONTROL lane per destination store, in bytes} */
  public long controlLaneBytes() {
    return controlLaneBytes;
  }

  /** {@return the budget of the APPEND lane per destination store, in bytes} */
  public long appendLaneBytes() {
    return appendLaneBytes;
  }

  /** {@return the budget of the SNAPSHOT lane per destination store, in bytes} */
  public long snapshotLaneBytes() {
    return snapshotLaneBytes;
  }

  /**
   * The budget of one lane, by traffic class.
   *
   * @param trafficClass the lane's class; not null
   * @return the budget of the lane for {@code trafficClass} per destination store, in bytes
   * @throws NullPointerException if {@code trafficClass} is null
   */
  public long laneBytes(TrafficClass trafficClass) {
    switch (trafficClass) {
      case CONTROL:
        return controlLaneBytes;
      case APPEND:
        return appendLaneBytes;
      case SNAPSHOT:
        return snapshotLaneBytes;
      default:
        throw new AssertionError(trafficClass);
    }
  }

  /** {@return the budget across all lanes of all destinations, in bytes} */
  public long globalQueueBytes() {
    return globalQueueBytes;
  }

  /**
   * {@return the largest message {@code send} accepts, in bytes} Larger ones are refused as {@code
   * TOO_LARGE}.
   */
  public long maxMessageBytes() {
    return maxMessageBytes;
  }

  /**
   * {@return the share of each APPEND lane and of the global budget that elastic APPENDs may hold,
   * and of each CONTROL lane that elastic CONTROL messages may hold, in {@code (0, 1]}} An elastic
   * message that would take more is refused as {@code LANE_BUDGET} or {@code GLOBAL_BUDGET} while
   * regular ones are still accepted.
   */
  public double elasticQueueShare() {
    return elasticQueueShare;
  }

  /**
   * {@return the bytes elastic APPENDs may hold in one destination's APPEND lane} {@link
   * #elasticQueueShare()} of {@link #appendLaneBytes()}, but at least {@link #maxMessageBytes()}, so
   * an elastic message of the largest size can always be sent.
   */
  public long elasticAppendLaneBytes() {
    return Math.max(maxMessageBytes, (long) (appendLaneBytes * elasticQueueShare));
  }

  /**
   * {@return the bytes elastic APPENDs may hold across all destinations} {@link
   * #elasticQueueShare()} of {@link #globalQueueBytes()}, but at least {@link #maxMessageBytes()}.
   */
  public long elasticGlobalQueueBytes() {
    return Math.max(maxMessageBytes, (long) (globalQueueBytes * elasticQueueShare));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TransportLimits)) {
      return false;
    }
    TransportLimits other = (TransportLimits) o;
    return controlLaneBytes == other.controlLaneBytes
        && appendLaneBytes == other.appendLaneBytes
        && snapshotLaneBytes == other.snapshotLaneBytes
        && globalQueueBytes == other.globalQueueBytes
        && maxMessageBytes == other.maxMessageBytes
        && Double.compare(elasticQueueShare, other.elasticQueueShare) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        controlLaneBytes, appendLaneBytes, snapshotLaneBytes, globalQueueBytes, maxMessageBytes, elasticQueueShare);
  }

  @Override
  public String toString() {
    return "TransportLimits{controlLaneBytes=" + controlLaneBytes
        + ", appendLaneBytes=" + appendLaneBytes
        + ", snapshotLaneBytes=" + snapshotLaneBytes
        + ", globalQueueBytes=" + globalQueueBytes
        + ", maxMessageBytes=" + maxMessageBytes
        + ", elasticQueueShare=" + elasticQueueShare + "}";
  }

  /** Builds {@link TransportLimits}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long controlLaneBytes = DEFAULT_CONTROL_LANE_BYTES;
    private long appendLaneBytes = DEFAULT_APPEND_LANE_BYTES;
    private long snapshotLaneBytes = DEFAULT_SNAPSHOT_LANE_BYTES;
    private long globalQueueBytes = DEFAULT_GLOBAL_QUEUE_BYTES;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private double elasticQueueShare = DEFAULT_ELASTIC_QUEUE_SHARE;

    private Builder() {}

    /**
     * Sets the CONTROL lane budget per destination store.
     *
     * @param bytes the budget in bytes, {@code > 0}; default {@link #DEFAULT_CONTROL_LANE_BYTES}
     * @return this builder
     */
    public Builder controlLaneBytes(long bytes) {
      this.controlLaneBytes = bytes;
      return this;
    }

    /**
     * Sets the APPEND lane budget per destination store.
     *
     * @param bytes the budget in bytes, at least {@code maxMessageBytes}; default {@link
     *     #DEFAULT_APPEND_LANE_BYTES}
     * @return this builder
     */
    public Builder appendLaneBytes(long bytes) {
      this.appendLaneBytes = bytes;
      return this;
    }

    /**
     * Sets the SNAPSHOT lane budget per destination store.
     *
     * @param bytes the budget in bytes, at least {@code maxMessageBytes}; default {@link
     *     #DEFAULT_SNAPSHOT_LANE_BYTES}
     * @return this builder
     */
    public Builder snapshotLaneBytes(long bytes) {
      this.snapshotLaneBytes = bytes;
      return this;
    }

    /**
     * Sets the budget across all lanes of all destinations.
     *
     * @param bytes the budget in bytes, at least {@code maxMessageBytes}; default {@link
     *     #DEFAULT_GLOBAL_QUEUE_BYTES}
     * @return this builder
     */
    public Builder globalQueueBytes(long bytes) {
      this.globalQueueBytes = bytes;
      return this;
    }

    /**
     * Sets the largest message {@code send} accepts.
     *
     * @param bytes the size in bytes, more than {@link RaftEnvelope#OVERHEAD_BYTES}; default {@link
     *     #DEFAULT_MAX_MESSAGE_BYTES}
     * @return this builder
     */
    public Builder maxMessageBytes(long bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Sets the share of each APPEND lane and of the global budget that elastic APPENDs may hold,
     * and of each CONTROL lane that elastic CONTROL messages may hold.
     *
     * @param share a fraction in {@code (0, 1]}; {@code 1} lets elastic work take every byte;
     *     default {@link #DEFAULT_ELASTIC_QUEUE_SHARE}
     * @return this builder
     */
    public Builder elasticQueueShare(double share) {
      this.elasticQueueShare = share;
      return this;
    }

    /**
     * Validates and builds. The values are checked here, not in the setters.
     *
     * @return the new immutable limits
     * @throws IllegalArgumentException naming the field whose value makes no sense
     */
    public TransportLimits build() {
      positive("controlLaneBytes", controlLaneBytes);
      positive("appendLaneBytes", appendLaneBytes);
      positive("snapshotLaneBytes", snapshotLaneBytes);
      positive("globalQueueBytes", globalQueueBytes);
      if (maxMessageBytes <= RaftEnvelope.OVERHEAD_BYTES) {
        throw new IllegalArgumentException(
            "maxMessageBytes must exceed the envelope overhead of "
                + RaftEnvelope.OVERHEAD_BYTES + " bytes, was "
                + maxMessageBytes);
      }
      if (!(elasticQueueShare > 0 && elasticQueueShare <= 1)) {
        throw new IllegalArgumentException("elasticQueueShare must be in (0, 1], was " + elasticQueueShare);
      }
      atLeastMaxMessage("appendLaneBytes", appendLaneBytes);
      atLeastMaxMessage("snapshotLaneBytes", snapshotLaneBytes);
      atLeastMaxMessage("globalQueueBytes", globalQueueBytes);
      return new TransportLimits(this);
    }

    private static void positive(String field, long value) {
      if (value <= 0) {
        throw new IllegalArgumentException(field + " must be > 0, was " + value);
      }
    }

    private void atLeastMaxMessage(String field, long value) {
      if (value < maxMessageBytes) {
        throw new IllegalArgumentException(
            field + " (" + value + ") must be >= maxMessageBytes (" + maxMessageBytes
                + "), or a message of the maximum size could never be sent");
      }
    }
  }
}
