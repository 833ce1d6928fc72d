package io.raftwire.admission;

import io.raftwire.admission.io.ThroughputHealth;
import io.raftwire.flow.StoreHealth;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** Settings of credits and IO admission. Immutable; build with {@link #builder()}. */
public final class AdmissionConfig {
  private static final long MiB = 1024L * 1024L;

  /**
   * Default regular credits per destination stream: 16 MiB. Enough in flight to keep a follower's
   * disk busy at hundreds of MB/s with one round trip of latency; small enough that a stalled
   * follower pins little leader memory.
   */
  public static final long DEFAULT_REGULAR_CREDIT_BYTES = 16 * MiB;
  /** Default elastic credits per destination stream: 8 MiB, so bulk work yields sooner. */
  public static final long DEFAULT_ELASTIC_CREDIT_BYTES = 8 * MiB;
  /** Default interval at which IO tokens are recomputed from the health signal: 15 s. */
  public static final long DEFAULT_IO_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(15);
  /** Default tick at which IO tokens are handed out while unconstrained: 250 ms. */
  public static final long DEFAULT_IO_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** Default tick while constrained: 1 ms, so tokens arrive smoothly, not in bursts. */
  public static final long DEFAULT_IO_LOADED_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * Default mean write latency above which the default health signal ({@link ThroughputHealth})
   * counts the disk as overloaded: 20 ms, well above a healthy SSD's fsync and below the latency
   * at which Raft heartbeats start to suffer.
   */
  public static final long DEFAULT_TARGET_WRITE_LATENCY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** Default least throughput the default health signal ever admits: 1 MiB/s. */
  public static final long DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND = MiB;
  /** Default share of provisioned write bandwidth elastic work may use: 50%. */
  public static final double DEFAULT_ELASTIC_BANDWIDTH_SHARE = 0.5;

  private final long regularCreditBytes;
  private final long elasticCreditBytes;
  private final long ioIntervalNanos;
  private final long ioTickNanos;
  private final long ioLoadedTickNanos;
  private final long provisionedWriteBytesPerSecond;
  private final double elasticBandwidthShare;
  private final StoreHealth storeHealth;
  private final boolean libraryReportsDurability;

  private AdmissionConfig(Builder b) {
    this.regularCreditBytes = b.regularCreditBytes;
    this.elasticCreditBytes = b.elasticCreditBytes;
    this.ioIntervalNanos = b.ioIntervalNanos;
    this.ioTickNanos = b.ioTickNanos;
    this.ioLoadedTickNanos = b.ioLoadedTickNanos;
    this.provisionedWriteBytesPerSecond = b.provisionedWriteBytesPerSecond;
    this.elasticBandwidthShare = b.elasticBandwidthShare;
    this.storeHealth = b.storeHealth;
    this.libraryReportsDurability = b.libraryReportsDurability;
  }

  /**
   * The defaults: a new {@link ThroughputHealth} signal (unconstraining until writes are reported
   * to it), no provisioned bandwidth cap.
   */
  public static AdmissionConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Regular credits per destination stream; regular work also uses elastic credits. */
  public long regularCreditBytes() {
    return regularCreditBytes;
  }

  /** Elastic credits per destination stream. */
  public long elasticCreditBytes() {
    return elasticCreditBytes;
  }

  /** How often IO tokens are recomputed from {@link #storeHealth()}. */
  public long ioIntervalNanos() {
    return ioIntervalNanos;
  }

  /** Tick at which IO tokens are handed out while unconstrained. */
  public long ioTickNanos() {
    return ioTickNanos;
  }

  /** Tick at which IO tokens are handed out while the health signal constrains them. */
  public long ioLoadedTickNanos() {
    return ioLoadedTickNanos;
  }

  /** The disk's provisioned write bandwidth, or 0 if unknown (then elastic work is not capped). */
  public long provisionedWriteBytesPerSecond() {
    return provisionedWriteBytesPerSecond;
  }

  /** Share of {@link #provisionedWriteBytesPerSecond()} elastic work may use. */
  public double elasticBandwidthShare() {
    return elasticBandwidthShare;
  }

  /** The storage-health signal IO tokens come from. */
  public StoreHealth storeHealth() {
    return storeHealth;
  }

  /**
   * Whether the Raft library (its adapter) reports persisted entries with {@code
   * FlowControl#entriesDurable}. If not (the default), the follower's transport queues APPEND
   * entries for logical admission itself, once the range's handler has taken them; credits then
   * bound the bytes between a leader's send and its follower's handler.
   */
  public boolean libraryReportsDurability() {
    return libraryReportsDurability;
  }

  /** Builds {@link AdmissionConfig}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long regularCreditBytes = DEFAULT_REGULAR_CREDIT_BYTES;
    private long elasticCreditBytes = DEFAULT_ELASTIC_CREDIT_BYTES;
    private long ioIntervalNanos = DEFAULT_IO_INTERVAL_NANOS;
    private long ioTickNanos = DEFAULT_IO_TICK_NANOS;
    private long ioLoadedTickNanos = DEFAULT_IO_LOADED_TICK_NANOS;
    private long provisionedWriteBytesPerSecond;
    private double elasticBandwidthShare = DEFAULT_ELASTIC_BANDWIDTH_SHARE;
    private StoreHealth storeHealth =
        new ThroughputHealth(DEFAULT_TARGET_WRITE_LATENCY_NANOS, DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND);
    private boolean libraryReportsDurability;

    private Builder() {}

    /** Default false: see {@link AdmissionConfig#libraryReportsDurability()}. */
    public Builder libraryReportsDurability(boolean reports) {
      this.libraryReportsDurability = reports;
      return this;
    }

    /** Default {@link AdmissionConfig#DEFAULT_REGULAR_CREDIT_BYTES}; at least the elastic credits. */
    public Builder regularCreditBytes(long bytes) {
      this.regularCreditBytes = bytes;
      return this;
    }

    /** Default {@link AdmissionConfig#DEFAULT_ELASTIC_CREDIT_BYTES}; must be positive. */
    public Builder elasticCreditBytes(long bytes) {
      this.elasticCreditBytes = bytes;
      return this;
    }

    /** Defaults 15 s, 250 ms and 1 ms: see the {@code DEFAULT_IO_*} constants. */
    public Builder ioTiming(long intervalNanos, long tickNanos, long loadedTickNanos) {
      this.ioIntervalNanos = intervalNanos;
      this.ioTickNanos = tickNanos;
      this.ioLoadedTickNanos = loadedTickNanos;
      return this;
    }

    /** Default 0 (unknown: elastic work is limited by the health signal only). */
    public Builder provisionedWriteBytesPerSecond(long bytesPerSecond) {
      this.provisionedWriteBytesPerSecond = bytesPerSecond;
      return this;
    }

    /** Default {@link AdmissionConfig#DEFAULT_ELASTIC_BANDWIDTH_SHARE}; in (0, 1]. */
    public Builder elasticBandwidthShare(double share) {
      this.elasticBandwidthShare = share;
      return this;
    }

    /**
     * Default a new {@link ThroughputHealth} with {@link #DEFAULT_TARGET_WRITE_LATENCY_NANOS} and
     * {@link #DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND}, fed by {@code FlowControl#recordDiskWrite}.
     */
    public Builder storeHealth(StoreHealth health) {
      this.storeHealth = Objects.requireNonNull(health, "storeHealth");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the field whose value makes no sense
     */
    public AdmissionConfig build() {
      if (elasticCreditBytes <= 0) {
        throw new IllegalArgumentException("elasticCreditBytes must be > 0, was " + elasticCreditBytes);
      }
      if (regularCreditBytes < elasticCreditBytes) {
        throw new IllegalArgumentException(
            "regularCreditBytes (" + regularCreditBytes + ") must be >= elasticCreditBytes ("
                + elasticCreditBytes + "): regular work consumes elastic credits too");
      }
      if (ioTickNanos <= 0 || ioLoadedTickNanos <= 0 || ioLoadedTickNanos > ioTickNanos) {
        throw new IllegalArgumentException(
            "ioLoadedTickNanos (" + ioLoadedTickNanos + ") must be in (0, ioTickNanos (" + ioTickNanos + ")]");
      }
      if (ioIntervalNanos < ioTickNanos) {
        throw new IllegalArgumentException(
            "ioIntervalNanos (" + ioIntervalNanos + ") must be >= ioTickNanos (" + ioTickNanos + ")");
      }
      if (provisionedWriteBytesPerSecond < 0) {
        throw new IllegalArgumentException(
            "provisionedWriteBytesPerSecond must be >= 0, was " + provisionedWriteBytesPerSecond);
      }
      if (!(elasticBandwidthShare > 0 && elasticBandwidthShare <= 1)) {
        throw new IllegalArgumentException("elasticBandwidthShare must be in (0, 1], was " + elasticBandwidthShare);
      }
      return new AdmissionConfig(this);
    }
  }
}
