package io.raftwire.adapter.microraft;

import io.microraft.model.log.LogEntry;
import io.microraft.persistence.RaftStore;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.util.List;

/**
 * A {@link RaftStore} that tells {@link AdmissionHooks} which entries each {@code flush()} made
 * durable, and what the flush cost. Called only by its node's thread, like any {@code RaftStore}.
 */
final class ReportingRaftStore extends ForwardingRaftStore {
  private final AdmissionHooks hooks;
  private final RangeId range;
  private long persistedIndex; // last log index written since the last flush; node thread only
  private boolean dirty;

  ReportingRaftStore(AdmissionHooks hooks, RangeId range, RaftStore delegate) {
    super(delegate);
    this.hooks = hooks;
    this.range = range;
  }

  @Override
  public void persistLogEntries(List<LogEntry> entries) throws IOException {
    super.persistLogEntries(entries);
    if (!entries.isEmpty()) {
      persistedIndex = entries.get(entries.size() - 1).getIndex();
      dirty = true;
    }
  }

  @Override
  public void truncateLogEntriesFrom(long logIndexInclusive) throws IOException {
    super.truncateLogEntriesFrom(logIndexInclusive);
    persistedIndex = Math.min(persistedIndex, logIndexInclusive - 1);
  }

  @Override
  public void flush() throws IOException {
    long start = System.nanoTime();
    super.flush();
    if (dirty) {
      dirty = false;
      hooks.durable(range, persistedIndex, System.nanoTime() - start);
    }
    // A flush without new entries (term, membership) still costs the disk; nothing to report.
  }
}
