package io.raftwire.adapter.microraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.executor.RaftNodeExecutor;
import io.microraft.persistence.NopRaftStore;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * MicroRaft nodes on a {@link LoopbackNetwork} and one fake clock: what a leader does when the
 * transport refuses its appends to one follower.
 */
class RefusalFeedbackTest {
  private static final RangeId RANGE = RangeId.of(1);
  private static final List<RaftEndpoint> MEMBERS = List.of(StoreEndpoint.of(1), StoreEndpoint.of(2), StoreEndpoint.of(3));
  private static final RaftConfig CONFIG = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(500)
      .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(5).build();
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final FakeTimebase time = new FakeTimebase();
  private final List<MicroRaftNodes> stores = new ArrayList<>();
  private final List<RaftNode> nodes = new ArrayList<>();
  private LoopbackNetwork network;

  private void start(long oneWayNanos, boolean feedback) {
    network = new LoopbackNetwork(time, oneWayNanos);
    Clock clock = VirtualTime.clock(time);
    RaftNodeExecutor executor = VirtualTime.executor(time);
    for (long s = 1; s <= 3; s++) {
      MicroRaftCodec codec = new MicroRaftCodec(new StringOperations());
      MicroRaftNodes store = MicroRaftNodes.builder(network.transport(StoreId.of(s)), codec).admission(false)
          .refusalFeedback(feedback).feedbackTimebase(time).problemTimebase(time).watchdogTimebase(time).metricRegistry(new MetricRegistry())
          .build();
      stores.add(store);
      nodes.add(store.start(RANGE, RaftNode.newBuilder().setGroupId(RANGE).setLocalEndpoint(StoreEndpoint.of(s))
          .setInitialGroupMembers(MEMBERS).setConfig(CONFIG).setExecutor(executor).setClock(clock)
          .setRandom(new Random(s)).setStateMachine(new TestStore.AppliedLog()), new NopRaftStore()));
    }
    for (int i = 0; i < 2000 && leader() == null; i++) {
      time.advanceNanos(10 * MS);
    }
    var unused = leader().replicate("warm-up");
    time.advanceNanos(100 * MS); // every follower's match index is known: appends carry entries now
  }

  private RaftNode leader() {
    RaftEndpoint l = nodes.get(0).getTerm().getLeaderEndpoint();
    if (l == null || !nodes.stream().allMatch(n -> l.equals(n.getTerm().getLeaderEndpoint()))) {
      return null;
    }
    return nodes.get((int) StoreEndpoint.storeOf(l).value() - 1);
  }

  private int leaderIndex() {
    return nodes.indexOf(leader());
  }

  private StoreId aFollower() {
    return StoreId.of(leaderIndex() == 2 ? 2 : 3);
  }

  private long appendsTo(StoreId follower) {
    return network.sent.stream().filter(s -> s.envelope().to().store().equals(follower)
        && s.envelope().trafficClass() == TrafficClass.APPEND).count();
  }

  @Test
  void aRefusedAppendReachesTheLeaderInTheSameTick() {
    refusedInTheSameTick(true);
  }

  @Test
  void withoutFeedbackTheLeaderBacksOff() {
    refusedInTheSameTick(false);
  }

  private void refusedInTheSameTick(boolean feedback) {
    start(0, feedback);
    StoreId follower = aFollower();
    network.faults(e -> e.to().store().equals(follower) && e.trafficClass() == TrafficClass.APPEND
        ? new LoopbackNetwork.Fate(DropReason.LANE_BUDGET, false) : null);
    long before = appendsTo(follower);
    var unused = leader().replicate("a");
    time.runDue();
    assertEquals(before + 1, appendsTo(follower), "the leader tried to send the entry");
    var unused2 = leader().replicate("b");
    time.runDue(); // the clock has not moved
    MicroRaftTransport t = stores.get(leaderIndex()).raftTransport();
    if (feedback) {
      assertEquals(1, t.feedbackHeartbeats(), "the refused append went to the follower as a heartbeat");
      assertEquals(before + 2, appendsTo(follower), "the follower's answer ended the leader's back-off at once");
      assertEquals(1, t.feedbackCoalesced(), "the second refusal in the same tick is coalesced, no hot loop");
    } else {
      assertEquals(before + 1, appendsTo(follower), "without feedback the leader backs off and sends nothing");
    }
    assertEquals(feedback ? 2 : 1, t.refused(DropReason.LANE_BUDGET));
    assertEquals(t.refused(DropReason.LANE_BUDGET), stores.get(leaderIndex()).metricRegistry().counter(
        "raftwire.s" + (leaderIndex() + 1) + ".microraft.refused.LANE_BUDGET").getCount());
  }

  /** The longest time, in nanoseconds, between two messages from the leader arriving at {@code follower}. */
  private long heartbeatGap(StoreId leader, StoreId follower, long fromNanos, long toNanos) {
    long last = fromNanos;
    long gap = 0;
    for (LoopbackNetwork.Sent d : network.delivered) {
      RaftEnvelope e = d.envelope();
      if (d.nanos() >= fromNanos && e.to().store().equals(follower) && e.from().store().equals(leader)) {
        gap = Math.max(gap, d.nanos() - last);
        last = d.nanos();
      }
    }
    return Math.max(gap, toNanos - last);
  }

  @Test
  void heartbeatsContinueWhileAppendsAreRefused() {
    heartbeatsWhileRefused(true);
  }

  @Test
  void withoutFeedbackAFollowerWhoseAppendsAreRefusedHearsNothingForLongerThanAHeartbeat() {
    heartbeatsWhileRefused(false);
  }

  private void heartbeatsWhileRefused(boolean feedback) {
    start(MS, feedback); // 1 ms each way
    StoreId follower = aFollower();
    RaftNode leader = leader();
    int term = leader.getTerm().getTerm();
    StoreId leaderStore = StoreId.of(leaderIndex() + 1);
    network.faults(e -> e.to().store().equals(follower) && e.trafficClass() == TrafficClass.APPEND
        ? new LoopbackNetwork.Fate(DropReason.LANE_BUDGET, false) : null);
    long from = time.nanoTime();
    for (int i = 0; i < 200; i++) { // 20 s of proposals, one per 100 ms
      var unused = leader.replicate("op" + i);
      time.advanceNanos(100 * MS);
    }
    long gap = heartbeatGap(leaderStore, follower, from, time.nanoTime());
    long heartbeat = TimeUnit.SECONDS.toNanos(CONFIG.getLeaderHeartbeatPeriodSecs());
    if (feedback) {
      assertTrue(gap <= heartbeat + 2 * MS, "at most one heartbeat period plus the RTT without a message: " + gap / MS + " ms");
    } else {
      assertTrue(gap > heartbeat + 2 * MS, "without feedback the follower waits out the back-off: " + gap / MS + " ms");
    }
    if (feedback) {
      assertEquals(term, leader.getTerm().getTerm(), "nobody started an election");
      assertTrue(leader.equals(leader()), "the leader kept leading");
    }
  }

  @Test
  void aDropAfterAcceptIsAnsweredLikeARefusal() {
    start(MS, true);
    StoreId follower = aFollower();
    network.faults(e -> e.to().store().equals(follower) && e.trafficClass() == TrafficClass.APPEND
        ? new LoopbackNetwork.Fate(DropReason.RECEIVER_BUDGET, true) : null);
    MicroRaftTransport t = stores.get(leaderIndex()).raftTransport();
    var unused = leader().replicate("a");
    time.advanceNanos(MS); // the notice comes one link delay later, without the message
    time.runDue();
    assertEquals(1, t.feedbackHeartbeats(), "the latest append's drop was answered with a heartbeat");
    assertEquals(0, t.refusedSends());
    time.advanceNanos(5 * MS);
    assertTrue(network.delivered.stream().anyMatch(d -> d.envelope().to().store().equals(follower)
        && d.envelope().trafficClass() == TrafficClass.CONTROL && d.nanos() >= time.nanoTime() - 5 * MS),
        "the follower heard its leader");
  }
}
