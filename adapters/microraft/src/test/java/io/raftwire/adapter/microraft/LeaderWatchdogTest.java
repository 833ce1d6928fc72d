package io.raftwire.adapter.microraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.persistence.NopRaftStore;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * MicroRaft 0.7 leaves a follower following a dead leader for ever when a pre-vote of its was cut
 * short by a message from that leader in the same term; these tests build that state on purpose
 * (nodes on a {@link LoopbackNetwork} and one fake clock, so every run is the same) and show that
 * the adapter's {@link LeaderWatchdog} gets every range a leader again, and leaves healthy ranges
 * alone.
 *
 * <p>The trap, for one follower F of leader L: cut L's messages to F until F's heartbeat check
 * forgets L and F starts a pre-vote (which fails, the other follower still hears L); heal; L's next
 * append makes F follow L again in the same term, with its pre-candidate state still set. Once L's
 * store dies, F never notices.
 */
class LeaderWatchdogTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  /** The example's failover settings: 1 s heartbeats, a leader forgotten after 2 s. */
  private static final RaftConfig CONFIG = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(1000)
      .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(2).build();
  private static final long WATCHDOG_INTERVAL_NANOS = 500 * MS;
  /**
   * How long after its leader's store dies a range must have a new leader: the watchdog's limit
   * (heartbeat timeout + one period + one check interval), one more check, and two election
   * timeouts for a split vote.
   */
  private static final long FAILOVER_BOUND_NANOS = (2 + 1) * SECOND + 2 * WATCHDOG_INTERVAL_NANOS + 2 * SECOND;
  private static final List<StoreId> STORES = List.of(StoreId.of(1), StoreId.of(2), StoreId.of(3));
  private static final List<RaftEndpoint> MEMBERS = List.of(StoreEndpoint.of(1), StoreEndpoint.of(2), StoreEndpoint.of(3));

  private final FakeTimebase time = new FakeTimebase();
  private final LoopbackNetwork network = new LoopbackNetwork(time, MS);
  private final Map<StoreId, MicroRaftNodes> stores = new HashMap<>();
  /** Links cut, as (from, to) store pairs; a dead store is cut both ways. */
  private final Set<List<StoreId>> cut = new HashSet<>();
  /** Links cut for one range only, as (range, from, to). */
  private final Set<List<Object>> rangeCut = new HashSet<>();
  private final Random random = new Random(42);

  private void start(int ranges, boolean watchdog) {
    network.faults(this::fate);
    for (StoreId s : STORES) {
      MicroRaftNodes store = MicroRaftNodes.builder(network.transport(s), new MicroRaftCodec(new StringOperations()))
          .admission(false).feedbackTimebase(time).problemTimebase(time).watchdogTimebase(time)
          .leaderWatchdog(watchdog).leaderWatchdogIntervalNanos(WATCHDOG_INTERVAL_NANOS)
          .metricRegistry(new MetricRegistry()).build();
      stores.put(s, store);
      for (int r = 1; r <= ranges; r++) {
        RangeId range = RangeId.of(r);
        var unused = store.start(range, RaftNode.newBuilder().setGroupId(range).setLocalEndpoint(StoreEndpoint.of(s))
            .setInitialGroupMembers(MEMBERS).setConfig(CONFIG).setExecutor(VirtualTime.executor(time))
            .setClock(VirtualTime.clock(time)).setRandom(new Random(s.value() * 1000 + r))
            .setStateMachine(new TestStore.AppliedLog()), new NopRaftStore());
      }
    }
    assertTrue(advanceUntil(30 * SECOND, () -> ranges(ranges).stream().allMatch(r -> leader(r, STORES) != null)),
        "every range elects a leader");
  }

  private LoopbackNetwork.Fate fate(RaftEnvelope e) {
    return cut.contains(List.of(e.from().store(), e.to().store()))
        || rangeCut.contains(List.of(e.range(), e.from().store(), e.to().store()))
        ? new LoopbackNetwork.Fate(DropReason.UNREACHABLE, false) : null;
  }

  private static List<RangeId> ranges(int count) {
    List<RangeId> ranges = new ArrayList<>();
    for (int r = 1; r <= count; r++) {
      ranges.add(RangeId.of(r));
    }
    return ranges;
  }

  private RaftNode node(StoreId store, RangeId range) {
    return stores.get(store).node(range).orElseThrow();
  }

  /** The store every one of {@code among} follows (or leads) on {@code range}, or null if they disagree or have none. */
  private StoreId leader(RangeId range, List<StoreId> among) {
    RaftEndpoint first = node(among.get(0), range).getTerm().getLeaderEndpoint();
    if (first == null) {
      return null;
    }
    for (StoreId s : among) {
      if (!first.equals(node(s, range).getTerm().getLeaderEndpoint())) {
        return null;
      }
    }
    StoreId leader = StoreEndpoint.storeOf(first);
    return among.contains(leader) ? leader : null;
  }

  private boolean advanceUntil(long limitNanos, java.util.function.BooleanSupplier done) {
    long end = time.nanoTime() + limitNanos;
    while (!done.getAsBoolean()) {
      if (time.nanoTime() >= end) {
        return false;
      }
      time.advanceNanos(10 * MS);
    }
    return true;
  }

  /** Builds the stale pre-candidate state on {@code follower} for {@code range}, whose leader is {@code leader}. */
  private void trap(RangeId range, StoreId leader, StoreId follower) {
    assertTrue(tryTrap(range, leader, follower), () -> "trapped " + follower + " on " + range + ": " + state(range));
  }

  /**
   * As {@link #trap}, but a trap may miss: when the other follower has not heard the leader lately
   * either, the pre-vote wins and the range simply gets a new leader. Returns whether it caught.
   */
  private boolean tryTrap(RangeId range, StoreId leader, StoreId follower) {
    int term = node(leader, range).getTerm().getTerm();
    rangeCut.add(List.of(range, leader, follower));
    assertTrue(advanceUntil(10 * SECOND, () -> !StoreEndpoint.of(leader).equals(node(follower, range).getTerm().getLeaderEndpoint())),
        "cut off from its leader, " + follower + " forgets it on " + range);
    rangeCut.remove(List.of(range, leader, follower));
    assertTrue(advanceUntil(10 * SECOND, () -> leader(range, STORES) != null),
        () -> "healed, " + range + " has one leader: " + state(range));
    return StoreEndpoint.of(leader).equals(node(follower, range).getTerm().getLeaderEndpoint())
        && node(follower, range).getTerm().getTerm() == term;
  }

  private String state(RangeId range) {
    StringBuilder b = new StringBuilder();
    for (StoreId s : STORES) {
      RaftNode n = node(s, range);
      b.append(s).append(" term ").append(n.getTerm().getTerm()).append(" leader ")
          .append(n.getTerm().getLeaderEndpoint()).append(" status ").append(n.getStatus()).append("; ");
    }
    return b.toString();
  }

  private void kill(StoreId store) {
    for (StoreId other : STORES) {
      if (!other.equals(store)) {
        cut.add(List.of(store, other));
        cut.add(List.of(other, store));
      }
    }
  }

  private void revive(StoreId store) {
    cut.removeIf(link -> link.contains(store));
  }

  private List<StoreId> survivors(StoreId dead) {
    return STORES.stream().filter(s -> !s.equals(dead)).toList();
  }

  private long watchdogElections() {
    return stores.values().stream().mapToLong(MicroRaftNodes::watchdogElections).sum();
  }

  @Test
  void withoutTheWatchdogARangeWhoseFollowersAreTrappedStaysLeaderlessAfterItsLeaderDies() {
    start(1, false);
    RangeId range = RangeId.of(1);
    StoreId leader = leader(range, STORES);
    for (StoreId follower : survivors(leader)) {
      trap(range, leader, follower);
    }
    kill(leader);
    assertTrue(!advanceUntil(30 * SECOND, () -> leader(range, survivors(leader)) != null),
        "MicroRaft alone: no survivor ever starts an election");
    for (StoreId s : survivors(leader)) {
      assertEquals(StoreEndpoint.of(leader), node(s, range).getTerm().getLeaderEndpoint(),
          s + " still follows the dead leader after 30 s");
    }
  }

  @Test
  void theWatchdogElectsALeaderWithinTheFailoverBound() {
    start(1, true);
    RangeId range = RangeId.of(1);
    StoreId leader = leader(range, STORES);
    int term = node(leader, range).getTerm().getTerm();
    for (StoreId follower : survivors(leader)) {
      trap(range, leader, follower);
    }
    kill(leader);
    assertTrue(advanceUntil(FAILOVER_BOUND_NANOS, () -> leader(range, survivors(leader)) != null),
        "a survivor leads within " + FAILOVER_BOUND_NANOS / MS + " ms");
    assertTrue(watchdogElections() >= 1, "the watchdog started it");
    StoreId next = leader(range, survivors(leader));
    assertTrue(node(next, range).getTerm().getTerm() > term, "in a later term");
    var written = node(next, range).replicate("after failover");
    assertTrue(advanceUntil(5 * SECOND, written::isDone));
    assertNull(written.handle((ok, failure) -> failure).join(), "the new leader commits a write");
  }

  @Test
  void aHealthyClusterUnderWritesNeverSeesTheWatchdogAct() {
    start(4, true);
    Map<RangeId, Integer> terms = new HashMap<>();
    for (RangeId r : ranges(4)) {
      terms.put(r, node(leader(r, STORES), r).getTerm().getTerm());
    }
    for (int i = 0; i < 600; i++) { // 60 s, a write per range every 100 ms
      for (RangeId r : ranges(4)) {
        var unused = node(leader(r, STORES), r).replicate("w" + i);
      }
      time.advanceNanos(100 * MS);
    }
    assertEquals(0, watchdogElections());
    for (RangeId r : ranges(4)) {
      assertEquals(terms.get(r), node(leader(r, STORES), r).getTerm().getTerm(), "no election on " + r);
    }
  }

  @Test
  void aFollowerCutOffFromALiveLeaderIsLeftToMicroRaftsPreVote() {
    start(1, true);
    RangeId range = RangeId.of(1);
    StoreId leader = leader(range, STORES);
    int term = node(leader, range).getTerm().getTerm();
    StoreId follower = survivors(leader).get(0);
    cut.add(List.of(leader, follower));
    time.advanceNanos(30 * SECOND);
    assertEquals(0, watchdogElections(), "a follower that forgot its leader the normal way is not touched");
    assertEquals(term, node(leader, range).getTerm().getTerm(), "the live leader was not disturbed");
    assertEquals(StoreEndpoint.of(leader), node(survivors(leader).get(1), range).getTerm().getLeaderEndpoint());
  }

  @Test
  void killingTheBusiestLeaderStoreRepeatedlyLeavesNoRangeLeaderless() {
    int ranges = 16;
    start(ranges, true);
    int trapped = 0;
    for (int round = 0; round < 6; round++) {
      Map<StoreId, List<RangeId>> led = new HashMap<>();
      for (RangeId r : ranges(ranges)) {
        StoreId l = leader(r, STORES);
        assertNotNull(l, "round " + round + ": " + r + " has one leader before the kill");
        led.computeIfAbsent(l, k -> new ArrayList<>()).add(r);
      }
      StoreId victim = led.entrySet().stream().max((a, b) -> a.getValue().size() - b.getValue().size())
          .orElseThrow().getKey();
      // Some of the victim's ranges get trapped followers (one or both), as after a flaky link.
      for (RangeId r : led.get(victim)) {
        for (StoreId f : survivors(victim)) {
          if (random.nextBoolean() && victim.equals(leader(r, STORES)) && tryTrap(r, victim, f)) {
            trapped++;
          }
        }
      }
      List<RangeId> victims = ranges(ranges).stream().filter(r -> victim.equals(leader(r, STORES))).toList();
      kill(victim);
      long killed = time.nanoTime();
      BiPredicate<RangeId, List<StoreId>> led2 = (r, among) -> leader(r, among) != null;
      assertTrue(advanceUntil(FAILOVER_BOUND_NANOS, () -> victims.stream().allMatch(r -> led2.test(r, survivors(victim)))),
          "round " + round + ": every range " + victim + " led has a leader on a survivor within "
              + FAILOVER_BOUND_NANOS / MS + " ms; leaderless after " + (time.nanoTime() - killed) / MS + " ms: "
              + victims.stream().filter(r -> !led2.test(r, survivors(victim))).toList());
      revive(victim);
      assertTrue(advanceUntil(30 * SECOND, () -> ranges(ranges).stream().allMatch(r -> leader(r, STORES) != null)),
          "round " + round + ": the revived store follows again");
    }
    assertTrue(trapped >= 6, "the rounds trapped followers: " + trapped);
    assertTrue(watchdogElections() > 0, "the trapped ranges needed the watchdog");
  }
}
