package io.raftwire.admission;

import java.util.concurrent.TimeUnit;

/**
 * Opt-in sizing of each destination stream's credit windows from what the stream measures: its
 * round-trip time and the bytes its follower admits. Immutable; build with {@link #builder()}.
 *
 * <p>Every {@link #intervalNanos()} the windows of a stream are set to its configured windows
 * ({@link AdmissionConfig#regularCreditBytes()} and {@link AdmissionConfig#elasticCreditBytes()},
 * or what {@code updateCreditWindows} set later) times a scale of at least 1: never below them and
 * never with an elastic window above {@link #maxElasticCreditBytes()}. The scale grows, at most
 * doubling per interval, while proposals waited for credits and {@link #headroom()} times the
 * measured bandwidth-delay product (admitted bytes per second times the least round trip seen)
 * exceeds the window they waited on; it halves when that product times the headroom falls below half
 * of the window. So a stream on a long, fast link grows to about {@code headroom} times its
 * bandwidth-delay product, and a stream to a slow follower on a short link stays at its configured
 * windows: the slowness is in the admitted bytes, not in the round trip, and more credits would only
 * queue more bytes at that follower.
 */
public final class CreditAutoTuning {
  private static final long MiB = 1024L * 1024L;

  /** Default largest elastic window: 128 MiB (the regular window grows by the same scale). */
  public static final long DEFAULT_MAX_ELASTIC_CREDIT_BYTES = 128 * MiB;
  /** Default tuning interval: 1 s, many round trips even across continents. */
  public static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Default headroom over the measured bandwidth-delay product: 2, as grpc-java's HTTP/2 window tuning. */
  public static final double DEFAULT_HEADROOM = 2.0;

  private final long maxElasticCreditBytes;
  private final long intervalNanos;
  private final double headroom;

  private CreditAutoTuning(Builder b) {
    this.maxElasticCreditBytes = b.maxElasticCreditBytes;
    this.intervalNanos = b.intervalNanos;
    this.headroom = b.headroom;
  }

  /** {@return a new builder with the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the largest elastic window a stream is given, in bytes} */
  public long maxElasticCreditBytes() {
    return maxElasticCreditBytes;
  }

  /** {@return how often windows are resized, in nanoseconds} */
  public long intervalNanos() {
    return intervalNanos;
  }

  /** {@return the multiple of the measured bandwidth-delay product a window aims at; at least 1} */
  public double headroom() {
    return headroom;
  }

  @Override
  public String toString() {
    return "CreditAutoTuning[maxElasticCreditBytes=" + maxElasticCreditBytes + ", intervalNanos=" + intervalNanos
        + ", headroom=" + headroom + "]";
  }

  /** Builds {@link CreditAutoTuning}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long maxElasticCreditBytes = DEFAULT_MAX_ELASTIC_CREDIT_BYTES;
    private long intervalNanos = DEFAULT_INTERVAL_NANOS;
    private double headroom = DEFAULT_HEADROOM;

    private Builder() {}

    /**
     * Default {@link CreditAutoTuning#DEFAULT_MAX_ELASTIC_CREDIT_BYTES}.
     *
     * @param bytes the largest elastic window; at least the configured elastic window (checked when
     *     the {@link AdmissionConfig} is built)
     * @return this builder
     */
    public Builder maxElasticCreditBytes(long bytes) {
      this.maxElasticCreditBytes = bytes;
      return this;
    }

    /**
     * Default {@link CreditAutoTuning#DEFAULT_INTERVAL_NANOS}.
     *
     * @param nanos how often windows are resized; at least 1 ms
     * @return this builder
     */
    public Builder intervalNanos(long nanos) {
      this.intervalNanos = nanos;
      return this;
    }

    /**
     * Default {@link CreditAutoTuning#DEFAULT_HEADROOM}.
     *
     * @param headroom the multiple of the bandwidth-delay product to aim at; in [1, 16]
     * @return this builder
     */
    public Builder headroom(double headroom) {
      this.headroom = headroom;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the settings
     * @throws IllegalArgumentException naming the field whose value makes no sense
     */
    public CreditAutoTuning build() {
      if (maxElasticCreditBytes <= 0) {
        throw new IllegalArgumentException("maxElasticCreditBytes must be > 0, was " + maxElasticCreditBytes);
      }
      if (intervalNanos < TimeUnit.MILLISECONDS.toNanos(1)) {
        throw new IllegalArgumentException("intervalNanos must be >= 1 ms, was " + intervalNanos);
      }
      if (!(headroom >= 1 && headroom <= 16)) {
        throw new IllegalArgumentException("headroom must be in [1, 16], was " + headroom);
      }
      return new CreditAutoTuning(this);
    }
  }
}
