package io.raftwire.adapter.microraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.message.RaftMessage;
import io.microraft.persistence.NopRaftStore;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.heartbeat.StoreLiveness;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MicroRaft's heartbeats and append responses as the transport's coalesced heartbeats. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CoalescedHeartbeatsTest {
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

  /** One store over gRPC: its transport, its MicroRaft nodes and their applied logs. */
  private final class Store {
    final StoreId id;
    final GrpcTransport transport;
    final MicroRaftNodes nodes;
    final MicroRaftCodec codec = new MicroRaftCodec(new StringOperations());
    final Map<RangeId, TestStore.AppliedLog> logs = new ConcurrentHashMap<>();

    Store(StoreId id, GrpcTransport transport) {
      this.id = id;
      this.transport = transport;
      this.nodes = closing(MicroRaftNodes.builder(transport, codec).build());
    }

    RaftNode node(RangeId range) {
      return nodes.node(range).orElseThrow();
    }

    void start(RangeId range) {
      TestStore.AppliedLog log = new TestStore.AppliedLog();
      logs.put(range, log);
      RaftNode node = nodes.start(range, RaftNode.newBuilder().setGroupId(range).setLocalEndpoint(StoreEndpoint.of(id))
          .setInitialGroupMembers(MEMBERS).setConfig(TestStore.FAST).setStateMachine(log), new NopRaftStore());
      closing(() -> node.terminate().join());
    }

    long counter(String name) {
      return nodes.metricRegistry().counter(MetricRegistry.name("raftwire", id.toString(), "microraft", name)).getCount();
    }
  }

  private List<Store> grpcStores() {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    List<Store> stores = new ArrayList<>();
    for (long s = 1; s <= 3; s++) {
      GrpcTransport transport = closing(GrpcTransport.start(
          GrpcTransportConfig.builder(StoreId.of(s), StoreResolver.of(addresses)).security(PeerSecurity.insecure()).build()));
      addresses.put(StoreId.of(s), transport.listenAddress());
      stores.add(new Store(StoreId.of(s), transport));
    }
    return stores;
  }

  private static Store leaderOf(List<Store> stores, RangeId range) {
    await().atMost(WAIT).until(() -> {
      RaftEndpoint leader = stores.get(0).node(range).getTerm().getLeaderEndpoint();
      return leader != null && stores.stream().allMatch(s -> leader.equals(s.node(range).getTerm().getLeaderEndpoint()));
    });
    RaftEndpoint leader = stores.get(0).node(range).getTerm().getLeaderEndpoint();
    return stores.stream().filter(s -> StoreEndpoint.of(s.id).equals(leader)).findFirst().orElseThrow();
  }

  @Test
  void rangesElectReplicateAndKeepTheirLeadersOnCoalescedHeartbeats() {
    List<Store> stores = grpcStores();
    List<RangeId> ranges = new ArrayList<>();
    for (long r = 1; r <= 16; r++) {
      ranges.add(RangeId.of(r));
    }
    for (RangeId range : ranges) {
      stores.forEach(s -> s.start(range));
    }
    Map<RangeId, Integer> terms = new HashMap<>();
    for (RangeId range : ranges) {
      Store leader = leaderOf(stores, range);
      leader.nodes.replicate(leader.node(range), range + "-op", 8).join();
      await().atMost(WAIT).until(() -> stores.stream().allMatch(s -> s.logs.get(range).applied.size() == 1));
      terms.put(range, leader.node(range).getTerm().getTerm());
    }

    // Idle: every leader keeps heartbeating, every heartbeat and answer goes as a record.
    long before = stores.stream().mapToLong(s -> s.nodes.raftTransport().heartbeatsSent()).sum();
    await().atMost(WAIT).until(() -> stores.stream().mapToLong(s -> s.nodes.raftTransport().heartbeatsSent()).sum()
        >= before + 4L * ranges.size() * 2);
    for (Store s : stores) {
      assertTrue(s.counter("heartbeats.received") > 0, s.id + " received heartbeats");
      assertEquals(0, s.nodes.raftTransport().heartbeatFallbacks(), "the heartbeat budget never ran out");
      assertEquals(0, s.counter("heartbeats.unrouted"));
      for (MalformedMessageException.Problem p : MalformedMessageException.Problem.values()) {
        assertEquals(0, s.nodes.refused(p), s.id + ": honest heartbeats are never refused (" + p + ")");
      }
      long delivered = s.transport.metrics().counter("raftwire." + s.id + ".receiver.heartbeats.delivered").getCount();
      assertTrue(delivered > 0, s.id + ": the transport's heartbeat handler was used");
    }
    for (RangeId range : ranges) {
      assertEquals(terms.get(range), leaderOf(stores, range).node(range).getTerm().getTerm(),
          range + " kept its leader and term on coalesced heartbeats");
    }
  }

  @Test
  void aForgedHeartbeatClaimingTheLeaderIsRefusedAndChangesNothing() {
    List<Store> stores = grpcStores();
    RangeId range = RangeId.of(3);
    stores.forEach(s -> s.start(range));
    Store leader = leaderOf(stores, range);
    leader.nodes.replicate(leader.node(range), "before", 8).join();
    List<Store> followers = stores.stream().filter(s -> s != leader).toList();
    Store victim = followers.get(0);
    Store attacker = followers.get(1);
    int term = victim.node(range).getTerm().getTerm();

    RaftModelFactory f = attacker.codec.modelFactory();
    RaftMessage forged = f.createAppendEntriesRequestBuilder().setGroupId(range).setSender(StoreEndpoint.of(leader.id))
        .setTerm(term + 10).setPreviousLogTerm(term).setPreviousLogIndex(0).setCommitIndex(0).setLogEntries(List.of())
        .setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build();
    Heartbeat claimed = attacker.codec.encodeHeartbeat(forged, StoreEndpoint.of(victim.id));
    Heartbeat asItself = UnsafeBytes.wrapHeartbeat(range, ReplicaAddress.of(attacker.id, attacker.id.value()),
        claimed.to(), UnsafeBytes.heartbeatPayloadArray(claimed));
    assertTrue(attacker.transport.heartbeats().orElseThrow().send(asItself).isAccepted(),
        "the attacker's transport lets it send as itself");

    await().atMost(WAIT).until(() -> victim.nodes.refused(MalformedMessageException.Problem.WRONG_SENDER) == 1);
    assertEquals(term, victim.node(range).getTerm().getTerm(), "the victim's term did not move");
    assertEquals(StoreEndpoint.of(leader.id), victim.node(range).getTerm().getLeaderEndpoint());
    leader.nodes.replicate(leader.node(range), "after", 8).join();
    assertEquals(term, leaderOf(stores, range).node(range).getTerm().getTerm());
  }

  /** Heartbeats that refuse every record for one reason, and remember nothing. */
  private static Heartbeats refusing(DropReason reason) {
    return new Heartbeats() {
      @Override
      public SendResult send(Heartbeat heartbeat) {
        return SendResult.refused(reason);
      }

      @Override
      public Registration register(HeartbeatHandler handler) {
        return () -> {};
      }

      @Override
      public StoreLiveness liveness() {
        throw new UnsupportedOperationException();
      }
    };
  }

  private static RaftMessage emptyAppend(MicroRaftCodec codec) {
    return codec.modelFactory().createAppendEntriesRequestBuilder().setGroupId(RangeId.of(1))
        .setSender(StoreEndpoint.of(1)).setTerm(2).setPreviousLogTerm(1).setPreviousLogIndex(0).setCommitIndex(0)
        .setLogEntries(List.of()).setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build();
  }

  @Test
  void aFullHeartbeatBudgetSendsTheMessageAsAnEnvelopeAndOtherRefusalsAreCounted() {
    InMemoryNetwork network = closing(InMemoryNetwork.create());
    RaftTransport one = network.newTransport(StoreId.of(1));
    RaftTransport two = network.newTransport(StoreId.of(2));
    List<RaftEnvelope> arrived = new CopyOnWriteArrayList<>();
    closing(two.register(RangeId.of(1), (range, batch) -> arrived.addAll(batch)));
    MicroRaftCodec codec = new MicroRaftCodec(new StringOperations());

    MicroRaftTransport full = new MicroRaftTransport(one, codec, null, new MetricRegistry(),
        InboundProblems.defaultTimebase(), MicroRaftTransport.DEFAULT_FEEDBACK_INTERVAL_NANOS, true,
        refusing(DropReason.LANE_BUDGET));
    full.send(StoreEndpoint.of(2), emptyAppend(codec));
    await().atMost(WAIT).until(() -> arrived.size() == 1);
    assertEquals(1, full.heartbeatFallbacks());
    assertEquals(0, full.heartbeatsSent());
    assertEquals(0, full.refusedSends(), "the envelope was accepted");

    MicroRaftTransport down = new MicroRaftTransport(one, codec, null, new MetricRegistry(),
        InboundProblems.defaultTimebase(), MicroRaftTransport.DEFAULT_FEEDBACK_INTERVAL_NANOS, true,
        refusing(DropReason.UNREACHABLE));
    down.send(StoreEndpoint.of(2), emptyAppend(codec));
    assertEquals(1, down.refused(DropReason.UNREACHABLE));
    assertEquals(0, down.heartbeatFallbacks());
    assertEquals(1, arrived.size(), "an unreachable store gets no envelope either");

    down.undelivered(List.of(codec.encodeHeartbeat(emptyAppend(codec), StoreEndpoint.of(2))), DropReason.UNREACHABLE);
    assertEquals(1, down.heartbeatsUndelivered());
    assertEquals(1, down.refused(DropReason.UNREACHABLE), "undelivered is not a refusal");
  }
}
