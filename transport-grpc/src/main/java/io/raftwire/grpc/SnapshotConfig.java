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
   */
  public static Builder builder(SnapshotSource source, SnapshotSink sink, Path spoolDirectory) {
    return new Builder(source, sink, spoolDirectory);
  }

  /** What this store sends snapshots from. */
  public SnapshotSource source() {
    return source;
  }

  /** Where this store installs received snapshots. */
  public SnapshotSink sink() {
    return sink;
  }

  /** Where incoming snapshots are staged. */
  public Path spoolDirectory() {
    return transfer.spoolDirectory();
  }

  /** See {@link Builder#chunkBytes}. */
  public int chunkBytes() {
    return transfer.chunkBytes();
  }

  /** See {@link Builder#windowChunks}. */
  public int windowChunks() {
    return transfer.windowChunks();
  }

  /** See {@link Builder#sendBytesPerSecond}. */
  public long sendBytesPerSecond() {
    return transfer.sendBytesPerSecond();
  }

  /** See {@link Builder#receiveBytesPerSecond}. */
  public long receiveBytesPerSecond() {
    return transfer.receiveBytesPerSecond();
  }

  /** See {@link Builder#concurrentTransfers}. */
  public int concurrentTransfers() {
    return transfer.concurrentTransfers();
  }

  /** See {@link Builder#maxQueuedTransfers}. */
  public int maxQueuedTransfers() {
    return transfer.maxQueuedTransfers();
  }

  /** See {@link Builder#minTransferNanos}. */
  public long minTransferNanos() {
    return transfer.minTransferNanos();
  }

  /** See {@link Builder#maxSnapshotBytes}. */
  public long maxSnapshotBytes() {
    return transfer.maxSnapshotBytes();
  }

  /** See {@link Builder#cacheBytes}. */
  public long cacheBytes() {
    return transfer.cacheBytes();
  }

  /** See {@link Builder#cacheIdleNanos}. */
  public long cacheIdleNanos() {
    return transfer.cacheIdleNanos();
  }

  /** See {@link Builder#stageRetentionNanos}. */
  public long stageRetentionNanos() {
    return transfer.stageRetentionNanos();
  }

  /** See {@link Builder#receiveWindowBytes}. */
  public long receiveWindowBytes() {
    return transfer.receiveWindowBytes();
  }

  /** See {@link Builder#maxRetainedStageBytes}. */
  public long maxRetainedStageBytes() {
    return transfer.maxRetainedStageBytes();
  }

  /** See {@link Builder#maxAttempts}. */
  public int maxAttempts() {
    return transfer.maxAttempts();
  }

  /** See {@link Builder#maxCorruptions}. */
  public int maxCorruptions() {
    return transfer.maxCorruptions();
  }

  /** See {@link Builder#maxDelegates}. */
  public int maxDelegates() {
    return maxDelegates;
  }

  /** See {@link Builder#delegateAcceptNanos}. */
  public long delegateAcceptNanos() {
    return delegateAcceptNanos;
  }

  /** See {@link Builder#maxDelegatedTransfers}. */
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

    /** Default 1 MiB: bytes per chunk, each with its own CRC32C; at most 64 MiB. */
    public Builder chunkBytes(int bytes) {
      this.chunkBytes = bytes;
      return this;
    }

    /** Default 4: unacknowledged chunks in flight per transfer (the recipient buffers no more). */
    public Builder windowChunks(int chunks) {
      this.windowChunks = chunks;
      return this;
    }

    /** Default 32 MiB/s, for all transfers this store sends; adjustable at runtime. */
    public Builder sendBytesPerSecond(long bytes) {
      this.sendBytesPerSecond = bytes;
      return this;
    }

    /** Default 32 MiB/s, for all transfers this store receives; adjustable at runtime. */
    public Builder receiveBytesPerSecond(long bytes) {
      this.receiveBytesPerSecond = bytes;
      return this;
    }

    /** Default 2: transfers this store receives at once; the rest queue. */
    public Builder concurrentTransfers(int transfers) {
      this.concurrentTransfers = transfers;
      return this;
    }

    /** Default 16: transfers waiting for a slot; more are refused RECIPIENT_BUSY. */
    public Builder maxQueuedTransfers(int transfers) {
      this.maxQueuedTransfers = transfers;
      return this;
    }

    /**
     * Default 10 s: a queued transfer gives up (QUEUE_TIMEOUT) once less than this is left of its
     * deadline, so it never starts a transfer it cannot finish.
     */
    public Builder minTransferNanos(long nanos) {
      this.minTransferNanos = nanos;
      return this;
    }

    /** Default 64 GiB: larger snapshots are refused TOO_LARGE before a byte is sent. */
    public Builder maxSnapshotBytes(long bytes) {
      this.maxSnapshotBytes = bytes;
      return this;
    }

    /** Default 1 GiB: bytes of generated snapshots kept for further recipients. */
    public Builder cacheBytes(long bytes) {
      this.cacheBytes = bytes;
      return this;
    }

    /** Default 60 s: a cached snapshot nobody used for this long is closed. */
    public Builder cacheIdleNanos(long nanos) {
      this.cacheIdleNanos = nanos;
      return this;
    }

    /** Default 5 min: a partial stage left by a broken stream is kept this long for a resume. */
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
     */
    public Builder maxRetainedStageBytes(long bytes) {
      this.maxRetainedStageBytes = bytes;
      return this;
    }

    /** Default 5: streams per transfer (the first plus retries after broken streams). */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = attempts;
      return this;
    }

    /** Default 3: checksum failures a transfer survives (each resends from the bad chunk). */
    public Builder maxCorruptions(int corruptions) {
      this.maxCorruptions = corruptions;
      return this;
    }

    /**
     * Default 2: replicas asked, in turn, to send a snapshot in this store's place. Only replicas
     * closer to the recipient (more shared locality tiers) than this store are asked, the closest
     * first; 0 turns delegation off.
     */
    public Builder maxDelegates(int delegates) {
      this.maxDelegates = delegates;
      return this;
    }

    /** Default 2 s: how long a delegate may take to accept or refuse before the next is asked. */
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
     */
    public Builder maxDelegatedTransfers(int transfers) {
      this.maxDelegatedTransfers = transfers;
      return this;
    }

    /**
     * The config.
     *
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
