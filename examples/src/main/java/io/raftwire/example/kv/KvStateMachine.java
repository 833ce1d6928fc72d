package io.raftwire.example.kv;

import com.google.protobuf.ByteString;
import io.microraft.statemachine.StateMachine;
import io.raftwire.example.kv.proto.KvOp;
import io.raftwire.example.kv.proto.NewTerm;
import io.raftwire.example.kv.proto.Pair;
import io.raftwire.example.kv.proto.SnapshotChunk;
import io.raftwire.topology.RangeId;
import io.raftwire.example.storage.RocksStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The state of one range: its keys in the store's RocksDB, under the prefix {@code range | 'K'}.
 * Writes are not synced: the Raft log is the durable record, and re-applying it after a restart
 * reaches the same state. Called only from the range's node thread, as MicroRaft does.
 */
final class KvStateMachine implements StateMachine {
  /** Pairs per snapshot chunk. */
  static final int PAIRS_PER_CHUNK = 1000;
  private static final byte KEYS = 'K';

  private final RocksStorage storage;
  private final RangeId range;
  private final WriteOptions writes = new WriteOptions();

  /** Keeps its keys in {@code storage}, reached only through {@link RocksStorage#use}. */
  KvStateMachine(RocksStorage storage, RangeId range) {
    this.storage = storage;
    this.range = range;
  }

  private byte[] key(ByteString userKey) {
    return ByteBuffer.allocate(9 + userKey.size()).putLong(range.value()).put(KEYS).put(userKey.asReadOnlyByteBuffer()).array();
  }

  private byte[] prefix() {
    return ByteBuffer.allocate(9).putLong(range.value()).put(KEYS).array();
  }

  private byte[] prefixEnd() {
    return ByteBuffer.allocate(9).putLong(range.value()).put((byte) (KEYS + 1)).array();
  }

  /** Applies a put or delete; answers a get with the value, or null if absent. */
  @Override
  public Object runOperation(long commitIndex, Object operation) {
    KvOp op = (KvOp) operation;
    try {
      return storage.use(db -> {
        switch (op.getKindCase()) {
          case PUT:
            db.put(writes, key(op.getPut().getKey()), op.getPut().getValue().toByteArray());
            return null;
          case DELETE:
            db.delete(writes, key(op.getDelete().getKey()));
            return null;
          case GET:
            byte[] value = db.get(key(op.getGet().getKey()));
            return value == null ? null : ByteString.copyFrom(value);
          default:
            return null;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("applying to " + range + " failed", e);
    }
  }

  @Override
  public void takeSnapshot(long commitIndex, Consumer<Object> chunks) {
    byte[] prefix = prefix();
    List<SnapshotChunk> taken = new ArrayList<>();
    try {
      storage.use(db -> {
        SnapshotChunk.Builder chunk = SnapshotChunk.newBuilder();
        try (RocksIterator it = db.newIterator()) {
          for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
            byte[] k = it.key();
            chunk.addPairs(Pair.newBuilder()
                .setKey(ByteString.copyFrom(k, prefix.length, k.length - prefix.length))
                .setValue(ByteString.copyFrom(it.value())));
            if (chunk.getPairsCount() == PAIRS_PER_CHUNK) {
              taken.add(chunk.build());
              chunk = SnapshotChunk.newBuilder();
            }
          }
        }
        taken.add(chunk.build()); // always at least one chunk, possibly empty
        return null;
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot take a snapshot of " + range, e);
    }
    taken.forEach(chunks);
  }

  @Override
  public void installSnapshot(long commitIndex, List<Object> chunks) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.deleteRange(prefix(), prefixEnd());
      for (Object chunk : chunks) {
        for (Pair pair : ((SnapshotChunk) chunk).getPairsList()) {
          batch.put(key(pair.getKey()), pair.getValue().toByteArray());
        }
      }
      storage.use(db -> {
        db.write(writes, batch);
        return null;
      });
    } catch (RocksDBException | IOException e) {
      throw new UncheckedIOException(new IOException("cannot install a snapshot of " + range, e));
    }
  }

  @Override
  public Object getNewTermOperation() {
    return KvOp.newBuilder().setNewTerm(NewTerm.getDefaultInstance()).build();
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
