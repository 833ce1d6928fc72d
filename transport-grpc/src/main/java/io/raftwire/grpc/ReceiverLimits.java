package io.raftwire.grpc;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.TransportLimits;
import java.util.Objects;

/**
 * Budgets of the receiving side. Immutable; build with {@link #builder()}. Changeable at runtime
 * with {@link GrpcTransport#updateReceiverLimits}.
 *
 * <p>Every range has a CONTROL sub-queue and an APPEND sub-queue (APPEND and SNAPSHOT messages).
 * APPEND queues are bounded per range in bytes and messages, and all of them together by {@link
 * #receiveBudgetBytes()}; CONTROL queues have their own per-range bound and their own shared
 * budget ({@link #controlBudgetBytes()}), so appends can never crowd heartbeats out. Elastic
 * APPENDs may hold at most {@link #elasticReceiveShare()} of the shared APPEND budget, so queued
 * bulk work never leaves regular appends without room; likewise elastic CONTROL messages
 * (background heartbeats sent as envelopes) at most that share of the CONTROL budget, so responses
 * and votes always find room.
 */
public final class ReceiverLimits {
  private static final long MiB = 1024L * 1024L;

  /**
   * Default per-range APPEND queue: 16 MiB. A Raft follower applies appends in order; more than a
   * few batches queued for one range only adds latency, and a full queue tells the leader early.
   */
  public static final long DEFAULT_RANGE_APPEND_QUEUE_BYTES = 16 * MiB;
  /** Default per-range APPEND queue length: 4096 messages, a bound for tiny messages. */
  public static final int DEFAULT_RANGE_APPEND_QUEUE_MESSAGES = 4096;
  /** Default per-range CONTROL queue: 1 MiB, thousands of heartbeats and votes. */
  public static final long DEFAULT_RANGE_CONTROL_QUEUE_BYTES = MiB;
  /** Default budget across all ranges' APPEND queues: 256 MiB, the heap the receiver may use. */
  public static final long DEFAULT_RECEIVE_BUDGET_BYTES = 256 * MiB;
  /** Default budget across all ranges' CONTROL queues: 64 MiB, hundreds of thousands of beats. */
  public static final long DEFAULT_CONTROL_BUDGET_BYTES = 64 * MiB;
  /** Default share of the shared APPEND budget elastic APPENDs may hold: 0.5. */
  public static final double DEFAULT_ELASTIC_RECEIVE_SHARE = 0.5;

  private static final ReceiverLimits DEFAULTS = builder().build();

  private final long rangeAppendQueueBytes;
  private final int rangeAppendQueueMessages;
  private final long rangeControlQueueBytes;
  private final long receiveBudgetBytes;
  private final long controlBudgetBytes;
  private final long maxMessageBytes;
  private final double elasticReceiveShare;

  private ReceiverLimits(Builder b) {
    this.rangeAppendQueueBytes = b.rangeAppendQueueBytes;
    this.rangeAppendQueueMessages = b.rangeAppendQueueMessages;
    this.rangeControlQueueBytes = b.rangeControlQueueBytes;
    this.receiveBudgetBytes = b.receiveBudgetBytes;
    this.controlBudgetBytes = b.controlBudgetBytes;
    this.maxMessageBytes = b.maxMessageBytes;
    this.elasticReceiveShare = b.elasticReceiveShare;
  }

  /** {@return the documented defaults (the {@code DEFAULT_*} constants)} */
  public static ReceiverLimits defaults() {
    return DEFAULTS;
  }

  /** {@return a builder starting from the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder starting from these limits, for changing some of them} */
  public Builder toBuilder() {
    return new Builder()
        .rangeAppendQueueBytes(rangeAppendQueueBytes)
        .rangeAppendQueueMessages(rangeAppendQueueMessages)
        .rangeControlQueueBytes(rangeControlQueueBytes)
        .receiveBudgetBytes(receiveBudgetBytes)
        .controlBudgetBytes(controlBudgetBytes)
        .maxMessageBytes(maxMessageBytes)
        .elasticReceiveShare(elasticReceiveShare);
  }

  /**
   * {@return the bytes of APPEND and SNAPSHOT messages one range may have queued} A message that
   * does not fit is refused {@code RECEIVER_BUDGET}.
   */
  public long rangeAppendQueueBytes() {
    return rangeAppendQueueBytes;
  }

  /**
   * {@return how many APPEND and SNAPSHOT messages one range may have queued} A message beyond it
   * is refused {@code RECEIVER_BUDGET}.
   */
  public int rangeAppendQueueMessages() {
    return rangeAppendQueueMessages;
  }

  /**
   * {@return the bytes of CONTROL messages one range may have queued} A message that does not fit
   * is refused {@code RECEIVER_BUDGET}.
   */
  public long rangeControlQueueBytes() {
    return rangeControlQueueBytes;
  }

  /** {@return the bytes of APPEND and SNAPSHOT messages all ranges together may have queued} */
  public long receiveBudgetBytes() {
    return receiveBudgetBytes;
  }

  /** {@return the bytes of CONTROL messages all ranges together may have queued} */
  public long controlBudgetBytes() {
    return controlBudgetBytes;
  }

  /**
   * {@return the largest single message accepted, in bytes, envelope overhead included} Larger
   * ones are refused {@code TOO_LARGE}.
   */
  public long maxMessageBytes() {
    return maxMessageBytes;
  }

  /**
   * {@return the share of {@link #receiveBudgetBytes()} that elastic APPENDs may hold, in {@code (0,
   * 1]}} An elastic APPEND beyond it is refused {@code RECEIVER_BUDGET} while regular ones are
   * still queued. Elastic CONTROL messages may hold the same share of {@link
   * #controlBudgetBytes()}.
   */
  public double elasticReceiveShare() {
    return elasticReceiveShare;
  }

  /**
   * {@return the bytes elastic APPENDs of all ranges together may have queued} {@link
   * #elasticReceiveShare()} of {@link #receiveBudgetBytes()}, but at least {@link
   * #maxMessageBytes()}.
   */
  public long elasticReceiveBudgetBytes() {
    return Math.max(maxMessageBytes, (long) (receiveBudgetBytes * elasticReceiveShare));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ReceiverLimits)) {
      return false;
    }
    ReceiverLimits other = (ReceiverLimits) o;
    return rangeAppendQueueBytes == other.rangeAppendQueueBytes
        && rangeAppendQueueMessages == other.rangeAppendQueueMessages
        && rangeControlQueueBytes == other.rangeControlQueueBytes
        && receiveBudgetBytes == other.receiveBudgetBytes
        && controlBudgetBytes == other.controlBudgetBytes
        && maxMessageBytes == other.maxMessageBytes
        && Double.compare(elasticReceiveShare, other.elasticReceiveShare) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        rangeAppendQueueBytes, rangeAppendQueueMessages, rangeControlQueueBytes, receiveBudgetBytes,
        controlBudgetBytes, maxMessageBytes, elasticReceiveShare);
  }

  @Override
  public String toString() {
    return "ReceiverLimits{rangeAppendQueueBytes=" + rangeAppendQueueBytes
        + ", rangeAppendQueueMessages=" + rangeAppendQueueMessages
        + ", rangeControlQueueBytes=" + rangeControlQueueBytes
        + ", receiveBudgetBytes=" + receiveBudgetBytes
        + ", controlBudgetBytes=" + controlBudgetBytes
        + ", maxMessageBytes=" + maxMessageBytes
        + ", elasticReceiveShare=" + elasticReceiveShare + "}";
  }

  /** Builds {@link ReceiverLimits}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long rangeAppendQueueBytes = DEFAULT_RANGE_APPEND_QUEUE_BYTES;
    private int rangeAppendQueueMessages = DEFAULT_RANGE_APPEND_QUEUE_MESSAGES;
    private long rangeControlQueueBytes = DEFAULT_RANGE_CONTROL_QUEUE_BYTES;
    private long receiveBudgetBytes = DEFAULT_RECEIVE_BUDGET_BYTES;
    private long controlBudgetBytes = DEFAULT_CONTROL_BUDGET_BYTES;
    private long maxMessageBytes = TransportLimits.DEFAULT_MAX_MESSAGE_BYTES;
    private double elasticReceiveShare = DEFAULT_ELASTIC_RECEIVE_SHARE;

    private Builder() {}

    /**
     * Default {@link #DEFAULT_RANGE_APPEND_QUEUE_BYTES}; at least {@code maxMessageBytes}.
     *
     * @param bytes the bytes of APPEND and SNAPSHOT messages one range may have queued
     * @return this builder
     */
    public Builder rangeAppendQueueBytes(long bytes) {
      this.rangeAppendQueueBytes = bytes;
      return this;
    }

    /**
     * Default {@link #DEFAULT_RANGE_APPEND_QUEUE_MESSAGES}; must be positive.
     *
     * @param messages how many APPEND and SNAPSHOT messages one range may have queued
     * @return this builder
     */
    public Builder rangeAppendQueueMessages(int messages) {
      this.rangeAppendQueueMessages = messages;
      return this;
    }

    /**
     * Default {@link #DEFAULT_RANGE_CONTROL_QUEUE_BYTES}; must be positive.
     *
     * @param bytes the bytes of CONTROL messages one range may have queued
     * @return this builder
     */
    public Builder rangeControlQueueBytes(long bytes) {
      this.rangeControlQueueBytes = bytes;
      return this;
    }

    /**
     * Default {@link #DEFAULT_RECEIVE_BUDGET_BYTES}; at least {@code rangeAppendQueueBytes}.
     *
     * @param bytes the bytes of APPEND and SNAPSHOT messages all ranges together may have queued
     * @return this builder
     */
    public Builder receiveBudgetBytes(long bytes) {
      this.receiveBudgetBytes = bytes;
      return this;
    }

    /**
     * Default {@link #DEFAULT_CONTROL_BUDGET_BYTES}; at least {@code rangeControlQueueBytes}.
     *
     * @param bytes the bytes of CONTROL messages all ranges together may have queued
     * @return this builder
     */
    public Builder controlBudgetBytes(long bytes) {
      this.controlBudgetBytes = bytes;
      return this;
    }

    /**
     * Default {@link TransportLimits#DEFAULT_MAX_MESSAGE_BYTES}; must exceed the envelope overhead
     * ({@link RaftEnvelope#OVERHEAD_BYTES}).
     *
     * @param bytes the largest single message accepted, in bytes, overhead included
     * @return this builder
     */
    public Builder maxMessageBytes(long bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Default {@link #DEFAULT_ELASTIC_RECEIVE_SHARE}; in {@code (0, 1]}.
     *
     * @param share the share of the receive budget elastic APPENDs may hold; {@code 1} lets them
     *     take all of it
     * @return this builder
     */
    public Builder elasticReceiveShare(double share) {
      this.elasticReceiveShare = share;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the limits
     * @throws IllegalArgumentException naming the field whose value makes no sense
     */
    public ReceiverLimits build() {
      if (rangeAppendQueueMessages <= 0) {
        throw new IllegalArgumentException(
            "rangeAppendQueueMessages must be > 0, was " + rangeAppendQueueMessages);
      }
      if (rangeControlQueueBytes <= 0) {
        throw new IllegalArgumentException(
            "rangeControlQueueBytes must be > 0, was " + rangeControlQueueBytes);
      }
      if (maxMessageBytes <= RaftEnvelope.OVERHEAD_BYTES) {
        throw new IllegalArgumentException(
            "maxMessageBytes must exceed the envelope overhead of " + RaftEnvelope.OVERHEAD_BYTES
                + " bytes, was " + maxMessageBytes);
      }
      if (!(elasticReceiveShare > 0 && elasticReceiveShare <= 1)) {
        throw new IllegalArgumentException("elasticReceiveShare must be in (0, 1], was " + elasticReceiveShare);
      }
      if (rangeAppendQueueBytes < maxMessageBytes) {
        throw new IllegalArgumentException(
            "rangeAppendQueueBytes (" + rangeAppendQueueBytes + ") must be >= maxMessageBytes ("
                + maxMessageBytes + ")");
      }
      if (receiveBudgetBytes < rangeAppendQueueBytes) {
        throw new IllegalArgumentException(
            "receiveBudgetBytes (" + receiveBudgetBytes + ") must be >= rangeAppendQueueBytes ("
                + rangeAppendQueueBytes + ")");
      }
      if (controlBudgetBytes < rangeControlQueueBytes) {
        throw new IllegalArgumentException(
            "controlBudgetBytes (" + controlBudgetBytes + ") must be >= rangeControlQueueBytes ("
                + rangeControlQueueBytes + ")");
      }
      return new ReceiverLimits(this);
    }
  }
}
