package io.raftwire.example.storage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.microraft.statemachine.StateMachine;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.MicroRaftTransport;
import io.raftwire.adapter.microraft.OperationCodec;
import io.raftwire.adapter.microraft.RangeRegistry;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RocksStorageTest {
  private static final RangeId R1 = RangeId.of(1);
  private static final RangeId R2 = RangeId.of(2);
  private static final List<RaftEndpoint> MEMBERS =
      List.of(StoreEndpoint.of(1), StoreEndpoint.of(2), StoreEndpoint.of(3));

  @TempDir Path dir;

  private static final OperationCodec STRINGS =
      new OperationCodec() {
        @Override
        public byte[] encode(Object operation) {
          return ((String) operation).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Object decode(byte[] bytes) {
          return new String(bytes, StandardCharsets.UTF_8);
        }
      };

  private final MicroRaftCodec codec = new MicroRaftCodec(STRINGS);
  private final RaftModelFactory f = codec.modelFactory();

  private LogEntry entry(long index, int term) {
    return f.createLogEntryBuilder().setIndex(index).setTerm(term).setOperation("op-" + index).build();
  }

  private RaftGroupMembersView members(long logIndex) {
    return f.createRaftGroupMembersViewBuilder().setLogIndex(logIndex).setMembers(MEMBERS).setVotingMembers(MEMBERS).build();
  }

  @Test
  void restoresExactlyWhatWasPersistedPerRange() throws Exception {
    try (RocksStorage storage = RocksStorage.open(dir)) {
      assertTrue(storage.restore(R1, codec).isEmpty(), "never started");
      RaftStore store = storage.raftStore(R1, codec);
      store.persistAndFlushLocalEndpoint(
          f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(StoreEndpoint.of(2)).setVoting(true).build());
      store.persistAndFlushInitialGroupMembers(members(0));
      store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(5).setVotedFor(StoreEndpoint.of(3)).build());
      List<LogEntry> entries = new ArrayList<>();
      for (long i = 1; i <= 10; i++) {
        entries.add(entry(i, 5));
      }
      store.persistLogEntries(entries);
      store.truncateLogEntriesFrom(9); // a new leader overwrote 9 and 10
      store.persistLogEntries(List.of(entry(9, 6)));
      store.flush();
      RaftStore other = storage.raftStore(R2, codec);
      other.persistAndFlushLocalEndpoint(
          f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(StoreEndpoint.of(2)).setVoting(true).build());
      other.persistAndFlushInitialGroupMembers(members(0));
      other.persistLogEntries(List.of(entry(1, 1)));
      other.flush();
    }
    try (RocksStorage reopened = RocksStorage.open(dir)) {
      RestoredRaftState state = reopened.restore(R1, codec).orElseThrow();
      assertEquals(StoreEndpoint.of(2), state.getLocalEndpointPersistentState().getLocalEndpoint());
      assertTrue(state.getLocalEndpointPersistentState().isVoting());
      assertEquals(5, state.getTermPersistentState().getTerm());
      assertEquals(StoreEndpoint.of(3), state.getTermPersistentState().getVotedFor());
      assertEquals(MEMBERS, List.copyOf(state.getInitialGroupMembers().getMembers()));
      assertNull(state.getSnapshotEntry());
      assertEquals(9, state.getLogEntries().size());
      assertEquals(6, state.getLogEntries().get(8).getTerm());
      assertEquals("op-9", state.getLogEntries().get(8).getOperation());
      assertEquals(1, reopened.restore(R2, codec).orElseThrow().getLogEntries().size(), "ranges are separate");
    }
  }

  @Test
  void restoresFromTheNewestCompleteSnapshotAndTheLogAfterIt() throws Exception {
    try (RocksStorage storage = RocksStorage.open(dir)) {
      RaftStore store = storage.raftStore(R1, codec);
      store.persistAndFlushLocalEndpoint(
          f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(StoreEndpoint.of(1)).setVoting(true).build());
      store.persistAndFlushInitialGroupMembers(members(0));
      for (int chunk = 0; chunk < 2; chunk++) {
        store.persistSnapshotChunk(f.createSnapshotChunkBuilder().setIndex(20).setTerm(3).setOperation("s20-" + chunk)
            .setSnapshotChunkIndex(chunk).setSnapshotChunkCount(2).setGroupMembersView(members(0)).build());
      }
      // A newer snapshot whose second chunk never arrived: must be ignored.
      store.persistSnapshotChunk(f.createSnapshotChunkBuilder().setIndex(30).setTerm(4).setOperation("s30-0")
          .setSnapshotChunkIndex(0).setSnapshotChunkCount(2).setGroupMembersView(members(0)).build());
      List<LogEntry> entries = new ArrayList<>();
      for (long i = 15; i <= 25; i++) {
        entries.add(entry(i, 3));
      }
      store.persistLogEntries(entries);
      store.truncateLogEntriesUntil(20);
      store.flush();

      RestoredRaftState state = storage.restore(R1, codec).orElseThrow();
      assertEquals(20, state.getSnapshotEntry().getIndex());
      assertEquals(2, state.getSnapshotEntry().getSnapshotChunkCount());
      assertEquals(21, state.getLogEntries().get(0).getIndex());
      assertEquals(5, state.getLogEntries().size());

      store.deleteSnapshotChunks(20, 2);
      assertNull(storage.restore(R1, codec).orElseThrow().getSnapshotEntry());
    }
  }

  @Test
  void aReplicaRestartedFromRocksDbCatchesUp() throws Exception {
    RangeId range = RangeId.of(3);
    RaftConfig config = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(500)
        .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(2).build();
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      List<RocksStorage> storages = new ArrayList<>();
      List<Replica> replicas = new ArrayList<>();
      for (long s = 1; s <= 3; s++) {
        RocksStorage storage = RocksStorage.open(dir.resolve("s" + s));
        storages.add(storage);
        Replica replica = new Replica(network.newTransport(StoreId.of(s)), codec);
        replica.start(RaftNode.newBuilder().setGroupId(range).setLocalEndpoint(StoreEndpoint.of(s))
            .setInitialGroupMembers(MEMBERS).setConfig(config).setStore(storage.raftStore(range, codec)));
        replicas.add(replica);
      }
      replicate(replicas, 0, 30);
      await().atMost(Duration.ofSeconds(60)).until(() -> replicas.get(2).applied.size() == 30);

      // Store 3 goes away (node, transport and database), the others go on.
      replicas.get(2).stop();
      storages.get(2).close();
      List<Replica> majority = replicas.subList(0, 2);
      replicate(majority, 30, 50);

      RocksStorage reopened = RocksStorage.open(dir.resolve("s3"));
      storages.set(2, reopened);
      RestoredRaftState restored = reopened.restore(range, codec).orElseThrow();
      assertTrue(restored.getLogEntries().size() >= 30, "the log survived: " + restored.getLogEntries().size());
      Replica restarted = new Replica(network.newTransport(StoreId.of(3)), codec);
      restarted.start(RaftNode.newBuilder().setGroupId(range).setRestoredState(restored).setConfig(config)
          .setStore(reopened.raftStore(range, codec)));
      await().atMost(Duration.ofSeconds(60)).until(() -> restarted.applied.size() == 50);
      assertEquals(replicas.get(0).applied, restarted.applied, "the same log, in the same order");
      for (Replica r : List.of(replicas.get(0), replicas.get(1), restarted)) {
        r.stop();
      }
      storages.forEach(RocksStorage::close);
    }
  }

  private static void replicate(List<Replica> replicas, int from, int to) {
    await().atMost(Duration.ofSeconds(60)).until(() -> replicas.stream().anyMatch(Replica::isLeader));
    Replica leader = replicas.stream().filter(Replica::isLeader).findFirst().orElseThrow();
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = from; i < to; i++) {
      writes.add(leader.node.replicate("op-" + i));
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
  }

  /** One replica: its transport, registry, node and an in-memory applied log. */
  private static final class Replica implements StateMachine {
    final RaftTransport transport;
    final RangeRegistry registry;
    final MicroRaftTransport microRaft;
    final List<Object> applied = new CopyOnWriteArrayList<>();
    RaftNode node;

    Replica(RaftTransport transport, MicroRaftCodec codec) {
      this.transport = transport;
      this.registry = new RangeRegistry(transport, codec);
      this.microRaft = new MicroRaftTransport(transport, codec);
    }

    void start(RaftNode.RaftNodeBuilder builder) {
      node = builder.setTransport(microRaft).setStateMachine(this).build();
      registry.add(node);
      var unused = node.start();
    }

    boolean isLeader() {
      return node.getLocalEndpoint().equals(node.getTerm().getLeaderEndpoint());
    }

    void stop() {
      registry.close();
      node.terminate().join();
      transport.close();
    }

    @Override
    public Object runOperation(long commitIndex, Object operation) {
      applied.add(operation);
      return operation;
    }

    @Override
    public void takeSnapshot(long commitIndex, Consumer<Object> chunks) {
      chunks.accept(String.join(",", applied.stream().map(Object::toString).toList()));
    }

    @Override
    public void installSnapshot(long commitIndex, List<Object> chunks) {
      applied.clear();
      for (Object chunk : chunks) {
        if (!((String) chunk).isEmpty()) {
          applied.addAll(List.of(((String) chunk).split(",")));
        }
      }
    }

    @Override
    public Object getNewTermOperation() {
      return null;
    }
  }

  @Test
  void everyUseAfterCloseFailsWithATypedErrorInsteadOfTouchingFreedHandles() throws Exception {
    RocksStorage storage = RocksStorage.open(dir);
    RaftStore store = storage.raftStore(R1, codec);
    store.persistLogEntries(List.of(entry(1, 1)));
    storage.close();

    // What a Raft node still running while its store shuts down gets for each call it makes.
    assertThrows(StorageClosedException.class,
        () -> store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(2).setVotedFor(null).build()));
    assertThrows(StorageClosedException.class, () -> store.persistLogEntries(List.of(entry(2, 2))));
    assertThrows(StorageClosedException.class, store::flush);
    assertThrows(StorageClosedException.class, () -> storage.restore(R1, codec));
    assertThrows(IllegalStateException.class, () -> storage.whileOpen(db -> db));
    storage.close(); // idempotent

    try (RocksStorage reopened = RocksStorage.open(dir)) {
      byte[] kept = reopened.use(db -> db.get(RocksStorage.key(R1, RocksStorage.LOG, 1, 0)));
      assertTrue(kept != null, "what was written before the close is kept");
    }
  }

  @Test
  void closeWaitsForAUseInProgress() throws Exception {
    RocksStorage storage = RocksStorage.open(dir);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<byte[]> use = CompletableFuture.supplyAsync(() -> {
      try {
        return storage.use(db -> {
          inside.countDown();
          await().until(() -> release.getCount() == 0);
          db.put(new byte[] {1}, new byte[] {2}); // the handles are still valid while close waits
          return db.get(new byte[] {1});
        });
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    inside.await();
    Thread closer = new Thread(storage::close, "closer");
    closer.start();
    await().until(() -> closer.getState() == Thread.State.WAITING);
    release.countDown();
    assertArrayEquals(new byte[] {2}, use.get(60, TimeUnit.SECONDS));
    closer.join();
    assertThrows(StorageClosedException.class, () -> storage.use(db -> db));
  }
}
