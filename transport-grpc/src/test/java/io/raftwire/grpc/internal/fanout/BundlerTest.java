package io.raftwire.grpc.internal.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.MetricName;
import io.raftwire.grpc.Readings;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.sender.EnvelopeMessage;
import io.raftwire.grpc.internal.sender.SenderTestKit;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The rules of zone fan-out, on a fake timebase and fake destinations: no gRPC, no threads. The
 * leader (store 1) is in zone a; followers 2 and 3 are in zone b, follower 4 in zone c.
 */
class BundlerTest {
  private static final StoreId LEADER = StoreId.of(1);
  private static final RangeId RANGE = RangeId.of(7);
  private static final long LINGER = TimeUnit.MILLISECONDS.toNanos(1);

  private final FakeTimebase time = new FakeTimebase();
  private final MetricRegistry registry = new MetricRegistry();
  private final SenderTestKit kit = new SenderTestKit(LEADER);
  private TransportLimits limits = TransportLimits.defaults();
  private final Bundler bundler =
      new Bundler("a", LINGER, () -> limits, time, new StoreMetrics(registry, LEADER));
  private final FakeRoute s2 = new FakeRoute(2, "b");
  private final FakeRoute s3 = new FakeRoute(3, "b");

  private static RaftEnvelope append(FakeRoute to, long first, long last, long term) {
    return append(RANGE, to, first, last, term);
  }

  private static RaftEnvelope append(RangeId range, FakeRoute to, long first, long last, long term) {
    return append(range, to, first, last, term, 100);
  }

  private static RaftEnvelope append(RangeId range, FakeRoute to, long first, long last, long term, int entryBytes) {
    List<LogEntry> entries = new ArrayList<>();
    for (long i = first; i <= last; i++) {
      entries.add(LogEntry.of(i, term, new byte[entryBytes]));
    }
    return RaftEnvelope.builder()
        .range(range)
        .from(ReplicaAddress.of(LEADER, 1))
        .to(ReplicaAddress.of(to.store, to.store.value()))
        .trafficClass(TrafficClass.APPEND)
        .payload(new byte[] {(byte) first, (byte) to.store.value()})
        .entries(entries)
        .build();
  }

  private DropReason send(FakeRoute to, long first, long last) {
    return send(to, first, last, 3);
  }

  private DropReason send(FakeRoute to, long first, long last, long term) {
    EnvelopeMessage m = kit.own(append(to, first, last, term), time.nanoTime());
    assertTrue(bundler.applies(m.envelope(), to), "a follower in another zone");
    return bundler.accept(m, to);
  }

  /** Entry {@code index} to every follower, in order. */
  private void round(long index, FakeRoute... followers) {
    for (FakeRoute f : followers) {
      assertNull(send(f, index, index));
    }
  }

  private long metric(MetricName name, Object... parts) {
    return Readings.readOrZero(registry, LEADER, name, parts);
  }

  /** Rounds 1 and 2: each follower's first APPEND is not steady, its second has no one in step yet. */
  private void warmUp() {
    round(1, s2, s3);
    round(2, s2, s3);
  }

  @Test
  void followersInTheLeadersZoneOrWithoutAZoneAreNotForFanOut() {
    assertFalse(bundler.applies(append(s2, 1, 1, 3), new FakeRoute(5, "a")));
    assertTrue(bundler.applies(append(s2, 1, 1, 3), s2));
  }

  @Test
  void aFirstAppendGoesDirectlyAndTheNextOneIsSteady() {
    assertNull(send(s2, 1, 1));
    assertEquals(1, s2.offered, "not steady: straight to its destination");
    assertEquals(1, metric(GrpcMetrics.FANOUT_FALLBACKS, "NOT_STEADY"));
    assertNull(send(s2, 2, 3));
    assertEquals(1, s2.reserved, "continues where the last ended: reserved for a bundle");
    assertNull(send(s2, 3, 4));
    assertEquals(2, metric(GrpcMetrics.FANOUT_FALLBACKS, "NOT_STEADY"), "a retry of entry 3 is not steady");
  }

  @Test
  void twoFollowersInStepShareOneBundleSentToTheLowestIdMember() {
    warmUp();
    assertEquals(2, metric(GrpcMetrics.FANOUT_FALLBACKS, "ALONE"), "round 2: nobody in step yet");
    assertNull(send(s2, 3, 3));
    assertEquals(1, time.pendingTasks(), "store 3 is in step: the bundle waits for it");
    assertTrue(s2.bundles().isEmpty());
    assertNull(send(s3, 3, 3));
    assertEquals(0, time.pendingTasks(), "complete: sent at once, its timer cancelled");
    assertEquals(1, s2.bundles().size(), "store 2 is the agent");
    Bundle bundle = s2.bundles().get(0);
    assertEquals(1, bundle.entriesDeduplicated(), "entry 3 travels once");
    assertEquals(1, metric(GrpcMetrics.FANOUT_BATCHES));
    assertEquals(2, metric(GrpcMetrics.FANOUT_MEMBERS));
    assertEquals(1, metric(GrpcMetrics.FANOUT_ENTRIES_DEDUPLICATED));
    assertEquals(bundle.bytesSaved(), metric(GrpcMetrics.FANOUT_BYTES_SAVED));
    assertEquals(0, metric(GrpcMetrics.FANOUT_BYTES_ADDED));
    assertEquals(2, metric(GrpcMetrics.FANOUT_AGENT, "b"));
    assertEquals(1, s3.keptOpen, "store 3's own DATA stream stays open for its credit returns");
    assertEquals(0, s2.keptOpen, "the agent's stream carries the bundle anyway");
  }

  @Test
  void aBundleLargerThanItsMembersCountsWhatItAddedAndNoCounterDecreases() {
    warmUp();
    for (FakeRoute f : List.of(s2, s3)) {
      EnvelopeMessage m = kit.own(append(RANGE, f, 3, 3, 3, 0), time.nanoTime()); // empty entries: nothing to share
      assertNull(bundler.accept(m, f));
    }
    Bundle bundle = s2.bundles().get(0);
    assertTrue(bundle.bytesSaved() < 0, "a bundle of members with empty entries costs more than they do: " + bundle.bytesSaved());
    assertEquals(0, metric(GrpcMetrics.FANOUT_BYTES_SAVED), "never decreased below zero (Prometheus refuses that)");
    assertEquals(-bundle.bytesSaved(), metric(GrpcMetrics.FANOUT_BYTES_ADDED));
  }

  @Test
  void aBundleNobodyJoinsLeavesAloneAfterTheLingerAndTheGroupStopsWaiting() {
    warmUp();
    assertNull(send(s2, 3, 3)); // store 3 is in step, but its APPEND 3 does not come
    time.advanceNanos(LINGER - 1);
    assertEquals(2, s2.alone(), "still waiting just before the linger ends");
    time.advanceNanos(1);
    assertEquals(1, metric(GrpcMetrics.FANOUT_LINGERED));
    assertEquals(3, s2.alone(), "sent on its own after the linger");
    // One miss: the group's next wait is skipped.
    assertNull(send(s2, 4, 4));
    assertEquals(0, time.pendingTasks(), "store 3 is still in step, but this wait is skipped");
    assertNull(send(s3, 3, 4));
    assertNull(send(s2, 5, 5));
    assertEquals(1, time.pendingTasks(), "one skip only: the group waits again");
    time.advance(Duration.ofNanos(LINGER));
    assertEquals(2, metric(GrpcMetrics.FANOUT_LINGERED));
    // Two misses in a row: the next two waits are skipped.
    assertNull(send(s3, 5, 5));
    assertNull(send(s2, 6, 6));
    assertEquals(0, time.pendingTasks(), "two skips after two misses");
    assertNull(send(s3, 6, 6));
    assertNull(send(s2, 7, 7));
    assertEquals(1, time.pendingTasks(), "waiting again");
    assertNull(send(s3, 7, 7));
    assertEquals(1, s2.bundles().size(), "a bundle that fills resets the backoff");
    assertNull(send(s2, 8, 8));
    assertEquals(1, time.pendingTasks(), "after a full bundle the group waits at once");
  }

  @Test
  void anAppendToAFollowerAlreadyInTheBundleSealsItFirst() {
    warmUp();
    assertNull(send(s3, 3, 3));
    assertEquals(1, time.pendingTasks(), "store 2 is in step: the bundle waits");
    assertNull(send(s3, 4, 4)); // store 3 again: the pending bundle leaves first
    assertEquals(0, time.pendingTasks(), "its timer is cancelled");
    assertEquals(4, s3.alone(), "entries 3 and 4 to store 3, each on its own");
    assertEquals(4, metric(GrpcMetrics.FANOUT_FALLBACKS, "ALONE"));
    assertTrue(s2.bundles().isEmpty());
  }

  @Test
  void aDropMakesTheFollowerUnsteadySoTheLibrarysRetryGoesDirectly() {
    warmUp();
    bundler.dropped(RANGE, s2.store);
    int offered = s2.offered;
    assertNull(send(s2, 3, 3));
    assertEquals(offered + 1, s2.offered, "sent directly after the drop");
    assertNull(send(s2, 4, 4));
    assertEquals(2, s2.reserved, "steady again from its next continuing APPEND");
  }

  @Test
  void theAgentIsStickyAndItsZoneChoosesAnotherWhenItGoesDown() {
    FakeRoute s5 = new FakeRoute(5, "b");
    round(1, s2, s3, s5);
    round(2, s2, s3, s5);
    round(3, s2, s3, s5);
    assertEquals(2, metric(GrpcMetrics.FANOUT_AGENT, "b"));
    s2.allows = false;
    bundler.routeDown(s2);
    assertEquals(3, metric(GrpcMetrics.FANOUT_AGENT, "b"), "the lowest-id other store of the zone");
    assertEquals(1, metric(GrpcMetrics.FANOUT_AGENT_CHANGES));
    assertNull(send(s3, 4, 4));
    assertNull(send(s5, 4, 4));
    time.advanceNanos(LINGER); // store 2 is in step still, but sends nothing now
    assertEquals(1, s3.bundles().size(), "the new agent carries the next bundle");
    assertEquals(1, s3.bundles().get(0).entriesDeduplicated(), "stores 3 and 5 share entry 4");
    bundler.routeDown(s5);
    assertEquals(3, metric(GrpcMetrics.FANOUT_AGENT, "b"), "a store that is not the agent going down changes nothing");
  }

  @Test
  void withoutAnAgentThatLetsTrafficThroughTheMembersGoDirectlyAndTheirDropsAreReported() {
    warmUp();
    assertNull(send(s2, 3, 3));
    s2.allows = false; // both breakers open while the bundle fills
    s3.allows = false;
    assertNull(send(s3, 3, 3));
    assertEquals(1, metric(GrpcMetrics.FANOUT_FALLBACKS, "NO_AGENT"));
    assertEquals(2, kit.returned.size(), "neither member could be queued: both reported, credits back");
    assertEquals(sizes(s2), s2.lane.usedBytes(), "their lane charges were given back");
    assertEquals(sizes(s3), s3.lane.usedBytes());
  }

  @Test
  void anAgentThatRefusesTheBundleSendsItsMembersDirectly() {
    warmUp();
    s2.refuseBundles = DropReason.UNREACHABLE;
    assertNull(send(s2, 3, 3));
    assertNull(send(s3, 3, 3));
    assertEquals(1, metric(GrpcMetrics.FANOUT_FALLBACKS, "AGENT_REFUSED"));
    assertEquals(3, s2.alone());
    assertEquals(3, s3.alone());
  }

  @Test
  void aBundleOverTheMessageLimitIsNotSent() {
    warmUp();
    limits = TransportLimits.builder().maxMessageBytes(200).appendLaneBytes(1 << 20).build();
    assertNull(send(s2, 3, 3));
    assertNull(send(s3, 3, 3));
    assertEquals(1, metric(GrpcMetrics.FANOUT_FALLBACKS, "TOO_LARGE"));
    assertTrue(s2.bundles().isEmpty());
  }

  @Test
  void membersThatDisagreeAboutAnEntryAreNotBundled() {
    warmUp();
    assertNull(send(s2, 3, 3, 3));
    assertNull(send(s3, 3, 3, 4)); // another term for entry 3
    assertEquals(1, metric(GrpcMetrics.FANOUT_FALLBACKS, "INCONSISTENT"));
    assertEquals(3, s2.alone());
    assertEquals(3, s3.alone());
  }

  @Test
  void followersWithoutAppendsForAMinuteAreForgotten() {
    warmUp();
    assertEquals(2, metric(GrpcMetrics.FANOUT_TRACKED_FOLLOWERS));
    time.advance(Duration.ofSeconds(59));
    bundler.upkeep(time.nanoTime());
    assertEquals(2, metric(GrpcMetrics.FANOUT_TRACKED_FOLLOWERS));
    time.advance(Duration.ofSeconds(2));
    bundler.upkeep(time.nanoTime());
    assertEquals(0, metric(GrpcMetrics.FANOUT_TRACKED_FOLLOWERS));
    assertNull(send(s2, 3, 3));
    assertEquals(2, s2.offered, "forgotten: its next APPEND is not steady");
  }

  @Test
  void oneUpkeepForgetsEveryIdleFollowerEvenBeyondOneBatch() {
    int ranges = 2 * Bundler.PRUNE_BATCH + 7;
    for (int r = 1; r <= ranges; r++) {
      RaftEnvelope other = append(RangeId.of(1000 + r), s2, 1, 1, 3);
      assertNull(bundler.accept(kit.own(other, time.nanoTime()), s2));
    }
    time.advance(Duration.ofSeconds(30));
    warmUp(); // range 7's followers stay fresh
    assertEquals(ranges + 2, metric(GrpcMetrics.FANOUT_TRACKED_FOLLOWERS));
    time.advance(Duration.ofSeconds(31));
    bundler.upkeep(time.nanoTime());
    assertEquals(2, metric(GrpcMetrics.FANOUT_TRACKED_FOLLOWERS), "every idle follower forgotten in one upkeep");
    int reserved = s2.reserved;
    assertNull(send(s2, 3, 3));
    assertEquals(reserved + 1, s2.reserved, "range 7's S2 was kept: steady, reserved for a bundle");
  }

  @Test
  void closingSendsWaitingMembersDirectlyAndADroppedBundleDropsEachMember() {
    warmUp();
    assertNull(send(s2, 3, 3));
    assertEquals(1, metric(GrpcMetrics.FANOUT_PENDING_BUNDLES));
    bundler.close();
    assertEquals(0, metric(GrpcMetrics.FANOUT_PENDING_BUNDLES));
    assertEquals(3, s2.alone(), "the waiting member went directly");

    assertNull(send(s3, 3, 3));
    assertNull(send(s2, 4, 4));
    assertNull(send(s3, 4, 4));
    Bundle bundle = s2.bundles().get(0);
    SenderTestKit.fail(List.of(bundle), DropReason.UNREACHABLE); // lost with the agent's stream
    assertEquals(2, kit.returned.size(), "each member's credits return");
    assertEquals(0, s2.lane.usedBytes() - sizes(s2), "the members' lane charges are given back");
    assertEquals(0, s3.lane.usedBytes() - sizes(s3));
  }

  /** Bytes still charged for the members queued alone at {@code route} (never released here). */
  private static long sizes(FakeRoute route) {
    long bytes = 0;
    for (var o : route.queued) {
      if (!(o instanceof Bundle)) {
        bytes += o.sizeBytes();
      }
    }
    return bytes;
  }
}
