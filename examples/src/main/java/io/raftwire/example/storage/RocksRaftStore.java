package io.raftwire.example.storage;

import io.microraft.RaftEndpoint;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * MicroRaft's persistence for one range in the store's RocksDB. {@code persistAndFlush*} writes are
 * synced; log entries and snapshot chunks go to the write-ahead log unsynced and become durable at
 * {@link #flush()}, which syncs the WAL (MicroRaft calls it before acknowledging entries). Called
 * only from the range's node thread.
 */
final class RocksRaftStore implements RaftStore {
  private final RocksStorage storage;
  private final RangeId range;
  private final MicroRaftCodec codec;

  RocksRaftStore(RocksStorage storage, RangeId range, MicroRaftCodec codec) {
    this.storage = storage;
    this.range = range;
    this.codec = codec;
  }

  @Override
  public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) throws IOException {
    byte[] value = ByteBuffer.allocate(9)
        .putLong(((StoreEndpoint) state.getLocalEndpoint()).store().value())
        .put((byte) (state.isVoting() ? 1 : 0))
        .array();
    put(RocksStorage.key(range, RocksStorage.ENDPOINT), value, true);
  }

  @Override
  public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) throws IOException {
    put(RocksStorage.key(range, RocksStorage.MEMBERS), codec.encodeMembersView(members), true);
  }

  @Override
  public void persistAndFlushTerm(RaftTermPersistentState state) throws IOException {
    RaftEndpoint voted = state.getVotedFor();
    byte[] value = ByteBuffer.allocate(12)
        .putInt(state.getTerm())
        .putLong(voted == null ? 0 : ((StoreEndpoint) voted).store().value())
        .array();
    put(RocksStorage.key(range, RocksStorage.TERM), value, true);
  }

  @Override
  public void persistLogEntries(List<LogEntry> entries) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      for (LogEntry entry : entries) {
        batch.put(RocksStorage.key(range, RocksStorage.LOG, entry.getIndex(), 0), codec.encodeLogEntry(entry));
      }
      storage.write(batch, false);
    } catch (RocksDBException e) {
      throw new IOException(e);
    }
  }

  @Override
  public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
    put(RocksStorage.key(range, RocksStorage.SNAPSHOT, chunk.getIndex(), chunk.getSnapshotChunkIndex()),
        codec.encodeSnapshotChunk(chunk), false);
  }

  @Override
  public void truncateLogEntriesFrom(long logIndexInclusive) throws IOException {
    deleteRange(RocksStorage.key(range, RocksStorage.LOG, logIndexInclusive, 0),
        RocksStorage.key(range, (byte) (RocksStorage.LOG + 1)));
  }

  @Override
  public void truncateLogEntriesUntil(long logIndexInclusive) throws IOException {
    deleteRange(RocksStorage.key(range, RocksStorage.LOG, 0, 0),
        RocksStorage.key(range, RocksStorage.LOG, logIndexInclusive + 1, 0));
  }

  @Override
  public void deleteSnapshotChunks(long logIndex, int snapshotChunkCount) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      for (int chunk = 0; chunk < snapshotChunkCount; chunk++) {
        batch.delete(RocksStorage.key(range, RocksStorage.SNAPSHOT, logIndex, chunk));
      }
      storage.write(batch, false);
    } catch (RocksDBException e) {
      throw new IOException(e);
    }
  }

  @Override
  public void flush() throws IOException {
    storage.use(db -> {
      db.flushWal(true);
      return null;
    });
  }

  private void put(byte[] key, byte[] value, boolean sync) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(key, value);
      storage.write(batch, sync);
    } catch (RocksDBException e) {
      throw new IOException(e);
    }
  }

  private void deleteRange(byte[] from, byte[] to) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      batch.deleteRange(from, to);
      storage.write(batch, false);
    } catch (RocksDBException e) {
      throw new IOException(e);
    }
  }
}
