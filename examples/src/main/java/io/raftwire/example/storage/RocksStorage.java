package io.raftwire.example.storage;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.log.SnapshotEntry;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.raftwire.adapter.microraft.MalformedMessageException;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store's RocksDB. Key layout: {@code range (8 bytes) | kind (1) | index (8) | chunk (4)},
 * big-endian so keys of one kind sort by index. Thread-safe: every use holds the database open
 * (see {@link #use}), so a close while Raft nodes still run makes their writes fail with {@link
 * StorageClosedException}, never touch freed native handles.
 */
public final class RocksStorage implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RocksStorage.class);
  static final byte ENDPOINT = 1;
  static final byte MEMBERS = 2;
  static final byte TERM = 3;
  static final byte LOG = 16;
  static final byte SNAPSHOT = 32;

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final Options options;
  private final RocksDB db;
  /** Readers from other threads (the health signal) hold it shared; {@link #close} exclusive. */
  private final ReentrantReadWriteLock open = new ReentrantReadWriteLock();

  @GuardedBy("open")
  private boolean closed;
  // Native handles, like db: used only inside use(), freed by close.
  private final WriteOptions synced = new WriteOptions().setSync(true);
  private final WriteOptions buffered = new WriteOptions();

  private RocksStorage(Path directory, Options options, RocksDB db) {
    this.directory = directory;
    this.options = options;
    this.db = db;
  }

  /** Opens (creating if needed) the RocksDB in {@code directory}. */
  public static RocksStorage open(Path directory) throws IOException {
    Files.createDirectories(directory);
    Options options = new Options().setCreateIfMissing(true);
    try {
      return new RocksStorage(directory, options, RocksDB.open(options, directory.toString()));
    } catch (RocksDBException e) {
      options.close();
      throw new IOException("cannot open RocksDB in " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * A RocksDB call for {@link #use}: runs with the database held open.
   *
   * @param <T> what it returns
   */
  @FunctionalInterface
  public interface Operation<T> {
    /** Reads or writes {@code db}; must not keep {@code db} or anything made from it past its return. */
    T apply(RocksDB db) throws RocksDBException;
  }

  /**
   * Runs {@code operation} on the database and keeps it open meanwhile: every read and write of a
   * store's Raft nodes and state machines goes through here, so none can touch the native handles
   * {@link #close} frees (RocksDB then fails with garbage errors or crashes the process). A close
   * waits for the operations in progress; an operation after it fails with {@link
   * StorageClosedException}. Blocks only while a close runs.
   *
   * @throws StorageClosedException if the database is closed
   * @throws IOException if RocksDB fails, naming the directory and RocksDB's message
   */
  public <T> T use(Operation<T> operation) throws IOException {
    open.readLock().lock();
    try {
      if (closed) {
        throw new StorageClosedException(directory);
      }
      return operation.apply(db);
    } catch (RocksDBException e) {
      throw new IOException("RocksDB failed in " + directory + ": " + e.getMessage(), e);
    } finally {
      open.readLock().unlock();
    }
  }

  /**
   * Runs {@code read} on the database unless it is closed, and keeps it open meanwhile: for
   * readers on threads that may outlive the store's Raft nodes (the transport's admission reads
   * RocksDB's statistics on its own timer), which must never touch a closed handle.
   *
   * @throws IllegalStateException if the database is closed
   */
  public <T> T whileOpen(Function<RocksDB, T> read) {
    try {
      return use(read::apply);
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Whether {@link #close} has not run yet. */
  public boolean isOpen() {
    open.readLock().lock();
    try {
      return !closed;
    } finally {
      open.readLock().unlock();
    }
  }

  /** The directory the database lives in. */
  public Path directory() {
    return directory;
  }

  /** A {@link RaftStore} for {@code range}; MicroRaft calls it from the range's node thread. */
  public RaftStore raftStore(RangeId range, MicroRaftCodec codec) {
    return new RocksRaftStore(this, range, codec);
  }

  static byte[] key(RangeId range, byte kind, long index, int chunk) {
    return ByteBuffer.allocate(21).putLong(range.value()).put(kind).putLong(index).putInt(chunk).array();
  }

  static byte[] key(RangeId range, byte kind) {
    return key(range, kind, 0, 0);
  }

  /**
   * The Raft state of {@code range} as last persisted, to restart its node with; empty if the range
   * was never started on this store.
   *
   * @throws IOException if the database cannot be read or holds undecodable state
   */
  public Optional<RestoredRaftState> restore(RangeId range, MicroRaftCodec codec) throws IOException {
    RaftModelFactory factory = codec.modelFactory();
    try {
      return use(db -> restore(db, range, codec, factory));
    } catch (UncheckedMalformed e) {
      throw new IOException("cannot restore " + range + " from " + directory + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Carries a {@link MalformedMessageException} out of an {@link Operation}. */
  private static final class UncheckedMalformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UncheckedMalformed(MalformedMessageException cause) {
      super(cause);
    }
  }

  private Optional<RestoredRaftState> restore(RocksDB db, RangeId range, MicroRaftCodec codec,
      RaftModelFactory factory) throws RocksDBException {
    try {
      byte[] endpoint = db.get(key(range, ENDPOINT));
      byte[] members = db.get(key(range, MEMBERS));
      if (endpoint == null || members == null) {
        return Optional.empty();
      }
      ByteBuffer e = ByteBuffer.wrap(endpoint);
      RaftEndpointPersistentState endpointState =
          factory.createRaftEndpointPersistentStateBuilder()
              .setLocalEndpoint(StoreEndpoint.of(e.getLong()))
              .setVoting(e.get() != 0)
              .build();
      RaftGroupMembersView initialMembers = codec.decodeMembersView(members);
      int term = 0;
      RaftEndpoint votedFor = null;
      byte[] termBytes = db.get(key(range, TERM));
      if (termBytes != null) {
        ByteBuffer t = ByteBuffer.wrap(termBytes);
        term = t.getInt();
        long voted = t.getLong();
        votedFor = voted > 0 ? StoreEndpoint.of(voted) : null;
      }
      RaftTermPersistentState termState =
          factory.createRaftTermPersistentStateBuilder().setTerm(term).setVotedFor(votedFor).build();
      SnapshotEntry snapshot = latestCompleteSnapshot(db, range, codec);
      long after = snapshot == null ? 0 : snapshot.getIndex();
      List<LogEntry> entries = new ArrayList<>();
      for (byte[] value : values(db, range, LOG, after + 1)) {
        entries.add(codec.decodeLogEntry(value));
      }
      return Optional.of(new RestoredRaftState(endpointState, initialMembers, termState, snapshot, entries));
    } catch (MalformedMessageException e) {
      throw new UncheckedMalformed(e);
    }
  }

  private static SnapshotEntry latestCompleteSnapshot(RocksDB db, RangeId range, MicroRaftCodec codec)
      throws MalformedMessageException {
    TreeMap<Long, List<SnapshotChunk>> byIndex = new TreeMap<>();
    for (byte[] value : values(db, range, SNAPSHOT, 0)) {
      SnapshotChunk chunk = codec.decodeSnapshotChunk(value);
      byIndex.computeIfAbsent(chunk.getIndex(), i -> new ArrayList<>()).add(chunk);
    }
    for (List<SnapshotChunk> chunks : byIndex.descendingMap().values()) {
      SnapshotChunk first = chunks.get(0);
      if (chunks.size() == first.getSnapshotChunkCount()) {
        chunks.sort((a, b) -> Integer.compare(a.getSnapshotChunkIndex(), b.getSnapshotChunkIndex()));
        return codec.modelFactory().createSnapshotEntryBuilder()
            .setIndex(first.getIndex())
            .setTerm(first.getTerm())
            .setSnapshotChunks(chunks)
            .setGroupMembersView(first.getGroupMembersView())
            .build();
      }
    }
    return null;
  }

  /** The values of {@code range}'s keys of {@code kind} from {@code fromIndex} on, in order. */
  private static List<byte[]> values(RocksDB db, RangeId range, byte kind, long fromIndex) {
    List<byte[]> values = new ArrayList<>();
    byte[] start = key(range, kind, fromIndex, 0);
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(start); it.isValid(); it.next()) {
        byte[] k = it.key();
        ByteBuffer b = ByteBuffer.wrap(k);
        if (k.length != 21 || b.getLong() != range.value() || b.get() != kind) {
          break;
        }
        values.add(it.value());
      }
    }
    return values;
  }

  /** Writes {@code batch}, synced to disk if {@code sync}; see {@link #use}. */
  void write(WriteBatch batch, boolean sync) throws IOException {
    use(db -> {
      db.write(sync ? synced : buffered, batch);
      return null;
    });
  }

  /**
   * Syncs the write-ahead log (what was written unsynced then survives a machine crash after a
   * clean stop) and closes the database, after any {@link #use} in progress.
   * Idempotent.
   */
  @Override
  public void close() {
    open.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        db.syncWal();
      } catch (RocksDBException e) {
        log.warn("cannot sync the write-ahead log of {} before closing it", directory, e);
      }
      synced.close();
      buffered.close();
      db.close();
      options.close();
    } finally {
      open.writeLock().unlock();
    }
  }
}
