package io.raftwire.testkit;

import java.time.Duration;

/**
 * What a faulty link does to each message, decided per message with the network's seeded random.
 * Immutable; build with {@link #builder()}. {@link #NONE} is a healthy link.
 *
 * <p>A delay keeps the link's order (like TCP, later messages never overtake delayed ones); only
 * {@link Builder#reorderProbability} reorders. Dropped messages are reported to the sender's drop
 * listeners as {@code UNREACHABLE}, as a broken connection would be; duplicates are delivered but
 * never reported.
 */
public final class FaultSpec {
  /** A healthy link: no drop, delay, duplicate or reorder. */
  public static final FaultSpec NONE = builder().build();

  private final double dropProbability;
  private final double duplicateProbability;
  private final double reorderProbability;
  private final long delayMinNanos;
  private final long delayJitterNanos;

  private FaultSpec(Builder b) {
    this.dropProbability = b.dropProbability;
    this.duplicateProbability = b.duplicateProbability;
    this.reorderProbability = b.reorderProbability;
    this.delayMinNanos = b.delayMinNanos;
    this.delayJitterNanos = b.delayJitterNanos;
  }

  /** A builder of a healthy link's spec. */
  public static Builder builder() {
    return new Builder();
  }

  /** Probability in [0, 1] that a message is lost. */
  public double dropProbability() {
    return dropProbability;
  }

  /** Probability in [0, 1] that a message is delivered twice. */
  public double duplicateProbability() {
    return duplicateProbability;
  }

  /** Probability in [0, 1] that a message is held back and delivered after the next one. */
  public double reorderProbability() {
    return reorderProbability;
  }

  /** Minimum added delay. */
  public long delayMinNanos() {
    return delayMinNanos;
  }

  /** Upper bound (exclusive) of the uniformly random extra delay on top of the minimum. */
  public long delayJitterNanos() {
    return delayJitterNanos;
  }

  boolean delays() {
    return delayMinNanos > 0 || delayJitterNanos > 0;
  }

  @Override
  public String toString() {
    return "FaultSpec{drop=" + dropProbability + ", duplicate=" + duplicateProbability
        + ", reorder=" + reorderProbability + ", delay=" + Duration.ofNanos(delayMinNanos) + "+"
        + Duration.ofNanos(delayJitterNanos) + "}";
  }

  /** Builds a {@link FaultSpec}; defaults to a healthy link. Not thread-safe. */
  public static final class Builder {
    private double dropProbability;
    private double duplicateProbability;
    private double reorderProbability;
    private long delayMinNanos;
    private long delayJitterNanos;

    private Builder() {}

    /** Default 0. */
    public Builder dropProbability(double p) {
      this.dropProbability = probability("dropProbability", p);
      return this;
    }

    /** Default 0. */
    public Builder duplicateProbability(double p) {
      this.duplicateProbability = probability("duplicateProbability", p);
      return this;
    }

    /** Default 0. */
    public Builder reorderProbability(double p) {
      this.reorderProbability = probability("reorderProbability", p);
      return this;
    }

    /** Default no delay; each message is delayed by {@code min} plus a uniform [0, jitter). */
    public Builder delay(Duration min, Duration jitter) {
      if (min.isNegative() || jitter.isNegative()) {
        throw new IllegalArgumentException("delay and jitter must be >= 0, were " + min + ", "
            + jitter);
      }
      this.delayMinNanos = min.toNanos();
      this.delayJitterNanos = jitter.toNanos();
      return this;
    }

    /** Builds the spec. */
    public FaultSpec build() {
      return new FaultSpec(this);
    }

    private static double probability(String field, double p) {
      if (!(p >= 0.0 && p <= 1.0)) {
        throw new IllegalArgumentException(field + " must be in [0, 1], was " + p);
      }
      return p;
    }
  }
}
