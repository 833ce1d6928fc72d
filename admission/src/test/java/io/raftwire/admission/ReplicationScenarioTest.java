package io.raftwire.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.credits.CreditController;
import io.raftwire.admission.io.IoAdmissionController;
import io.raftwire.admission.queue.WorkQueue;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A leader and a follower wired through credits, logical admission and IO tokens, on a fake clock
 * stepping 1 ms. Entries reach the follower at once; only its disk (the health signal) limits.
 */
class ReplicationScenarioTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MiB = 1024 * 1024;
  private static final long ENTRY = 64 * 1024;
  private static final RangeId R1 = RangeId.of(1);
  private static final StoreId FOLLOWER = StoreId.of(2);

  private long now;
  private long diskBytesPerSecond = 10 * MiB;
  private long nextIndex = 1;
  private long proposedBytes;
  private long maxInFlight;

  private final AdmissionConfig config =
      AdmissionConfig.builder()
          .regularCreditBytes(2 * MiB)
          .elasticCreditBytes(1 * MiB)
          .storeHealth((t, interval) -> diskBytesPerSecond * interval / SECOND)
          .build();
  private final CreditController leader = new CreditController(config, () -> now, (p, w) -> {});
  private final IoAdmissionController disk = new IoAdmissionController(config, 0);
  private final WorkQueue followerQueue = new WorkQueue(() -> now, (p, d) -> {});

  /** Runs until {@code until}: the leader proposes whenever admitted; the follower admits by tokens. */
  private long runUntil(long until) {
    long before = proposedBytes;
    while (now < until) {
      now += MS;
      if (now % config.ioIntervalNanos() == MS) { // each interval starts by reading the signal
        disk.recompute(now);
      }
      disk.tick(now);
      followerQueue.admit(disk);
      while (leader.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, ENTRY).isDone()) {
        long index = nextIndex++;
        leader.onAppendAccepted(R1, FOLLOWER, Priority.REGULAR, index, ENTRY);
        proposedBytes += ENTRY;
        // The follower persists at once and queues the entry for logical admission.
        var unused = followerQueue
            .submit(R1, Priority.REGULAR, ENTRY)
            .thenRun(() -> leader.onAdmitted(R1, FOLLOWER, Priority.REGULAR, index));
      }
      maxInFlight = Math.max(maxInFlight, leader.trackedBytes());
    }
    return proposedBytes - before;
  }

  @Test
  void theLeaderFollowsTheFollowersDiskDownAndBackUp() {
    long healthy = runUntil(15 * SECOND);
    diskBytesPerSecond = 1 * MiB; // the follower's disk degrades; seen at the next interval
    long degraded = runUntil(30 * SECOND);
    diskBytesPerSecond = 10 * MiB;
    long recovered = runUntil(45 * SECOND);

    assertNear(150 * MiB, healthy, 8 * MiB, "healthy: about 10 MiB/s for 15 s");
    assertNear(15 * MiB, degraded, 3 * MiB, "degraded: about 1 MiB/s");
    assertNear(150 * MiB, recovered, 8 * MiB, "recovered");
    assertTrue(maxInFlight <= 2 * MiB + ENTRY, "in flight " + maxInFlight + " beyond the credit window");
    assertEquals(0, leader.unaccountedBytes());
  }

  @Test
  void elasticProposalsWaitWhileRegularOnesKeepFlowing() {
    diskBytesPerSecond = 1 * MiB;
    runUntil(2 * SECOND); // regular traffic fills the window to the slow disk
    assertTrue(leader.stats(FOLLOWER).elasticAvailable() <= 0);
    var elastic = leader.admitProposal(R1, List.of(FOLLOWER), Priority.ELASTIC, ENTRY);
    long regularBefore = proposedBytes;
    runUntil(4 * SECOND);
    assertTrue(proposedBytes > regularBefore, "regular work kept flowing");
    assertTrue(!elastic.isDone(), "elastic work waits while regular keeps the stream busy");
    leader.onLeadershipLost(R1);
    assertTrue(elastic.isDone(), "credits back: elastic proceeds");
  }

  /** Asserts {@code actual} is within {@code tolerance} of {@code expected}. */
  private static void assertNear(long expected, long actual, long tolerance, String what) {
    assertTrue(Math.abs(actual - expected) <= tolerance, what + ": " + actual + ", expected " + expected + " +/- " + tolerance);
  }
}
