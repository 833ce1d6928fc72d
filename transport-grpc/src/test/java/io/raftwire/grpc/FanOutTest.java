package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.TransportLimits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Zone fan-out over real gRPC on 127.0.0.1: a leader in zone a replicating one range to followers
 * in zones b (and c).
 */
class FanOutTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final RangeId RANGE = RangeId.of(7);
  private static final StoreId LEADER = StoreId.of(1);
  private static final int ENTRY_BYTES = 4096;

  private final List<GrpcCluster> clusters = new ArrayList<>();
  /** What each store's handler of RANGE received. */
  private final Map<StoreId, ConcurrentLinkedQueue<RaftEnvelope>> received = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<DroppedMessage> leaderDrops = new ConcurrentLinkedQueue<>();

  @AfterEach
  void close() {
    clusters.forEach(GrpcCluster::close);
  }

  /** Starts stores 1.. in the given zones; {@code register} says which stores host RANGE. */
  private Map<StoreId, GrpcTransport> start(boolean fanOut, String[] zones, boolean... register) {
    GrpcCluster cluster = new GrpcCluster();
    clusters.add(cluster);
    Map<StoreId, Locality> localities = new ConcurrentHashMap<>();
    for (int i = 0; i < zones.length; i++) {
      localities.put(StoreId.of(i + 1), Locality.parse("region=r,zone=" + zones[i]));
    }
    StoreResolver resolver = StoreResolver.of(cluster.addresses, localities);
    Map<StoreId, GrpcTransport> transports = new LinkedHashMap<>();
    for (int i = 0; i < zones.length; i++) {
      StoreId store = StoreId.of(i + 1);
      GrpcTransport t = cluster.start(
          GrpcTransportConfig.builder(store, resolver).security(PeerSecurity.insecure())
              .locality(localities.get(store))
              .receiverLimits(GrpcCluster.receiverLimitsFor(TransportLimits.defaults()))
              .reconnectBackoff(TimeUnit.MILLISECONDS.toNanos(20), TimeUnit.MILLISECONDS.toNanos(200), 2.0, 0.2)
              .fanOut(fanOut)
              .fanOutLingerNanos(TimeUnit.MILLISECONDS.toNanos(200))
              .build());
      transports.put(store, t);
      ConcurrentLinkedQueue<RaftEnvelope> inbox = new ConcurrentLinkedQueue<>();
      received.put(store, inbox);
      if (i > 0 && (register.length == 0 || register[i])) {
        t.register(RANGE, (range, batch) -> inbox.addAll(batch));
      }
    }
    transports.get(LEADER).addDropListener(leaderDrops::add);
    return transports;
  }

  /** The APPEND of entry {@code index} from the leader to {@code follower}, as a library would build it. */
  private static RaftEnvelope append(StoreId follower, long index) {
    byte[] data = new byte[ENTRY_BYTES];
    data[0] = (byte) index;
    return RaftEnvelope.builder()
        .range(RANGE)
        .from(ReplicaAddress.of(LEADER, 1))
        .to(ReplicaAddress.of(follower, follower.value()))
        .trafficClass(TrafficClass.APPEND)
        .payload(ByteBuffer.allocate(16).putLong(index).putLong(follower.value()).array())
        .entries(List.of(LogEntry.of(index, 3, data)))
        .build();
  }

  /** Sends entries {@code from..to} to every follower, one round per entry; returns what was sent. */
  private static List<RaftEnvelope> rounds(GrpcTransport leader, List<StoreId> followers, long from, long to) {
    List<RaftEnvelope> sent = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      for (StoreId f : followers) {
        RaftEnvelope e = append(f, i);
        if (leader.send(e).isAccepted()) {
          sent.add(e);
        }
      }
    }
    return sent;
  }

  private void awaitDelivered(List<RaftEnvelope> sent) {
    await().atMost(WAIT).untilAsserted(() -> {
      for (RaftEnvelope e : sent) {
        assertTrue(received.get(e.to().store()).contains(e), "not delivered (or not intact): " + e);
      }
    });
  }

  private static long agent(GrpcTransport t, String zone) {
    return Readings.readOrZero(t, GrpcMetrics.FANOUT_AGENT, zone);
  }

  @Test
  void entriesForTwoFollowersInOneZoneCrossTheBoundaryOnce() {
    String[] zones = {"a", "b", "b"};
    List<StoreId> followers = List.of(StoreId.of(2), StoreId.of(3));
    Map<StoreId, GrpcTransport> off = start(false, zones);
    List<RaftEnvelope> sentOff = rounds(off.get(LEADER), followers, 1, 40);
    awaitDelivered(sentOff);
    Map<StoreId, GrpcTransport> on = start(true, zones);
    List<RaftEnvelope> sentOn = rounds(on.get(LEADER), followers, 1, 40);
    awaitDelivered(sentOn);

    assertEquals(sentOff.size(), sentOn.size(), "every APPEND was accepted both times");
    GrpcTransport leader = on.get(LEADER);
    long bytesOff = read(off.get(LEADER), GrpcMetrics.SENDER_ZONE_DATA_BYTES, "a", "b");
    long bytesOn = read(leader, GrpcMetrics.SENDER_ZONE_DATA_BYTES, "a", "b");
    assertTrue(bytesOn < 0.6 * bytesOff, "APPEND bytes a->b with fan-out " + bytesOn + " vs without " + bytesOff);
    assertTrue(read(leader, GrpcMetrics.FANOUT_BATCHES) >= 35, "rounds 3.. travel as bundles");
    assertEquals(read(leader, GrpcMetrics.FANOUT_BATCHES), read(leader, GrpcMetrics.FANOUT_ENTRIES_DEDUPLICATED),
        "each bundle carries its one shared entry once");
    long agentId = agent(leader, "b");
    assertTrue(agentId == 2, "the lowest-id member becomes the agent: " + agentId);
    GrpcTransport agentStore = on.get(StoreId.of(agentId));
    assertEquals(read(leader, GrpcMetrics.FANOUT_BATCHES), read(agentStore, GrpcMetrics.AGENT_FORWARDED));
    assertEquals(read(agentStore, GrpcMetrics.AGENT_FORWARDED), read(on.get(StoreId.of(3)), GrpcMetrics.RECEIVER_RELAYED_IN));
    assertTrue(Readings.readOrZero(on.get(StoreId.of(3)), GrpcMetrics.SENDER_ZONE_DATA_BYTES, "b", "b") == 0, "the follower relays nothing");
    assertTrue(read(agentStore, GrpcMetrics.SENDER_ZONE_DATA_BYTES, "b", "b") > 0, "the agent relays within its zone");
    assertTrue(leaderDrops.isEmpty(), "nothing dropped: " + leaderDrops);
    assertFalse(Readings.exists(off.get(LEADER), GrpcMetrics.FANOUT_BATCHES),
        "with the switch off there is no fan-out at all");
  }

  @Test
  void aMemberItsFollowerRefusesComesBackToTheLeaderAsThatMembersDrop() {
    // Store 3 does not host the range: its members are refused UNKNOWN_RANGE after the agent relayed them.
    Map<StoreId, GrpcTransport> on = start(true, new String[] {"a", "b", "b"}, false, true, false);
    GrpcTransport leader = on.get(LEADER);
    List<RaftEnvelope> sent = rounds(leader, List.of(StoreId.of(2), StoreId.of(3)), 1, 10);
    awaitDelivered(sent.stream().filter(e -> e.to().store().equals(StoreId.of(2))).toList());
    await().atMost(WAIT).until(() -> leaderDrops.stream()
        .filter(d -> d.to().store().equals(StoreId.of(3))).count() >= 10);
    for (DroppedMessage d : leaderDrops) {
      assertEquals(StoreId.of(3), d.to().store(), "only store 3's APPENDs are lost: " + d);
      assertEquals(DropReason.UNKNOWN_RANGE, d.reason(), "the follower's own reason reaches the leader");
      assertTrue(d.acceptedBySend());
    }
    assertTrue(read(leader, GrpcMetrics.FANOUT_BATCHES) > 0, "some of them travelled in bundles");
    assertEquals(0L, read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES)
        - trackedFor(leader, StoreId.of(2)), "store 3's credits all came back with its drops");
  }

  private static long trackedFor(GrpcTransport leader, StoreId follower) {
    long deducted = read(leader, GrpcMetrics.CREDITS_DEDUCTED_BYTES, follower);
    long returned = read(leader, GrpcMetrics.CREDITS_RETURNED_BYTES, follower);
    return deducted - returned;
  }

  @Test
  void whenTheAgentDiesANewAgentTakesOverAndEveryLossIsReported() {
    String[] zones = {"a", "b", "b", "b", "c", "c"};
    Map<StoreId, GrpcTransport> on = start(true, zones);
    GrpcTransport leader = on.get(LEADER);
    List<StoreId> followers = List.of(StoreId.of(2), StoreId.of(3), StoreId.of(4), StoreId.of(5), StoreId.of(6));
    awaitDelivered(rounds(leader, followers, 1, 10));
    StoreId dying = StoreId.of(agent(leader, "b"));
    assertTrue(List.of(StoreId.of(2), StoreId.of(3), StoreId.of(4)).contains(dying), "zone b's agent is in zone b");
    assertEquals("c", zones[(int) agent(leader, "c") - 1], "zone c's agent is in zone c");

    on.get(dying).close();
    List<StoreId> alive = new ArrayList<>(followers);
    alive.remove(dying);
    long[] next = {11};
    List<RaftEnvelope> sent = new ArrayList<>();
    await().atMost(WAIT).until(() -> {
      sent.addAll(rounds(leader, followers, next[0], next[0]));
      next[0]++;
      return agent(leader, "b") != dying.value();
    });
    GrpcTransport successor = on.get(StoreId.of(agent(leader, "b")));
    assertEquals("b", zones[(int) successor.localStore().value() - 1], "the new agent is in zone b");
    long forwardedBefore = read(successor, GrpcMetrics.AGENT_FORWARDED);
    List<RaftEnvelope> after = rounds(leader, alive, next[0], next[0] + 20);
    awaitDelivered(after);
    assertTrue(read(successor, GrpcMetrics.AGENT_FORWARDED) > forwardedBefore,
        "the new agent relays zone b's bundles");
    assertTrue(read(leader, GrpcMetrics.FANOUT_AGENT_CHANGES) >= 1);
    // Every APPEND accepted for a live follower since the kill arrived, or its loss was reported.
    await().atMost(WAIT).untilAsserted(() -> {
      for (RaftEnvelope e : sent) {
        if (alive.contains(e.to().store())) {
          assertTrue(received.get(e.to().store()).contains(e)
                  || leaderDrops.stream().anyMatch(d -> d.envelope().orElseThrow().equals(e)),
              "lost without a report: " + e);
        }
      }
    });
  }
}
