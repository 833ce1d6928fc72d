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

  private static final TransportLimits DEFAULTS = builder().build();

  private final long controlLaneBytes;
  private final long appendLaneBytes;
  private final long snapshotLaneBytes;
  private final long globalQueueBytes;
  private final long maxMessageBytes;

  private TransportLimits(Builder b) {
    this.controlLaneBytes = b.controlLaneBytes;
    this.appendLaneBytes = b.appendLaneBytes;
    this.snapshotLaneBytes = b.snapshotLaneBytes;
    this.globalQueueBytes = b.globalQueueBytes;
    this.maxMessageBytes = b.maxMessageBytes;
  }

  /** The defaults documented on the {@code DEFAULT_*} constants. */
  public static TransportLimits defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these limits. */
  public Builder toBuilder() {
    return new Builder()
        .controlLaneBytes(controlLaneBytes)
        .appendLaneBytes(appendLaneBytes)
        .snapshotLaneBytes(snapshotLaneBytes)
        .globalQueueBytes(globalQueueBytes)
        .maxMessageBytes(maxMessageBytes);
  }

  /** Budget of the CONTROL lane, per destination store. */
  public long controlLaneBytes() {
    return controlLaneBytes;
  }

  /** Budget of the APPEND lane, per destination store. */
  public long appendLaneBytes() {
    return appendLaneBytes;
  }

  /** Budget of the SNAPSHOT lane, per destination store. */
  public long snapshotLaneBytes() {
    return snapshotLaneBytes;
  }

  /** The budget of the lane for {@code trafficClass}, per destination store. */
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

  /** Budget across all lanes of all destinations. */
  public long globalQueueBytes() {
    return globalQueueBytes;
  }

  /** Largest message {@code send} accepts; larger ones are refused as {@code TOO_LARGE}. */
  public long maxMessageBytes() {
    return maxMessageBytes;
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
        && maxMessageBytes == other.maxMessageBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        controlLaneBytes, appendLaneBytes, snapshotLaneBytes, globalQueueBytes, maxMessageBytes);
  }

  @Override
  public String toString() {
    return "TransportLimits{controlLaneBytes=" + controlLaneBytes
        + ", appendLaneBytes=" + appendLaneBytes
        + ", snapshotLaneBytes=" + snapshotLaneBytes
        + ", globalQueueBytes=" + globalQueueBytes
        + ", maxMessageBytes=" + maxMessageBytes + "}";
  }

  /** Builds {@link TransportLimits}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long controlLaneBytes = DEFAULT_CONTROL_LANE_BYTES;
    private long appendLaneBytes = DEFAULT_APPEND_LANE_BYTES;
    private long snapshotLaneBytes = DEFAULT_SNAPSHOT_LANE_BYTES;
    private long globalQueueBytes = DEFAULT_GLOBAL_QUEUE_BYTES;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

    private Builder() {}

    /** Default {@link #DEFAULT_CONTROL_LANE_BYTES}; must be positive. */
    public Builder controlLaneBytes(long bytes) {
      this.controlLaneBytes = bytes;
      return this;
    }

    /** Default {@link #DEFAULT_APPEND_LANE_BYTES}; must be at least {@code maxMessageBytes}. */
    public Builder appendLaneBytes(long bytes) {
      this.appendLaneBytes = bytes;
      return this;
    }

    /** Default {@link #DEFAULT_SNAPSHOT_LANE_BYTES}; must be at least {@code maxMessageBytes}. */
    public Builder snapshotLaneBytes(long bytes) {
      this.snapshotLaneBytes = bytes;
      return this;
    }

    /** Default {@link #DEFAULT_GLOBAL_QUEUE_BYTES}; must be at least {@code maxMessageBytes}. */
    public Builder globalQueueBytes(long bytes) {
      this.globalQueueBytes = bytes;
      return this;
    }

    /** Default {@link #DEFAULT_MAX_MESSAGE_BYTES}; must exceed the per-envelope overhead. */
    public Builder maxMessageBytes(long bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Validates and builds.
     *
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
