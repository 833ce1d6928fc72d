package io.raftwire.example.storage;

import io.microraft.model.log.LogEntry;
import io.microraft.persistence.RaftStore;
import io.raftwire.adapter.microraft.ForwardingRaftStore;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import java.io.IOException;
import java.util.List;

/**
 * A slow disk for demonstrations: while enabled, every {@code flush()} of the stores it wraps
 * waits until the bytes persisted since the last flush fit through {@code bytesPerSecond}, shared
 * by all ranges of the store (one virtual disk). The wait happens where a real fsync would block:
 * on the range's Raft thread.
 */
public final class ThrottledDisk {
  private final DiskPace pace;
  private final MicroRaftCodec codec;
  private volatile boolean enabled;
  private final java.util.concurrent.atomic.AtomicLong chargedBytes = new java.util.concurrent.atomic.AtomicLong();

  public ThrottledDisk(long bytesPerSecond, MicroRaftCodec codec) {
    this.pace = new DiskPace(bytesPerSecond);
    this.codec = codec;
  }

  public void enable(boolean on) {
    this.enabled = on;
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
      consume(unflushedBytes);
      unflushedBytes = 0;
    }
  }
}
