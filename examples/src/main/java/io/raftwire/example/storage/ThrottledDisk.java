package io.raftwire.example.storage;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.microraft.model.log.LogEntry;
import io.microraft.persistence.RaftStore;
import io.raftwire.adapter.microraft.ForwardingRaftStore;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import java.io.IOException;
import java.util.List;

/**
 * A slow disk for demonstrations and fault injection: while enabled, every {@code flush()} of the
 * stores it wraps waits until the bytes persisted since the last flush fit through {@code
 * bytesPerSecond}, shared by all ranges of the store (one virtual disk); while {@linkplain
 * #stall stalled}, every flush waits until the stall ends, as an fsync on a stalled device does.
 * The wait happens where a real fsync would block: on the range's Raft thread.
 */
public final class ThrottledDisk {
  private final DiskPace pace;
  private final MicroRaftCodec codec;
  private volatile boolean enabled;
  private final Object stallLock = new Object();

  @GuardedBy("stallLock")
  private boolean stalled;
  private final java.util.concurrent.atomic.AtomicLong chargedBytes = new java.util.concurrent.atomic.AtomicLong();

  /**
   * A disk that is never paced (it cannot be {@linkplain #enable enabled}), only {@linkplain
   * #stall stalled}: what a store runs on so that a fault can stall it.
   */
  public static ThrottledDisk stallOnly() {
    return new ThrottledDisk(Long.MAX_VALUE, null);
  }

  public ThrottledDisk(long bytesPerSecond, MicroRaftCodec codec) {
    this.pace = new DiskPace(bytesPerSecond);
    this.codec = codec;
  }

  /** Paces the flushes from now on ({@code true}) or stops pacing them. */
  public void enable(boolean on) {
    if (on && codec == null) {
      throw new IllegalStateException("a stall-only disk is never paced");
    }
    this.enabled = on;
  }

  /**
   * Stalls the disk ({@code true}: every flush from now on waits) or ends the stall ({@code
   * false}: the waiting flushes go on, then paced as before). Thread-safe.
   */
  public void stall(boolean on) {
    synchronized (stallLock) {
      stalled = on;
      stallLock.notifyAll();
    }
  }

  /** Whether the disk is stalled. */
  public boolean stalled() {
    synchronized (stallLock) {
      return stalled;
    }
  }

  private void awaitNotStalled() throws IOException {
    synchronized (stallLock) {
      while (stalled) {
        try {
          stallLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while the disk was stalled", e);
        }
      }
    }
  }

  public long bytesPerSecond() {
    return pace.bytesPerSecond();
  }

  /**
   * Bytes this disk was charged since start: the encoded log entries its stores flushed while it
   * was enabled. (RocksDB's own writes behind them, its WAL, flushes and compactions, are not
   * charged: the throttle models a log device of write amplification 1.)
   */
  public long chargedBytes() {
    return chargedBytes.get();
  }

  /** {@code store}, slowed by this disk while it is enabled. */
  public RaftStore wrap(RaftStore store) {
    return new Slow(store);
  }

  private void consume(long bytes) {
    if (enabled && bytes > 0) {
      chargedBytes.addAndGet(bytes);
      pace.consume(bytes);
    }
  }

  private final class Slow extends ForwardingRaftStore {
    private long unflushedBytes; // node thread only

    Slow(RaftStore delegate) {
      super(delegate);
    }

    @Override
    public void persistLogEntries(List<LogEntry> entries) throws IOException {
      super.persistLogEntries(entries);
      if (enabled) {
        for (LogEntry e : entries) {
          unflushedBytes += codec.encodeLogEntry(e).length;
        }
      }
    }

    @Override
    public void flush() throws IOException {
      super.flush();
      awaitNotStalled();
      consume(unflushedBytes);
      unflushedBytes = 0;
    }
  }
}
