package io.raftwire.adapter.jraft.admission;

import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import io.raftwire.topology.RangeId;
import java.util.List;

/**
 * A jraft {@link LogStorage} that tells {@link JraftAdmission} which entries each write made
 * durable and what the write cost. Called by jraft's log manager thread, like any log storage.
 */
final class ReportingLogStorage implements LogStorage {
  private final LogStorage delegate;
  private final JraftAdmission admission;
  private volatile RangeId range; // known from init

  ReportingLogStorage(LogStorage delegate, JraftAdmission admission) {
    this.delegate = delegate;
    this.admission = admission;
  }

  @Override
  public boolean init(LogStorageOptions opts) {
    range = admission.rangeOf(opts.getGroupId());
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
    long start = System.nanoTime();
    boolean ok = delegate.appendEntry(entry);
    if (ok) {
      report(entry.getId().getIndex(), bytes(entry), System.nanoTime() - start);
    }
    return ok;
  }

  @Override
  public int appendEntries(List<LogEntry> entries) {
    long start = System.nanoTime();
    int written = delegate.appendEntries(entries);
    if (written > 0) {
      long bytes = 0;
      for (int i = 0; i < written; i++) {
        bytes += bytes(entries.get(i));
      }
      report(entries.get(written - 1).getId().getIndex(), bytes, System.nanoTime() - start);
    }
    return written;
  }

  @Override
  public boolean truncatePrefix(long firstIndexKept) {
    return delegate.truncatePrefix(firstIndexKept);
  }

  @Override
  public boolean truncateSuffix(long lastIndexKept) {
    RangeId r = range;
    if (r != null) {
      admission.truncatedFrom(r, lastIndexKept + 1);
    }
    return delegate.truncateSuffix(lastIndexKept);
  }

  @Override
  public boolean reset(long nextLogIndex) {
    return delegate.reset(nextLogIndex);
  }

  private void report(long lastIndex, long bytes, long nanos) {
    RangeId r = range;
    if (r != null) {
      admission.durable(r, lastIndex, bytes, nanos);
    }
  }

  private static long bytes(LogEntry entry) {
    return entry.getData() == null ? 0 : entry.getData().remaining();
  }
}
