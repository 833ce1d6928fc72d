package io.raftwire.grpc.internal.snapshot.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.grpc.internal.snapshot.MemorySnapshots;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rate limiter, the recipient's slots and spool, and the sender's cache, on a fake clock. */
class SnapshotPartsTest {
  private static final long MIB = 1 << 20;
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void theRateLimitHoldsAndFollowsRuntimeChanges() {
    RateLimiter limiter = new RateLimiter(now::get, 4 * MIB);
    // One second of burst, then the rate: 12 MiB more need 3 s.
    long waited = 0;
    for (int i = 0; i < 16; i++) {
      waited = limiter.reserve(MIB);
    }
    assertEquals(TimeUnit.SECONDS.toNanos(3), waited);
    now.addAndGet(TimeUnit.SECONDS.toNanos(3)); // the debt is paid
    assertEquals(0, limiter.reserve(0));
    limiter.setRate(MIB); // slowed at runtime: the burst shrinks with it
    long total = 0;
    for (int i = 0; i < 5; i++) {
      total = limiter.reserve(MIB);
    }
    assertEquals(TimeUnit.SECONDS.toNanos(5), total, "5 MiB at 1 MiB/s from an empty bucket take 5 s");
  }

  @Test
  void slotsServeCatchUpBeforeRebalancingAndRefuseBeyondTheQueue() {
    SnapshotSlots slots = new SnapshotSlots(now::get, 1, 2, TimeUnit.SECONDS.toNanos(10));
    SnapshotSlots.Ticket running = slots.reserve(SnapshotPurpose.REBALANCE, TimeUnit.MINUTES.toNanos(1));
    assertTrue(running.granted.isDone());
    SnapshotSlots.Ticket rebalance = slots.reserve(SnapshotPurpose.REBALANCE, TimeUnit.MINUTES.toNanos(1));
    SnapshotSlots.Ticket catchUp = slots.reserve(SnapshotPurpose.CATCH_UP, TimeUnit.MINUTES.toNanos(1));
    SnapshotSlots.Ticket third = slots.reserve(SnapshotPurpose.CATCH_UP, TimeUnit.MINUTES.toNanos(1));
    assertEquals(SnapshotFailure.RECIPIENT_BUSY, failure(third));
    assertFalse(rebalance.granted.isDone());
    running.release();
    assertTrue(catchUp.granted.isDone() && !catchUp.granted.isCompletedExceptionally(), "catch-up goes first");
    assertFalse(rebalance.granted.isDone());
    catchUp.release();
    assertTrue(rebalance.granted.isDone());
    assertEquals(1, slots.active());
  }

  @Test
  void aQueuedTransferGivesUpWhileItsDeadlineStillLeavesTimeToReport() {
    SnapshotSlots slots = new SnapshotSlots(now::get, 1, 4, TimeUnit.SECONDS.toNanos(10));
    slots.reserve(SnapshotPurpose.CATCH_UP, TimeUnit.MINUTES.toNanos(1));
    assertEquals(SnapshotFailure.QUEUE_TIMEOUT, failure(slots.reserve(SnapshotPurpose.CATCH_UP, TimeUnit.SECONDS.toNanos(5))),
        "5 s of deadline cannot fit a transfer that needs 10 s");
    SnapshotSlots.Ticket waiting = slots.reserve(SnapshotPurpose.CATCH_UP, TimeUnit.SECONDS.toNanos(30));
    now.addAndGet(TimeUnit.SECONDS.toNanos(19));
    slots.expire();
    assertFalse(waiting.granted.isDone());
    now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    slots.expire();
    assertEquals(SnapshotFailure.QUEUE_TIMEOUT, failure(waiting));
    assertEquals(0, slots.queued());
  }

  @Test
  void theCacheReusesASnapshotWhileValidAndNotAfterTruncation() throws Exception {
    RangeId range = RangeId.of(7);
    MemorySnapshots library = new MemorySnapshots().host(range, 1000, 50);
    SnapshotCache cache = new SnapshotCache(library, 10_000, TimeUnit.MINUTES.toNanos(1), now::get);
    SnapshotCache.Lease first = cache.acquire(range);
    SnapshotCache.Lease second = cache.acquire(range);
    assertSame(first.view(), second.view());
    assertEquals(1, library.opened.get(), "generated once for two recipients");
    assertEquals(1, cache.hits());

    cache.logTruncated(range, 52); // the log now starts at 52: a snapshot at 50 leaves a gap at 51
    library.index.put(range, 60L);
    SnapshotCache.Lease third = cache.acquire(range);
    assertNotSame(first.view(), third.view());
    assertEquals(60, third.view().meta().index());
    assertEquals(2, library.opened.get());
    assertEquals(0, library.closed.get(), "the old view stays open while transfers read it");
    first.close();
    second.close();
    assertEquals(1, library.closed.get(), "closed when its last transfer let go");
    third.close();
    assertEquals(1, library.closed.get(), "the current one stays cached");
  }

  @Test
  void theCacheClosesIdleViewsAndRespectsItsByteBound() throws Exception {
    MemorySnapshots library = new MemorySnapshots().host(RangeId.of(1), 600, 10).host(RangeId.of(2), 600, 10);
    SnapshotCache cache = new SnapshotCache(library, 1000, TimeUnit.SECONDS.toNanos(60), now::get);
    cache.acquire(RangeId.of(1)).close();
    cache.acquire(RangeId.of(2)).close();
    cache.cleanUp();
    assertTrue(cache.cachedBytes() <= 1000, "bounded: " + cache.cachedBytes());
    assertEquals(1, library.closed.get(), "one of the two 600-byte views was evicted and closed");
    now.addAndGet(TimeUnit.SECONDS.toNanos(61));
    cache.cleanUp();
    assertEquals(2, library.closed.get(), "the idle one closed");
    assertEquals(0, cache.cachedBytes());
  }

  @Test
  void aBrokenTransfersStageIsKeptForAResumeOnlyWithinItsByteBudgetAndItsTime(@TempDir Path dir) throws Exception {
    FakeTimebase time = new FakeTimebase();
    Spool spool = new Spool(dir, time::nanoTime, TimeUnit.SECONDS.toNanos(60), 1000);
    SnapshotMeta first = SnapshotMeta.of(RangeId.of(1), 10, 1, 1, 800, 0);
    SnapshotMeta second = SnapshotMeta.of(RangeId.of(2), 10, 1, 1, 800, 0);

    Spool.Stage a = spool.open(first).orElseThrow();
    assertTrue(spool.open(first).isEmpty(), "one transfer at a time per range");
    a.append(ByteBuffer.wrap(new byte[600]));
    spool.release(a, true);
    assertEquals(600, spool.retainedBytes(), "kept for a resume");
    Spool.Stage b = spool.open(second).orElseThrow();
    b.append(ByteBuffer.wrap(new byte[600]));
    spool.release(b, true);
    assertEquals(600, spool.retainedBytes(), "the second does not fit the 1000 bytes kept: deleted");
    assertEquals(1, files(dir));

    Spool.Stage resumed = spool.open(first).orElseThrow();
    assertSame(a, resumed);
    assertEquals(600, resumed.length(), "a transfer of the same snapshot resumes after the prefix");
    assertEquals(0, spool.retainedBytes(), "in use again");
    spool.release(resumed, true);

    time.advance(Duration.ofSeconds(59));
    spool.sweep();
    assertEquals(1, files(dir));
    time.advance(Duration.ofSeconds(1));
    spool.sweep();
    assertEquals(0, files(dir), "unused for the retention time: deleted");

    Spool.Stage empty = spool.open(second).orElseThrow();
    spool.release(empty, true);
    assertEquals(0, files(dir), "a stage without bytes is not worth keeping");
    Spool.Stage refused = spool.open(second).orElseThrow();
    refused.append(ByteBuffer.wrap(new byte[10]));
    spool.release(refused, false);
    assertEquals(0, files(dir), "a refused or finished transfer's stage goes at once");
  }

  private static long files(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.count();
    }
  }

  private static SnapshotFailure failure(SnapshotSlots.Ticket ticket) {
    assertTrue(ticket.granted.isCompletedExceptionally());
    try {
      ticket.granted.join();
      throw new AssertionError("not failed");
    } catch (CompletionException e) {
      return ((SnapshotException) e.getCause()).failure();
    }
  }
}
