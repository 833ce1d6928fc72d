package io.raftwire.adapter.microraft;

import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.util.List;

/**
 * A {@link RaftStore} that tells {@link AdmissionHooks} which entries each {@code flush()} made
 * durable. Called only by its node's thread, like any {@code RaftStore}.
 */
final class ReportingRaftStore implements RaftStore {
  private final AdmissionHooks hooks;
  private final RangeId range;
  private final RaftStore delegate;
  private long persistedIndex; // last log index written since the last flush; node thread only
  private boolean dirty;

  ReportingRaftStore(AdmissionHooks hooks, RangeId range, RaftStore delegate) {
    this.hooks = hooks;
    this.range = range;
    this.delegate = delegate;
  }

  @Override
  public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) throws IOException {
    delegate.persistAndFlushLocalEndpoint(state);
  }

  @Override
  public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) throws IOException {
    delegate.persistAndFlushInitialGroupMembers(members);
  }

  @Override
  public void persistAndFlushTerm(RaftTermPersistentState state) throws IOException {
    delegate.persistAndFlushTerm(state);
  }

  @Override
  public void persistLogEntries(List<LogEntry> entries) throws IOException {
    delegate.persistLogEntries(entries);
    if (!entries.isEmpty()) {
      persistedIndex = entries.get(entries.size() - 1).getIndex();
      dirty = true;
    }
  }

  @Override
  public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
    delegate.persistSnapshotChunk(chunk);
  }

  @Override
  public void truncateLogEntriesFrom(long logIndexInclusive) throws IOException {
    delegate.truncateLogEntriesFrom(logIndexInclusive);
    persistedIndex = Math.min(persistedIndex, logIndexInclusive - 1);
  }

  @Override
  public void truncateLogEntriesUntil(long logIndexInclusive) throws IOException {
    delegate.truncateLogEntriesUntil(logIndexInclusive);
  }

  @Override
  public void deleteSnapshotChunks(long logIndex, int snapshotChunkCount) throws IOException {
    delegate.deleteSnapshotChunks(logIndex, snapshotChunkCount);
  }

  @Override
  public void flush() throws IOException {
    long start = System.nanoTime();
    delegate.flush();
    if (dirty) {
      dirty = false;
      hooks.durable(range, persistedIndex, System.nanoTime() - start);
    }
    // A flush without new entries (term, membership) still costs the disk; nothing to report.
  }
}
