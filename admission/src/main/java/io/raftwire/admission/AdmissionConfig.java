package io.raftwire.admission;

import io.raftwire.admission.io.ThroughputHealth;
import io.raftwire.flow.StoreHealth;
import java.util.Objects;
import java.util.Optional;
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
  /**
   * Default interval at which IO tokens are re-estimated from the health signal: 1 s. Short enough
   * to follow an LSM's L0 as it fills (a flush adds a file every few seconds under load), long
   * enough for a throughput measurement to mean something; between estimates the rate moves
   * smoothly (see {@link io.raftwire.admission.io.IoAdmissionController}).
   */
  public static final long DEFAULT_IO_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Default tick at which IO tokens are handed out while unconstrained or nothing waits: 250 ms. */
  public static final long DEFAULT_IO_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** Default tick while constrained and work waits: 1 ms, so tokens arrive smoothly, not in bursts. */
  public static final long DEFAULT_IO_LOADED_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * Default most tokens a bucket holds, as time at its rate: 10 ms. Idle time never turns into a
   * burst larger than this; ten loaded ticks, so a late timer loses no tokens.
   */
  public static final long DEFAULT_IO_BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /**
   * Default debt regular work may run up ahead of its IO tokens: 1 MiB, a few Raft batches, so a
   * regular write never waits for the next tick; paid back (before elastic work gets a token)
   * within a second even at the default health signal's 1 MiB/s floor.
   */
  public static final long DEFAULT_REGULAR_DEBT_BYTES = MiB;
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
  private final long ioBurstNanos;
  private final long regularDebtBytes;
  private final long provisionedWriteBytesPerSecond;
  private final double elasticBandwidthShare;
  private final StoreHealth storeHealth;
  private final boolean libraryReportsDurability;
  private final Optional<CreditAutoTuning> creditAutoTuning;

  private AdmissionConfig(Builder b) {
    this.regularCreditBytes = b.regularCreditBytes;
    this.elasticCreditBytes = b.elasticCreditBytes;
    this.ioIntervalNanos = b.ioIntervalNanos;
    this.ioTickNanos = b.ioTickNanos;
    this.ioLoadedTickNanos = b.ioLoadedTickNanos;
    this.ioBurstNanos = b.ioBurstNanos;
    this.regularDebtBytes = b.regularDebtBytes;
    this.provisionedWriteBytesPerSecond = b.provisionedWriteBytesPerSecond;
    this.elasticBandwidthShare = b.elasticBandwidthShare;
    this.storeHealth = b.storeHealth;
    this.libraryReportsDurability = b.libraryReportsDurability;
    this.creditAutoTuning = Optional.ofNullable(b.creditAutoTuning);
  }

  /**
   * The defaults: a new {@link ThroughputHealth} signal (unconstraining until writes are reported
   * to it), no provisioned bandwidth cap.
   *
   * @return a new configuration with every default; its health signal is not shared with any other
   *     configuration
   */
  public static AdmissionConfig defaults() {
    return builder().build();
  }

  /** {@return a new builder holding the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return the regular credits per destination stream, in bytes; at least {@link
   * #elasticCreditBytes()}} Regular work also uses elastic credits.
   */
  public long regularCreditBytes() {
    return regularCreditBytes;
  }

  /** {@return the elastic credits per destination stream, in bytes; positive} */
  public long elasticCreditBytes() {
    return elasticCreditBytes;
  }

  /**
   * {@return how often IO tokens are recomputed from {@link #storeHealth()}, in nanoseconds; at
   * least {@link #ioTickNanos()}}
   */
  public long ioIntervalNanos() {
    return ioIntervalNanos;
  }

  /** {@return the tick at which IO tokens are handed out while unconstrained, in nanoseconds} */
  public long ioTickNanos() {
    return ioTickNanos;
  }

  /**
   * {@return the tick at which IO tokens are handed out while the health signal constrains them,
   * in nanoseconds; in (0, {@link #ioTickNanos()}]}
   */
  public long ioLoadedTickNanos() {
    return ioLoadedTickNanos;
  }

  /**
   * {@return the most IO tokens a bucket holds, as nanoseconds at its current rate; positive} Bounds
   * the burst that idle time can build up.
   */
  public long ioBurstNanos() {
    return ioBurstNanos;
  }

  /**
   * {@return how far regular work may borrow ahead of its IO tokens, in bytes; {@code >= 0}} Elastic
   * work never borrows.
   */
  public long regularDebtBytes() {
    return regularDebtBytes;
  }

  /**
   * {@return the disk's provisioned write bandwidth in bytes per second, or 0 if unknown (then
   * elastic work is not capped)}
   */
  public long provisionedWriteBytesPerSecond() {
    return provisionedWriteBytesPerSecond;
  }

  /** {@return the share of {@link #provisionedWriteBytesPerSecond()} elastic work may use, in (0, 1]} */
  public double elasticBandwidthShare() {
    return elasticBandwidthShare;
  }

  /** {@return the storage-health signal IO tokens come from; never null} */
  public StoreHealth storeHealth() {
    return storeHealth;
  }

  /**
   * Whether the Raft library (its adapter) reports persisted entries with {@code
   * FlowControl#entriesDurable}. If not (the default), the follower's transport queues APPEND
   * entries for logical admission itself, once the range's handler has taken them; credits then
   * bound the bytes between a leader's send and its follower's handler.
   *
   * @return true if the adapter reports durable entries itself
   */
  public boolean libraryReportsDurability() {
    return libraryReportsDurability;
  }

  /** {@return the configured windows, {@link #regularCreditBytes()} and {@link #elasticCreditBytes()}} */
  public CreditWindows creditWindows() {
    return CreditWindows.of(regularCreditBytes, elasticCreditBytes);
  }

  /**
   * {@return how credit windows are sized from measurements; empty (the default): they stay at the
   * configured windows}
   */
  public Optional<CreditAutoTuning> creditAutoTuning() {
    return creditAutoTuning;
  }

  /** Builds {@link AdmissionConfig}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long regularCreditBytes = DEFAULT_REGULAR_CREDIT_BYTES;
    private long elasticCreditBytes = DEFAULT_ELASTIC_CREDIT_BYTES;
    private long ioIntervalNanos = DEFAULT_IO_INTERVAL_NANOS;
    private long ioTickNanos = DEFAULT_IO_TICK_NANOS;
    private long ioLoadedTickNanos = DEFAULT_IO_LOADED_TICK_NANOS;
    private long ioBurstNanos = DEFAULT_IO_BURST_NANOS;
    private long regularDebtBytes = DEFAULT_REGULAR_DEBT_BYTES;
    private long provisionedWriteBytesPerSecond;
    private double elasticBandwidthShare = DEFAULT_ELASTIC_BANDWIDTH_SHARE;
    private StoreHealth storeHealth =
        new ThroughputHealth(DEFAULT_TARGET_WRITE_LATENCY_NANOS, DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND);
    private boolean libraryReportsDurability;
    private CreditAutoTuning creditAutoTuning; // null: off

    private Builder() {}

    /**
     * Turns on sizing of credit windows from measurements ({@link CreditAutoTuning}). Default off:
     * every stream keeps the configured windows.
     *
     * @param tuning how to tune, or null to keep windows fixed
     * @return this builder
     */
    public Builder creditAutoTuning(CreditAutoTuning tuning) {
      this.creditAutoTuning = tuning;
      return this;
    }

    /**
     * Sets whether the Raft library reports durable entries itself. Default false: see {@link
     * AdmissionConfig#libraryReportsDurability()}.
     *
     * @param reports true if the adapter calls {@code FlowControl#entriesDurable} for persisted
     *     entries; false to let the transport queue APPEND entries for logical admission
     * @return this builder
     */
    public Builder libraryReportsDurability(boolean reports) {
      this.libraryReportsDurability = reports;
      return this;
    }

    /**
     * Sets the regular credits per destination stream.
     *
     * @param bytes regular credits in bytes; default {@link
     *     AdmissionConfig#DEFAULT_REGULAR_CREDIT_BYTES}; must be at least the elastic credits
     *     (checked by {@link #build()})
     * @return this builder
     */
    public Builder regularCreditBytes(long bytes) {
      this.regularCreditBytes = bytes;
      return this;
    }

    /**
     * Sets the elastic credits per destination stream.
     *
     * @param bytes elastic credits in bytes; default {@link
     *     AdmissionConfig#DEFAULT_ELASTIC_CREDIT_BYTES}; must be positive (checked by {@link
     *     #build()})
     * @return this builder
     */
    public Builder elasticCreditBytes(long bytes) {
      this.elasticCreditBytes = bytes;
      return this;
    }

    /**
     * Sets how IO tokens are recomputed and handed out. Defaults 1 s, 250 ms and 1 ms: see the
     * {@code DEFAULT_IO_*} constants. The ranges are checked by {@link #build()}.
     *
     * @param intervalNanos how often IO tokens are recomputed from the health signal, in
     *     nanoseconds; at least {@code tickNanos}
     * @param tickNanos tick at which tokens are handed out while unconstrained or nothing waits,
     *     in nanoseconds; positive
     * @param loadedTickNanos tick at which tokens are handed out while constrained and work
     *     waits, in nanoseconds; in (0, {@code tickNanos}]
     * @return this builder
     */
    public Builder ioTiming(long intervalNanos, long tickNanos, long loadedTickNanos) {
      this.ioIntervalNanos = intervalNanos;
      this.ioTickNanos = tickNanos;
      this.ioLoadedTickNanos = loadedTickNanos;
      return this;
    }

    /**
     * Sets the most IO tokens a bucket holds, as time at its rate.
     *
     * @param nanos nanoseconds of tokens at the current rate; default {@link
     *     AdmissionConfig#DEFAULT_IO_BURST_NANOS}; must be positive and at most the interval
     *     (checked by {@link #build()})
     * @return this builder
     */
    public Builder ioBurstNanos(long nanos) {
      this.ioBurstNanos = nanos;
      return this;
    }

    /**
     * Sets how far regular work may borrow ahead of its IO tokens.
     *
     * @param bytes the most debt in bytes; default {@link AdmissionConfig#DEFAULT_REGULAR_DEBT_BYTES};
     *     0 means regular work waits for positive tokens like elastic work; must not be negative
     *     (checked by {@link #build()})
     * @return this builder
     */
    public Builder regularDebtBytes(long bytes) {
      this.regularDebtBytes = bytes;
      return this;
    }

    /**
     * Sets the disk's provisioned write bandwidth, which caps elastic work.
     *
     * @param bytesPerSecond bandwidth in bytes per second; default 0 (unknown: elastic work is
     *     limited by the health signal only); must not be negative (checked by {@link #build()})
     * @return this builder
     */
    public Builder provisionedWriteBytesPerSecond(long bytesPerSecond) {
      this.provisionedWriteBytesPerSecond = bytesPerSecond;
      return this;
    }

    /**
     * Sets the share of the provisioned write bandwidth elastic work may use.
     *
     * @param share a fraction in (0, 1] (checked by {@link #build()}); default {@link
     *     AdmissionConfig#DEFAULT_ELASTIC_BANDWIDTH_SHARE}
     * @return this builder
     */
    public Builder elasticBandwidthShare(double share) {
      this.elasticBandwidthShare = share;
      return this;
    }

    /**
     * Default a new {@link ThroughputHealth} with {@link #DEFAULT_TARGET_WRITE_LATENCY_NANOS} and
     * {@link #DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND}, fed by {@code FlowControl#recordDiskWrite}.
     *
     * @param health the storage-health signal IO tokens come from; not null
     * @return this builder
     * @throws NullPointerException if {@code health} is null
     */
    public Builder storeHealth(StoreHealth health) {
      this.storeHealth = Objects.requireNonNull(health, "storeHealth");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return a new immutable configuration
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
      if (ioBurstNanos <= 0 || ioBurstNanos > ioIntervalNanos) {
        throw new IllegalArgumentException(
            "ioBurstNanos (" + ioBurstNanos + ") must be in (0, ioIntervalNanos (" + ioIntervalNanos + ")]");
      }
      if (regularDebtBytes < 0) {
        throw new IllegalArgumentException("regularDebtBytes must be >= 0, was " + regularDebtBytes);
      }
      if (provisionedWriteBytesPerSecond < 0) {
        throw new IllegalArgumentException(
            "provisionedWriteBytesPerSecond must be >= 0, was " + provisionedWriteBytesPerSecond);
      }
      if (!(elasticBandwidthShare > 0 && elasticBandwidthShare <= 1)) {
        throw new IllegalArgumentException("elasticBandwidthShare must be in (0, 1], was " + elasticBandwidthShare);
      }
      if (creditAutoTuning != null && creditAutoTuning.maxElasticCreditBytes() < elasticCreditBytes) {
        throw new IllegalArgumentException("creditAutoTuning.maxElasticCreditBytes ("
            + creditAutoTuning.maxElasticCreditBytes() + ") must be >= elasticCreditBytes (" + elasticCreditBytes + ")");
      }
      return new AdmissionConfig(this);
    }
  }
}
