package io.raftwire.bench.jraft;

import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A jraft log storage whose writes move at most {@code bytesPerSecond} for the whole store (all of
 * its groups share the pace, as they share a disk): the slow follower of S7's scenarios.
 */
final class PacedLogStorage implements LogStorage {
  /** One disk's pace, shared by the log storages of a store. */
  static final class Pace {
    private final long bytesPerSecond;
    private long nextFreeNanos = System.nanoTime(); // @GuardedBy("this")

    Pace(long bytesPerSecond) {
      this.bytesPerSecond = bytesPerSecond;
    }

    void consume(long bytes) {
      long wakeAt;
      synchronized (this) {
        long now = System.nanoTime();
        nextFreeNanos = Math.max(nextFreeNanos, now) + bytes * 1_000_000_000L / bytesPerSecond;
        wakeAt = nextFreeNanos;
      }
      long wait;
      while ((wait = wakeAt - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  private final LogStorage delegate;
  private final Pace pace;

  PacedLogStorage(LogStorage delegate, Pace pace) {
    this.delegate = delegate;
    this.pace = pace;
  }

  @Override
  public boolean init(LogStorageOptions opts) {
    return delegate.init(opts);
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  @Override
  public long getFirstLogIndex() {
    return delegate.getFirstLogIndex();
  }

  @Override
  public long getLastLogIndex() {
    return delegate.getLastLogIndex();
  }

  @Override
  public LogEntry getEntry(long index) {
    return delegate.getEntry(index);
  }

  @Override
  @Deprecated
  public long getTerm(long index) {
    return delegate.getTerm(index);
  }

  @Override
  public boolean appendEntry(LogEntry entry) {
    pace.consume(size(entry));
    return delegate.appendEntry(entry);
  }

  @Override
  public int appendEntries(List<LogEntry> entries) {
    long bytes = 0;
    for (LogEntry e : entries) {
      bytes += size(e);
    }
    pace.consume(bytes);
    return delegate.appendEntries(entries);
  }

  @Override
  public boolean truncatePrefix(long firstIndexKept) {
    return delegate.truncatePrefix(firstIndexKept);
  }

  @Override
  public boolean truncateSuffix(long lastIndexKept) {
    return delegate.truncateSuffix(lastIndexKept);
  }

  @Override
  public boolean reset(long nextLogIndex) {
    return delegate.reset(nextLogIndex);
  }

  private static long size(LogEntry e) {
    return 64L + (e.getData() == null ? 0 : e.getData().remaining());
  }
}
