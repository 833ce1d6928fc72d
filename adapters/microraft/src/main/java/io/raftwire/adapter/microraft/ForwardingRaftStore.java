package io.raftwire.adapter.microraft;

import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A {@link RaftStore} that forwards every call to another; decorators override what they change.
 * Same threading as the delegate: MicroRaft calls a store from its node's thread only.
 */
public abstract class ForwardingRaftStore implements RaftStore {
  private final RaftStore delegate;

  /**
   * Creates a store that forwards every call to {@code delegate}.
   *
   * @param delegate the store that does the work; not null
   * @throws NullPointerException if {@code delegate} is null
   */
  protected ForwardingRaftStore(RaftStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** {@return the store calls are forwarded to; never null} */
  protected RaftStore delegate() {
    return delegate;
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
  }

  @Override
  public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
    delegate.persistSnapshotChunk(chunk);
  }

  @Override
  public void truncateLogEntriesFrom(long logIndexInclusive) throws IOException {
    delegate.truncateLogEntriesFrom(logIndexInclusive);
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
    delegate.flush();
  }
}
