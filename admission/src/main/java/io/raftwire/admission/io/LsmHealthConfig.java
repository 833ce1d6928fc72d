package io.raftwire.admission.io;

/**
 * Thresholds of {@link LsmHealth}: where elastic IO tokens start to shrink, where they reach zero,
 * where regular tokens are cut, and the least regular throughput ever admitted. The defaults sit
 * below RocksDB's own write-stall triggers (L0 slowdown at 20 files, stop at 36; pending
 * compaction soft limit 64 GiB, hard 256 GiB), so admission acts before the engine does: elastic
 * work yields as soon as compactions fall behind, regular work only just before a stall. An engine
 * tuned with other triggers wants thresholds scaled with them. Immutable; build with {@link
 * #builder()}.
 */
public final class LsmHealthConfig {
  private static final long GiB = 1024L * 1024 * 1024;

  /**
   * Default L0 files above which elastic tokens shrink: 6, two flushes past RocksDB's default
   * compaction trigger (4), so compactions are falling behind, not just starting.
   */
  public static final long DEFAULT_ELASTIC_SHRINK_L0_FILES = 6;
  /**
   * Default L0 files at which elastic tokens reach zero: 14, six files short of RocksDB's default
   * slowdown (20), which leaves room for the regular cut in between.
   */
  public static final long DEFAULT_ELASTIC_ZERO_L0_FILES = 14;
  /**
   * Default L0 files at which regular tokens are halved: 18, two flushes before RocksDB's default
   * slowdown (20): the last moment to act before the engine delays every write itself.
   */
  public static final long DEFAULT_REGULAR_SHRINK_L0_FILES = 18;
  /** Default pending compaction bytes above which elastic tokens shrink: 16 GiB, a quarter of RocksDB's soft limit. */
  public static final long DEFAULT_ELASTIC_SHRINK_PENDING_BYTES = 16 * GiB;
  /** Default pending compaction bytes at which elastic tokens reach zero: 48 GiB, three quarters of the soft limit. */
  public static final long DEFAULT_ELASTIC_ZERO_PENDING_BYTES = 48 * GiB;
  /** Default pending compaction bytes at which regular tokens are halved: 56 GiB, just below the soft limit. */
  public static final long DEFAULT_REGULAR_SHRINK_PENDING_BYTES = 56 * GiB;
  /** Default least regular throughput ever admitted: 1 MiB/s, so a store always makes progress. */
  public static final long DEFAULT_FLOOR_BYTES_PER_SECOND = 1024L * 1024;

  private final long elasticShrinkL0Files;
  private final long elasticZeroL0Files;
  private final long regularShrinkL0Files;
  private final long elasticShrinkPendingBytes;
  private final long elasticZeroPendingBytes;
  private final long regularShrinkPendingBytes;
  private final long floorBytesPerSecond;

  private LsmHealthConfig(Builder b) {
    this.elasticShrinkL0Files = b.elasticShrinkL0Files;
    this.elasticZeroL0Files = b.elasticZeroL0Files;
    this.regularShrinkL0Files = b.regularShrinkL0Files;
    this.elasticShrinkPendingBytes = b.elasticShrinkPendingBytes;
    this.elasticZeroPendingBytes = b.elasticZeroPendingBytes;
    this.regularShrinkPendingBytes = b.regularShrinkPendingBytes;
    this.floorBytesPerSecond = b.floorBytesPerSecond;
  }

  /** {@return the defaults} */
  public static LsmHealthConfig defaults() {
    return builder().build();
  }

  /** {@return a new builder holding the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the L0 files above which elastic tokens shrink (linearly, down to zero)} */
  public long elasticShrinkL0Files() {
    return elasticShrinkL0Files;
  }

  /** {@return the L0 files at which elastic tokens are zero} */
  public long elasticZeroL0Files() {
    return elasticZeroL0Files;
  }

  /** {@return the L0 files at which regular tokens are halved} */
  public long regularShrinkL0Files() {
    return regularShrinkL0Files;
  }

  /** {@return the pending compaction bytes above which elastic tokens shrink} */
  public long elasticShrinkPendingBytes() {
    return elasticShrinkPendingBytes;
  }

  /** {@return the pending compaction bytes at which elastic tokens are zero} */
  public long elasticZeroPendingBytes() {
    return elasticZeroPendingBytes;
  }

  /** {@return the pending compaction bytes at which regular tokens are halved} */
  public long regularShrinkPendingBytes() {
    return regularShrinkPendingBytes;
  }

  /** {@return the least regular throughput ever admitted, in bytes per second} */
  public long floorBytesPerSecond() {
    return floorBytesPerSecond;
  }

  @Override
  public String toString() {
    return "LsmHealthConfig{l0Files elastic " + elasticShrinkL0Files + ".." + elasticZeroL0Files + ", regular "
        + regularShrinkL0Files + "; pendingBytes elastic " + elasticShrinkPendingBytes + ".."
        + elasticZeroPendingBytes + ", regular " + regularShrinkPendingBytes + "; floor "
        + floorBytesPerSecond + " B/s}";
  }

  /** Builds {@link LsmHealthConfig}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private long elasticShrinkL0Files = DEFAULT_ELASTIC_SHRINK_L0_FILES;
    private long elasticZeroL0Files = DEFAULT_ELASTIC_ZERO_L0_FILES;
    private long regularShrinkL0Files = DEFAULT_REGULAR_SHRINK_L0_FILES;
    private long elasticShrinkPendingBytes = DEFAULT_ELASTIC_SHRINK_PENDING_BYTES;
    private long elasticZeroPendingBytes = DEFAULT_ELASTIC_ZERO_PENDING_BYTES;
    private long regularShrinkPendingBytes = DEFAULT_REGULAR_SHRINK_PENDING_BYTES;
    private long floorBytesPerSecond = DEFAULT_FLOOR_BYTES_PER_SECOND;

    private Builder() {}

    /**
     * Sets the L0 thresholds.
     *
     * @param elasticShrinkFiles L0 files above which elastic tokens shrink; default {@link
     *     #DEFAULT_ELASTIC_SHRINK_L0_FILES}; {@code >= 0}
     * @param elasticZeroFiles L0 files at which elastic tokens are zero; default {@link
     *     #DEFAULT_ELASTIC_ZERO_L0_FILES}; above {@code elasticShrinkFiles}
     * @param regularShrinkFiles L0 files at which regular tokens are halved; default {@link
     *     #DEFAULT_REGULAR_SHRINK_L0_FILES}; at least {@code elasticZeroFiles}
     * @return this builder
     */
    public Builder l0Files(long elasticShrinkFiles, long elasticZeroFiles, long regularShrinkFiles) {
      this.elasticShrinkL0Files = elasticShrinkFiles;
      this.elasticZeroL0Files = elasticZeroFiles;
      this.regularShrinkL0Files = regularShrinkFiles;
      return this;
    }

    /**
     * Sets the pending-compaction thresholds.
     *
     * @param elasticShrinkBytes pending compaction bytes above which elastic tokens shrink;
     *     default {@link #DEFAULT_ELASTIC_SHRINK_PENDING_BYTES}; {@code >= 0}
     * @param elasticZeroBytes pending compaction bytes at which elastic tokens are zero; default
     *     {@link #DEFAULT_ELASTIC_ZERO_PENDING_BYTES}; above {@code elasticShrinkBytes}
     * @param regularShrinkBytes pending compaction bytes at which regular tokens are halved;
     *     default {@link #DEFAULT_REGULAR_SHRINK_PENDING_BYTES}; at least {@code elasticZeroBytes}
     * @return this builder
     */
    public Builder pendingCompactionBytes(long elasticShrinkBytes, long elasticZeroBytes, long regularShrinkBytes) {
      this.elasticShrinkPendingBytes = elasticShrinkBytes;
      this.elasticZeroPendingBytes = elasticZeroBytes;
      this.regularShrinkPendingBytes = regularShrinkBytes;
      return this;
    }

    /**
     * Sets the least regular throughput ever admitted.
     *
     * @param bytesPerSecond bytes per second; default {@link #DEFAULT_FLOOR_BYTES_PER_SECOND};
     *     positive
     * @return this builder
     */
    public Builder floorBytesPerSecond(long bytesPerSecond) {
      this.floorBytesPerSecond = bytesPerSecond;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return a new immutable configuration
     * @throws IllegalArgumentException naming the thresholds that are out of order or negative
     */
    public LsmHealthConfig build() {
      check("l0Files", elasticShrinkL0Files, elasticZeroL0Files, regularShrinkL0Files);
      check("pendingCompactionBytes", elasticShrinkPendingBytes, elasticZeroPendingBytes, regularShrinkPendingBytes);
      if (floorBytesPerSecond <= 0) {
        throw new IllegalArgumentException("floorBytesPerSecond must be > 0, was " + floorBytesPerSecond);
      }
      return new LsmHealthConfig(this);
    }

    private static void check(String what, long elasticShrink, long elasticZero, long regularShrink) {
      if (elasticShrink < 0 || elasticZero <= elasticShrink || regularShrink < elasticZero) {
        throw new IllegalArgumentException(what + " thresholds must satisfy 0 <= elasticShrink (" + elasticShrink
            + ") < elasticZero (" + elasticZero + ") <= regularShrink (" + regularShrink
            + "): elastic work yields first");
      }
    }
  }
}
