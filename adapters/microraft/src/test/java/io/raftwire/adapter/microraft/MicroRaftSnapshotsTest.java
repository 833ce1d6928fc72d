package io.raftwire.adapter.microraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.raftwire.message.Priority;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotView;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capturing MicroRaft's snapshots, encoding them as a transfer's bytes, and refusing bad files. */
class MicroRaftSnapshotsTest {
  private static final RangeId RANGE = RangeId.of(3);
  private final RaftModelFactory f = new DefaultRaftModelFactory();
  private final MicroRaftCodec codec = new MicroRaftCodec(new StringOperations(), f, op -> Priority.REGULAR);
  private final MicroRaftSnapshots snapshots = new MicroRaftSnapshots(codec);
  private final RaftStore capturing = snapshots.capturingStore(RANGE, new NoStore());
  @TempDir Path dir;

  private SnapshotChunk chunk(long index, int i, int count) {
    RaftGroupMembersView view = f.createRaftGroupMembersViewBuilder().setLogIndex(7)
        .setMembers(List.of(StoreEndpoint.of(1), StoreEndpoint.of(2))).setVotingMembers(List.of(StoreEndpoint.of(1), StoreEndpoint.of(2)))
        .build();
    return f.createSnapshotChunkBuilder().setIndex(index).setTerm(2).setOperation("part-" + index + "-" + i)
        .setSnapshotChunkIndex(i).setSnapshotChunkCount(count).setGroupMembersView(view).build();
  }

  private static byte[] read(SnapshotView view) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((int) view.meta().sizeBytes());
    while (all.hasRemaining() && view.read(all.position(), all) > 0) {
      // reads until full
    }
    return all.array();
  }

  @Test
  void aSnapshotIsOfferedOnlyOnceAllItsChunksArePersistedAndTheLatestWins() throws Exception {
    assertThrows(IOException.class, () -> snapshots.open(RANGE), "nothing captured yet");
    capturing.persistSnapshotChunk(chunk(50, 1, 2));
    assertThrows(IOException.class, () -> snapshots.open(RANGE), "half a snapshot is no snapshot");
    capturing.persistSnapshotChunk(chunk(50, 0, 2));
    capturing.persistSnapshotChunk(chunk(90, 0, 3));

    SnapshotView view = snapshots.open(RANGE);
    SnapshotMeta meta = view.meta();
    assertEquals(50, meta.index(), "the snapshot at 90 is still incomplete");
    assertEquals(2, meta.term());
    assertEquals(7, meta.configGeneration(), "the membership's log index is the config generation");
    byte[] bytes = read(view);
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    assertEquals(meta.crc32c(), (int) crc.getValue());
    List<SnapshotChunk> decoded = snapshots.decode(meta, bytes);
    assertEquals(List.of("part-50-0", "part-50-1"), decoded.stream().map(SnapshotChunk::getOperation).toList());

    capturing.persistSnapshotChunk(chunk(90, 2, 3));
    capturing.persistSnapshotChunk(chunk(90, 1, 3));
    assertEquals(90, snapshots.open(RANGE).meta().index());
  }

  @Test
  void malformedOrForeignFilesAreRefusedBeforeTheNodeSeesThem() throws Exception {
    capturing.persistSnapshotChunk(chunk(50, 0, 1));
    SnapshotView view = snapshots.open(RANGE);
    byte[] good = read(view);
    SnapshotMeta meta = view.meta();

    assertRefused(meta, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, "not a MicroRaft snapshot");
    assertRefused(meta, java.util.Arrays.copyOf(good, good.length - 3), "claims");
    SnapshotMeta other = SnapshotMeta.of(RANGE, 51, 2, 7, good.length, meta.crc32c());
    assertRefused(other, good, "does not belong");
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 2);
    assertRefused(meta, trailing, "after the last chunk");
  }

  @Test
  void anInstallWithoutTheRangesNodeFailsWithAClearMessage() throws Exception {
    capturing.persistSnapshotChunk(chunk(50, 0, 1));
    SnapshotView view = snapshots.open(RANGE);
    Path file = Files.write(dir.resolve("snapshot"), read(view));
    IOException e = assertThrows(IOException.class, () -> snapshots.install(offer(view.meta()), file));
    assertTrue(e.getMessage().contains("no replica of r3"), e.getMessage());
  }

  private void assertRefused(SnapshotMeta meta, byte[] bytes, String why) throws IOException {
    Path file = Files.write(dir.resolve("bad"), bytes);
    IOException e = assertThrows(IOException.class, () -> snapshots.install(offer(meta), file));
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  private static SnapshotOffer offer(SnapshotMeta meta) {
    return SnapshotOffer.of(StoreId.of(1), StoreId.of(1), SnapshotPurpose.CATCH_UP, meta);
  }

  /** A store that keeps nothing. */
  private static final class NoStore implements RaftStore {
    @Override
    public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) {}

    @Override
    public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) {}

    @Override
    public void persistAndFlushTerm(RaftTermPersistentState state) {}

    @Override
    public void persistLogEntries(List<LogEntry> entries) {}

    @Override
    public void persistSnapshotChunk(SnapshotChunk chunk) {}

    @Override
    public void truncateLogEntriesFrom(long logIndexInclusive) {}

    @Override
    public void truncateLogEntriesUntil(long logIndexInclusive) {}

    @Override
    public void deleteSnapshotChunks(long logIndex, int snapshotChunkCount) {}

    @Override
    public void flush() {}
  }
}
