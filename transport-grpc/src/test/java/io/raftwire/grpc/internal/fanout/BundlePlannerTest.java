package io.raftwire.grpc.internal.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.Priority;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Forgetting idle followers incrementally, on a fake timebase: a prune forgets exactly the followers
 * idle for longer than {@link BundlePlanner#FORGET_AFTER_NANOS}, and visits only those and one more,
 * however many followers are tracked.
 */
class BundlePlannerTest {
  private static final long LINGER = TimeUnit.MILLISECONDS.toNanos(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final Duration FORGET = Duration.ofNanos(BundlePlanner.FORGET_AFTER_NANOS);

  private final FakeTimebase time = new FakeTimebase();
  private final BundlePlanner<String> planner = new BundlePlanner<>(LINGER);

  /** An APPEND of entry {@code index} to {@code store} of range {@code range}, now; true if steady. */
  private boolean observe(long range, StoreId store, long index) {
    return planner.observe(RangeId.of(range), store, "b", index, index, time.nanoTime());
  }

  private long prune() {
    long before = planner.pruneVisits();
    planner.prune(time.nanoTime());
    return planner.pruneVisits() - before;
  }

  @Test
  void aPruneForgetsExactlyTheFollowersIdleForLongerThanTheForgetTime() {
    for (long r = 1; r <= 100; r++) {
      observe(r, S2, 1);
      observe(r, S3, 1);
    }
    time.advance(Duration.ofSeconds(30));
    for (long r = 1; r <= 100; r += 2) {
      observe(r, S2, 2); // odd ranges' S2 stays fresh
    }
    time.advance(FORGET.minusSeconds(30));
    assertEquals(1, prune(), "exactly the forget time idle is not yet too long: nothing expired");
    assertEquals(200, planner.trackedFollowers());

    time.advanceNanos(1);
    assertEquals(151, prune(), "150 idle followers forgotten, and the first fresh one looked at");
    assertEquals(50, planner.trackedFollowers());
    assertEquals(50, planner.trackedRanges(), "even ranges had no follower left");
    for (long r = 1; r <= 100; r++) {
      assertEquals(r % 2 == 1, observe(r, S2, 3), "range " + r + ": steady only where S2 was kept");
      assertFalse(observe(r, S3, 2), "range " + r + ": S3 was forgotten everywhere");
    }
  }

  @Test
  void pruneWorkIsProportionalToWhatExpiredNotToWhatIsTracked() {
    observe(1, S2, 1);
    observe(2, S2, 1);
    time.advance(Duration.ofSeconds(10));
    for (long r = 100; r < 10_100; r++) {
      observe(r, S2, 1);
    }
    time.advance(FORGET.minusSeconds(5));
    assertEquals(3, prune(), "two expired, one looked at and kept, out of 10,002");
    assertEquals(10_000, planner.trackedFollowers());
    for (int tick = 0; tick < 4; tick++) {
      time.advance(Duration.ofSeconds(1));
      assertEquals(1, prune(), "a tick with nothing expired looks at one follower");
    }
    time.advance(Duration.ofSeconds(2));
    assertEquals(10_000, prune());
    assertEquals(0, planner.trackedFollowers());
    assertEquals(0, planner.trackedRanges());
    assertEquals(0, prune(), "nothing tracked: nothing to look at");
  }

  @Test
  void anAppendMovesItsFollowerToTheBackOfTheExpiryOrder() {
    observe(1, S2, 1);
    time.advance(Duration.ofSeconds(1));
    observe(2, S2, 1);
    time.advance(Duration.ofSeconds(1));
    observe(1, S2, 2); // range 1 was the oldest; now it is the newest
    time.advance(FORGET.minusSeconds(1).plusNanos(1));
    assertEquals(2, prune(), "range 2 expired; range 1 was looked at and kept");
    assertEquals(1, planner.trackedFollowers());
    assertTrue(observe(1, S2, 3));
  }

  @Test
  void anAppendWhoseClockReadingPrecedesAnEarlierAppendsStillExpiresOnTime() {
    long start = time.nanoTime();
    time.advance(Duration.ofSeconds(2));
    observe(1, S2, 1);
    // another thread read the clock a second earlier, but took the lock later
    planner.observe(RangeId.of(2), S2, "b", 1, 1, start + TimeUnit.SECONDS.toNanos(1));
    time.advance(FORGET.minusSeconds(1).plusNanos(1));
    assertEquals(2, prune(), "range 2 is idle for longer than the forget time, range 1 not");
    assertEquals(1, planner.trackedFollowers());
    assertTrue(observe(1, S2, 2));
    assertFalse(observe(2, S2, 2));
  }

  @Test
  void aBatchedPruneForgetsTheSameFollowersInSeveralCalls() {
    for (long r = 1; r <= 10; r++) {
      observe(r, S2, 1);
    }
    time.advance(FORGET.plusNanos(1));
    observe(11, S2, 1);
    long now = time.nanoTime();
    int calls = 1;
    while (planner.prune(now, 3)) {
      calls++;
    }
    assertEquals(4, calls, "3 + 3 + 3 + 1");
    assertEquals(1, planner.trackedFollowers());
    assertEquals(11, planner.pruneVisits(), "each expired follower looked at once, and the fresh one");
  }

  @Test
  void groupStatesGoWithTheirRangesLastFollowerOnceNoBundleWaits() {
    RangeId range = RangeId.of(1);
    GroupKey key = new GroupKey(range, "b", Priority.REGULAR, ReplicaAddress.of(StoreId.of(1), 1));
    observe(1, S2, 1);
    observe(1, S3, 1);
    observe(1, S2, 2);
    observe(1, S3, 2);
    assertTrue(observe(1, S2, 3));
    BundlePlanner.Decision<String> decision = planner.add(key, S2, 3, 3, "to s2", time.nanoTime());
    BundlePlanner.Pending<String> waiting = decision.linger();
    assertNotNull(waiting, "S3 is in step: the bundle waits for it");
    assertEquals(1, planner.groupStates());

    time.advance(FORGET.plusNanos(1));
    prune();
    assertEquals(0, planner.trackedFollowers());
    assertEquals(1, planner.groupStates(), "its bundle still waits: the group state stays");
    assertTrue(planner.expire(waiting));
    prune();
    assertEquals(0, planner.groupStates(), "forgotten by the first prune after the bundle left");
    assertEquals(0, planner.trackedRanges());
  }

  @Test
  void anAgentThatGoesDownIsReplacedOnlyByAStoreOfItsZoneThatIsStillTracked() {
    StoreId s5 = StoreId.of(5);
    observe(1, S2, 1);
    observe(2, S3, 1);
    planner.observe(RangeId.of(3), s5, "c", 1, 1, time.nanoTime()); // another zone
    assertEquals(S2, planner.agentFor("b", List.of(S2), s -> true));
    planner.agentDown(S2, "b", s -> true);
    assertEquals(Optional.of(S3), planner.agent("b"), "S3 is tracked in zone b");

    time.advance(Duration.ofSeconds(1));
    observe(1, S2, 2);
    time.advance(FORGET);
    prune(); // S3 is forgotten, S2 is not
    assertEquals(1, planner.trackedFollowers());
    planner.agentDown(S3, "b", s -> true);
    assertEquals(Optional.of(S2), planner.agent("b"));
    planner.agentDown(S2, "b", s -> true);
    assertEquals(Optional.empty(), planner.agent("b"), "no other store of zone b is tracked");
  }
}
