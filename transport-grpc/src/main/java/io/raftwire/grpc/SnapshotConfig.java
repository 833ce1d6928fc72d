package io.raftwire.grpc;

import io.raftwire.grpc.internal.snapshot.transfer.TransferSettings;
import io.raftwire.snapshot.SnapshotSink;
import io.raftwire.snapshot.SnapshotSource;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How a store sends and receives snapshots. Immutable; build with {@link #builder}. Without it
 * (the default of {@link GrpcTransportConfig}) the transport has no snapshot transfers.
 */
public final class SnapshotConfig {
  private final SnapshotSource source;
  private final SnapshotSink sink;
  private final TransferSettings transfer;
  private final int maxDelegates;
  private final long delegateAcceptNanos;
  private final int maxDelegatedTransfers;

  private SnapshotConfig(Builder b) {
    this.source = b.source;
    this.sink = b.sink;
    this.transfer = new TransferSettings(b.spoolDirectory, b.chunkBytes, b.windowChunks, b.sendBytesPerSecond,
        b.receiveBytesPerSecond, b.maxAttempts, b.maxCorruptions, b.concurrentTransfers, b.maxQueuedTransfers,
        b.minTransferNanos, b.maxSnapshotBytes, b.cacheBytes, b.cacheIdleNanos, b.stageRetentionNanos,
        b.receiveWindowBytes, b.maxRetainedStageBytes);
    this.maxDelegates = b.maxDelegates;
    this.delegateAcceptNanos = b.delegateAcceptNanos;
    this.maxDelegatedTransfers = b.maxDelegatedTransfers;
  }

  /**
   * A config with the library's {@code source} (what this store sends), {@code sink} (what it
   * installs) and the directory incoming snapshots are staged in (created if missing; leftover
   * partial files are deleted at start).
   *
   * @param source what this store sends snapshots from; called from transport threads as {@link
   *     SnapshotSource} documents
   * @param sink where this store installs received snapshots; called from the transport's snapshot
   *     I/O threads as {@link SnapshotSink} documents
   * @param spoolDirectory the staging directory; not to be shared with another transport, since
   *     leftover partial files in it are deleted at start
   * @return a builder with every other setting at its default
   */
  public static Builder builder(SnapshotSource source, SnapshotSink sink, Path spoolDirectory) {
    return new Builder(source, sink, spoolDirectory);
  }

  /** {@return what this store sends snapshots from} */
  public SnapshotSource source() {
    return source;
  }

  /** {@return where this store installs received snapshots} */
  public SnapshotSink sink() {
    return sink;
  }

  /** {@return the directory incoming snapshots are staged in} */
  public Path spoolDirectory() {
    return transfer.spoolDirectory();
  }

  /**
   * {@return the bytes per chunk a sent transfer is cut into, each chunk with its own CRC32C} See
   * {@link Builder#chunkBytes}.
   */
  public int chunkBytes() {
    return transfer.chunkBytes();
  }

  /**
   * {@return the unacknowledged chunks one sent transfer may have in flight} See {@link
   * Builder#windowChunks}.
   */
  public int windowChunks() {
    return transfer.windowChunks();
  }

  /**
   * {@return the rate limit, in bytes per second, of all transfers this store sends, as configured
   * at start} See {@link Builder#sendBytesPerSecond}.
   */
  public long sendBytesPerSecond() {
    return transfer.sendBytesPerSecond();
  }

  /**
   * {@return the rate limit, in bytes per second, of all transfers this store receives, as
   * configured at start} See {@link Builder#receiveBytesPerSecond}.
   */
  public long receiveBytesPerSecond() {
    return transfer.receiveBytesPerSecond();
  }

  /**
   * {@return how many transfers this store receives at once} See {@link
   * Builder#concurrentTransfers}.
   */
  public int concurrentTransfers() {
    return transfer.concurrentTransfers();
  }

  /**
   * {@return how many incoming transfers may wait for a slot} See {@link
   * Builder#maxQueuedTransfers}.
   */
  public int maxQueuedTransfers() {
    return transfer.maxQueuedTransfers();
  }

  /**
   * {@return the nanoseconds a queued transfer must have left of its deadline to start} See {@link
   * Builder#minTransferNanos}.
   */
  public long minTransferNanos() {
    return transfer.minTransferNanos();
  }

  /**
   * {@return the largest snapshot, in bytes, this store accepts} See {@link
   * Builder#maxSnapshotBytes}.
   */
  public long maxSnapshotBytes() {
    return transfer.maxSnapshotBytes();
  }

  /**
   * {@return the bytes of generated snapshots kept for further recipients} See {@link
   * Builder#cacheBytes}.
   */
  public long cacheBytes() {
    return transfer.cacheBytes();
  }

  /**
   * {@return the nanoseconds after which a cached snapshot nobody used is closed} See {@link
   * Builder#cacheIdleNanos}.
   */
  public long cacheIdleNanos() {
    return transfer.cacheIdleNanos();
  }

  /**
   * {@return the nanoseconds a partial stage left by a broken stream is kept for a resume} See
   * {@link Builder#stageRetentionNanos}.
   */
  public long stageRetentionNanos() {
    return transfer.stageRetentionNanos();
  }

  /**
   * {@return the chunk bytes one incoming transfer may hold in memory} See {@link
   * Builder#receiveWindowBytes}.
   */
  public long receiveWindowBytes() {
    return transfer.receiveWindowBytes();
  }

  /**
   * {@return the bytes of partial stages kept, in total, for resumes} See {@link
   * Builder#maxRetainedStageBytes}.
   */
  public long maxRetainedStageBytes() {
    return transfer.maxRetainedStageBytes();
  }

  /**
   * {@return the streams one transfer may use, the first one included} See {@link
   * Builder#maxAttempts}.
   */
  public int maxAttempts() {
    return transfer.maxAttempts();
  }

  /** {@return the checksum failures one transfer survives} See {@link Builder#maxCorruptions}. */
  public int maxCorruptions() {
    return transfer.maxCorruptions();
  }

  /**
   * {@return how many closer replicas are asked, in turn, to send a snapshot in this store's place;
   * 0: delegation is off} See {@link Builder#maxDelegates}.
   */
  public int maxDelegates() {
    return maxDelegates;
  }

  /**
   * {@return the nanoseconds a delegate may take to accept or refuse} See {@link
   * Builder#delegateAcceptNanos}.
   */
  public long delegateAcceptNanos() {
    return delegateAcceptNanos;
  }

  /**
   * {@return how many transfers this store sends on other stores' behalf at once} See {@link
   * Builder#maxDelegatedTransfers}.
   */
  public int maxDelegatedTransfers() {
    return maxDelegatedTransfers;
  }

  /** The transfer settings, as the transport's internals take them. */
  TransferSettings transferSettings() {
    return transfer;
  }

  /** Builds a {@link SnapshotConfig}; every setting has a documented default. */
  public static final class Builder {
    private final SnapshotSource source;
    private final SnapshotSink sink;
    private final Path spoolDirectory;
    private int chunkBytes = 1 << 20;
    private int windowChunks = 4;
    private long sendBytesPerSecond = 32L << 20;
    private long receiveBytesPerSecond = 32L << 20;
    private int concurrentTransfers = 2;
    private int maxQueuedTransfers = 16;
    private long minTransferNanos = TimeUnit.SECONDS.toNanos(10);
    private long maxSnapshotBytes = 64L << 30;
    private long cacheBytes = 1L << 30;
    private long cacheIdleNanos = TimeUnit.SECONDS.toNanos(60);
    private long stageRetentionNanos = TimeUnit.MINUTES.toNanos(5);
    private long receiveWindowBytes = 8L << 20;
    private long maxRetainedStageBytes = 1L << 30;
    private int maxAttempts = 5;
    private int maxCorruptions = 3;
    private int maxDelegates = 2;
    private long delegateAcceptNanos = TimeUnit.SECONDS.toNanos(2);
    private int maxDelegatedTransfers = 8;

    private Builder(SnapshotSource source, SnapshotSink sink, Path spoolDirectory) {
      this.source = Objects.requireNonNull(source, "source");
      this.sink = Objects.requireNonNull(sink, "sink");
      this.spoolDirectory = Objects.requireNonNull(spoolDirectory, "spoolDirectory");
    }

    /**
     * Default 1 MiB: bytes per chunk, each with its own CRC32C; at most 64 MiB.
     *
     * @param bytes the chunk size in bytes, 1 .. 64 MiB
     * @return this builder
     */
    public Builder chunkBytes(int bytes) {
      this.chunkBytes = bytes;
      return this;
    }

    /**
     * Default 4: unacknowledged chunks in flight per transfer (the recipient buffers no more).
     *
     * @param chunks the window in chunks, at least 1
     * @return this builder
     */
    public Builder windowChunks(int chunks) {
      this.windowChunks = chunks;
      return this;
    }

    /**
     * Default 32 MiB/s, for all transfers this store sends; adjustable at runtime with {@link
     * io.raftwire.snapshot.SnapshotTransfers#updateRates}.
     *
     * @param bytes the rate limit in bytes per second, positive
     * @return this builder
     */
    public Builder sendBytesPerSecond(long bytes) {
      this.sendBytesPerSecond = bytes;
      return this;
    }

    /**
     * Default 32 MiB/s, for all transfers this store receives; adjustable at runtime with {@link
     * io.raftwire.snapshot.SnapshotTransfers#updateRates}.
     *
     * @param bytes the rate limit in bytes per second, positive
     * @return this builder
     */
    public Builder receiveBytesPerSecond(long bytes) {
      this.receiveBytesPerSecond = bytes;
      return this;
    }

    /**
     * Default 2: transfers this store receives at once; the rest queue.
     *
     * @param transfers the receiving slots, at least 1
     * @return this builder
     */
    public Builder concurrentTransfers(int transfers) {
      this.concurrentTransfers = transfers;
      return this;
    }

    /**
     * Default 16: transfers waiting for a slot; more are refused RECIPIENT_BUSY.
     *
     * @param transfers the queue length, at least 0 (0: a transfer without a free slot is refused)
     * @return this builder
     */
    public Builder maxQueuedTransfers(int transfers) {
      this.maxQueuedTransfers = transfers;
      return this;
    }

    /**
     * Default 10 s: a queued transfer gives up (QUEUE_TIMEOUT) once less than this is left of its
     * deadline, so it never starts a transfer it cannot finish.
     *
     * @param nanos the least time left, in nanoseconds, at least 0
     * @return this builder
     */
    public Builder minTransferNanos(long nanos) {
      this.minTransferNanos = nanos;
      return this;
    }

    /**
     * Default 64 GiB: larger snapshots are refused TOO_LARGE before a byte is sent.
     *
     * @param bytes the largest snapshot in bytes, at least 1
     * @return this builder
     */
    public Builder maxSnapshotBytes(long bytes) {
      this.maxSnapshotBytes = bytes;
      return this;
    }

    /**
     * Default 1 GiB: bytes of generated snapshots kept for further recipients.
     *
     * @param bytes the cache size in bytes, at least 0
     * @return this builder
     */
    public Builder cacheBytes(long bytes) {
      this.cacheBytes = bytes;
      return this;
    }

    /**
     * Default 60 s: a cached snapshot nobody used for this long is closed.
     *
     * @param nanos the idle time in nanoseconds, positive
     * @return this builder
     */
    public Builder cacheIdleNanos(long nanos) {
      this.cacheIdleNanos = nanos;
      return this;
    }

    /**
     * Default 5 min: a partial stage left by a broken stream is kept this long for a resume.
     *
     * @param nanos the retention in nanoseconds, at least 0
     * @return this builder
     */
    public Builder stageRetentionNanos(long nanos) {
      this.stageRetentionNanos = nanos;
      return this;
    }

    /**
     * Default 8 MiB, in 4 KiB .. 1 GiB: the chunk bytes one incoming transfer may hold in memory,
     * received and not yet written to the spool. The recipient reads a transfer's stream only
     * while its chunks fit (gRPC flow control holds the sender back meanwhile), so a store holds
     * at most {@code concurrentTransfers} times this of snapshot chunks however fast senders
     * write. It is also the largest chunk this store takes (senders with larger chunks send them
     * smaller). The default holds twice the default sender's window (4 chunks of 1 MiB), so an
     * honest sender is never slowed by it.
     *
     * @param bytes the window in bytes, 4 KiB .. 1 GiB
     * @return this builder
     */
    public Builder receiveWindowBytes(long bytes) {
      this.receiveWindowBytes = bytes;
      return this;
    }

    /**
     * Default 1 GiB: the bytes of partial stages kept, in total, for transfers whose stream broke
     * (for {@link #stageRetentionNanos}, so a new transfer of the same snapshot resumes). A broken
     * transfer's stage that does not fit is deleted at once; 0 deletes every one (no resume).
     * Only snapshots the library consented to are ever staged.
     *
     * @param bytes the total in bytes, at least 0
     * @return this builder
     */
    public Builder maxRetainedStageBytes(long bytes) {
      this.maxRetainedStageBytes = bytes;
      return this;
    }

    /**
     * Default 5: streams per transfer (the first plus retries after broken streams).
     *
     * @param attempts the streams per transfer, at least 1 (1: no retry)
     * @return this builder
     */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * Default 3: checksum failures a transfer survives (each resends from the bad chunk).
     *
     * @param corruptions the failures survived, at least 0
     * @return this builder
     */
    public Builder maxCorruptions(int corruptions) {
      this.maxCorruptions = corruptions;
      return this;
    }

    /**
     * Default 2: replicas asked, in turn, to send a snapshot in this store's place. Only replicas
     * closer to the recipient (more shared locality tiers) than this store are asked, the closest
     * first; 0 turns delegation off.
     *
     * @param delegates the replicas asked, at least 0
     * @return this builder
     */
    public Builder maxDelegates(int delegates) {
      this.maxDelegates = delegates;
      return this;
    }

    /**
     * Default 2 s: how long a delegate may take to accept or refuse before the next is asked.
     *
     * @param nanos the time in nanoseconds, positive
     * @return this builder
     */
    public Builder delegateAcceptNanos(long nanos) {
      this.delegateAcceptNanos = nanos;
      return this;
    }

    /**
     * Default 8: transfers this store sends on other stores' behalf at once (most of them wait in
     * the recipient's queue, which bounds the real work); further requests are refused
     * DELEGATE_BUSY and the leader asks the next candidate or sends itself, across zones. A store
     * that returns with many lagging ranges asks for that many at once: too small a limit turns
     * such a burst into cross-zone sends.
     *
     * @param transfers the delegated transfers at once, at least 0 (0: every request is refused)
     * @return this builder
     */
    public Builder maxDelegatedTransfers(int transfers) {
      this.maxDelegatedTransfers = transfers;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the config
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public SnapshotConfig build() {
      check(chunkBytes >= 1 && chunkBytes <= 64 << 20, "chunkBytes must be in 1..64 MiB", chunkBytes);
      check(windowChunks >= 1, "windowChunks must be >= 1", windowChunks);
      check(sendBytesPerSecond > 0, "sendBytesPerSecond must be > 0", sendBytesPerSecond);
      check(receiveBytesPerSecond > 0, "receiveBytesPerSecond must be > 0", receiveBytesPerSecond);
      check(concurrentTransfers >= 1, "concurrentTransfers must be >= 1", concurrentTransfers);
      check(maxQueuedTransfers >= 0, "maxQueuedTransfers must be >= 0", maxQueuedTransfers);
      check(minTransferNanos >= 0, "minTransferNanos must be >= 0", minTransferNanos);
      check(maxSnapshotBytes >= 1, "maxSnapshotBytes must be >= 1", maxSnapshotBytes);
      check(cacheBytes >= 0, "cacheBytes must be >= 0", cacheBytes);
      check(cacheIdleNanos > 0, "cacheIdleNanos must be > 0", cacheIdleNanos);
      check(stageRetentionNanos >= 0, "stageRetentionNanos must be >= 0", stageRetentionNanos);
      check(receiveWindowBytes >= 4096 && receiveWindowBytes <= 1L << 30, "receiveWindowBytes must be in 4 KiB..1 GiB",
          receiveWindowBytes);
      check(maxRetainedStageBytes >= 0, "maxRetainedStageBytes must be >= 0", maxRetainedStageBytes);
      check(maxAttempts >= 1, "maxAttempts must be >= 1", maxAttempts);
      check(maxCorruptions >= 0, "maxCorruptions must be >= 0", maxCorruptions);
      check(maxDelegates >= 0, "maxDelegates must be >= 0", maxDelegates);
      check(delegateAcceptNanos > 0, "delegateAcceptNanos must be > 0", delegateAcceptNanos);
      check(maxDelegatedTransfers >= 0, "maxDelegatedTransfers must be >= 0", maxDelegatedTransfers);
      return new SnapshotConfig(this);
    }

    private static void check(boolean ok, String rule, long value) {
      if (!ok) {
        throw new IllegalArgumentException(rule + ", was " + value);
      }
    }
  }
}
