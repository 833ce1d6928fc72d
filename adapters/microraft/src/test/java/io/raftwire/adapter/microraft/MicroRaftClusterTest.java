package io.raftwire.adapter.microraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MicroRaft groups running over raftwire: in memory, and over gRPC with admission. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MicroRaftClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<RaftEndpoint> MEMBERS =
      List.of(StoreEndpoint.of(1), StoreEndpoint.of(2), StoreEndpoint.of(3));

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** The store whose node leads {@code range}, once all of {@code stores} agree it is one of them. */
  private static TestStore leaderOf(List<TestStore> stores, RangeId range) {
    await().atMost(WAIT).until(() -> {
      RaftEndpoint leader = stores.get(0).registry.node(range).orElseThrow().getTerm().getLeaderEndpoint();
      return leader != null
          && stores.stream().anyMatch(s -> StoreEndpoint.of(s.id).equals(leader))
          && stores.stream().allMatch(s -> leader.equals(s.registry.node(range).orElseThrow().getTerm().getLeaderEndpoint()));
    });
    RaftEndpoint leader = stores.get(0).registry.node(range).orElseThrow().getTerm().getLeaderEndpoint();
    return stores.stream().filter(s -> StoreEndpoint.of(s.id).equals(leader)).findFirst().orElseThrow();
  }

  private static void awaitApplied(List<TestStore> stores, RangeId range, int count) {
    await().atMost(WAIT).until(() -> stores.stream().allMatch(s -> s.logs.get(range).applied.size() == count));
    List<Object> first = stores.get(0).logs.get(range).applied;
    for (TestStore s : stores) {
      assertEquals(first, s.logs.get(range).applied, "every replica applied the same log");
    }
  }

  @Test
  void rangesElectLeadersReplicateAndSurviveALeaderPartition() {
    InMemoryNetwork network = closing(InMemoryNetwork.create());
    List<TestStore> stores = new ArrayList<>();
    for (long s = 1; s <= 3; s++) {
      stores.add(closing(new TestStore(StoreId.of(s), network.newTransport(StoreId.of(s)))));
    }
    List<RangeId> ranges = List.of(RangeId.of(1), RangeId.of(2), RangeId.of(3), RangeId.of(4));
    for (RangeId range : ranges) {
      stores.forEach(s -> s.start(range, MEMBERS));
    }
    for (RangeId range : ranges) {
      RaftNode leader = leaderOf(stores, range).registry.node(range).orElseThrow();
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        writes.add(leader.replicate(range + "-op-" + i));
      }
      CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
      awaitApplied(stores, range, 20);
    }

    RangeId range = ranges.get(0);
    TestStore oldLeader = leaderOf(stores, range);
    for (TestStore other : stores) {
      if (other != oldLeader) {
        network.faults().partition(oldLeader.id, other.id);
      }
    }
    List<TestStore> majority = stores.stream().filter(s -> s != oldLeader).toList();
    TestStore newLeader = leaderOf(majority, range);
    assertNotEquals(oldLeader.id, newLeader.id);
    newLeader.registry.node(range).orElseThrow().replicate("after-partition").join();
    await().atMost(WAIT).until(() -> majority.stream().allMatch(s -> s.logs.get(range).applied.contains("after-partition")));

    network.faults().healAll();
    awaitApplied(stores, range, 21); // the old leader catches up
  }

  @Test
  void rangesCanBeAddedAndRemovedAtRuntime() {
    InMemoryNetwork network = closing(InMemoryNetwork.create());
    List<TestStore> stores = new ArrayList<>();
    for (long s = 1; s <= 3; s++) {
      stores.add(closing(new TestStore(StoreId.of(s), network.newTransport(StoreId.of(s)))));
    }
    RangeId first = RangeId.of(1);
    stores.forEach(s -> s.start(first, MEMBERS));
    leaderOf(stores, first).registry.node(first).orElseThrow().replicate("one").join();

    RangeId added = RangeId.of(9);
    stores.forEach(s -> s.start(added, MEMBERS));
    leaderOf(stores, added).registry.node(added).orElseThrow().replicate("nine").join();
    awaitApplied(stores, added, 1);

    for (TestStore s : stores) {
      s.registry.remove(first).orElseThrow().terminate().join();
      assertTrue(s.registry.node(first).isEmpty());
    }
    assertEquals(java.util.Set.of(added), stores.get(0).registry.ranges());
    assertEquals(0, stores.get(0).registry.decodeFailures());
    assertEquals(0, stores.get(0).microRaftTransport.encodeFailures());
  }

  /** Three stores over gRPC on 127.0.0.1, with admission. */
  private List<TestStore> grpcStores() {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    List<TestStore> stores = new ArrayList<>();
    for (long s = 1; s <= 3; s++) {
      GrpcTransport transport = closing(GrpcTransport.start(
          GrpcTransportConfig.builder(StoreId.of(s), StoreResolver.of(addresses)).security(PeerSecurity.insecure())
              .admission(AdmissionConfig.builder().libraryReportsDurability(true).build())
              .build()));
      addresses.put(StoreId.of(s), transport.listenAddress());
      stores.add(closing(new TestStore(StoreId.of(s), transport)));
    }
    return stores;
  }

  @Test
  void overGrpcProposalsGoThroughAdmissionAndEveryCreditReturns() {
    List<TestStore> stores = grpcStores();
    RangeId range = RangeId.of(5);
    stores.forEach(s -> s.start(range, MEMBERS));
    TestStore leader = leaderOf(stores, range);
    RaftNode node = leader.registry.node(range).orElseThrow();
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      writes.add(leader.hooks.replicate(node, "op-" + i, 64));
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
    awaitApplied(stores, range, 50);

    GrpcTransport transport = (GrpcTransport) leader.transport;
    String tracked = "raftwire." + leader.id + ".credits.tracked_bytes";
    await().atMost(WAIT).until(() -> (Long) ((Gauge<?>) transport.metrics().getGauges().get(tracked)).getValue() == 0L);
    assertTrue(transport.metrics().timer("raftwire." + leader.id + ".credits.wait.regular").getCount() >= 50);
    assertEquals(0L, ((Gauge<?>) transport.metrics().getGauges().get("raftwire." + leader.id + ".credits.unaccounted_bytes")).getValue());
  }

  @Test
  void overGrpcAStoreForgingTheLeadersVoteAndAppendChangesNeitherTermNorLeader() {
    List<TestStore> stores = grpcStores();
    RangeId range = RangeId.of(6);
    stores.forEach(s -> s.start(range, MEMBERS));
    TestStore leader = leaderOf(stores, range);
    leader.registry.node(range).orElseThrow().replicate("before").join();
    awaitApplied(stores, range, 1);
    List<TestStore> followers = stores.stream().filter(s -> s != leader).toList();
    TestStore victim = followers.get(0);
    TestStore attacker = followers.get(1);
    RaftNode victimNode = victim.registry.node(range).orElseThrow();
    int term = victimNode.getTerm().getTerm();

    // The attacker's payloads claim to come from the leader, with a much higher term: believed,
    // the vote would make the victim step up to that term, the append would make it follow a
    // "leader" in a term the real leader never had.
    StoreEndpoint claimed = StoreEndpoint.of(leader.id);
    io.microraft.model.RaftModelFactory f = attacker.codec.modelFactory();
    List<io.microraft.model.message.RaftMessage> forgeries = List.of(
        f.createVoteRequestBuilder().setGroupId(range).setSender(claimed).setTerm(term + 10)
            .setLastLogTerm(term + 10).setLastLogIndex(1_000).setSticky(false).build(),
        f.createAppendEntriesRequestBuilder().setGroupId(range).setSender(claimed).setTerm(term + 10)
            .setPreviousLogTerm(term).setPreviousLogIndex(0).setCommitIndex(0).setLogEntries(List.of())
            .setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build());
    for (io.microraft.model.message.RaftMessage forged : forgeries) {
      io.raftwire.message.RaftEnvelope envelope = attacker.codec.encode(forged, StoreEndpoint.of(victim.id)).toBuilder()
          .from(io.raftwire.topology.ReplicaAddress.of(attacker.id, attacker.id.value())).build();
      assertTrue(attacker.transport.send(envelope).isAccepted(), "the attacker's own transport lets it send as itself");
    }

    await().atMost(WAIT).until(() -> victim.registry.refused(MalformedMessageException.Problem.WRONG_SENDER) == 2);
    assertEquals(term, victimNode.getTerm().getTerm(), "the victim's term did not move");
    assertEquals(StoreEndpoint.of(leader.id), victimNode.getTerm().getLeaderEndpoint());
    assertEquals(leader, leaderOf(stores, range), "leadership did not move");

    leader.registry.node(range).orElseThrow().replicate("after").join();
    awaitApplied(stores, range, 2);
    assertEquals(term, victimNode.getTerm().getTerm());
    for (TestStore s : stores) {
      for (MalformedMessageException.Problem p : MalformedMessageException.Problem.values()) {
        assertEquals(s == victim && p == MalformedMessageException.Problem.WRONG_SENDER ? 2 : 0, s.registry.refused(p),
            s.id + " " + p + ": honest traffic is never refused");
      }
    }
  }
}
