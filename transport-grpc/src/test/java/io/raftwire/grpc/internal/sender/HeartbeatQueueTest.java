package io.raftwire.grpc.internal.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.HeartbeatBatch;
import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.message.Heartbeat;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-destination heartbeat queue on an injected clock: coalescing, budget, linger, beacons, fate. */
class HeartbeatQueueTest {
  private static final StoreId LOCAL = StoreId.of(1);
  private static final StoreId DEST = StoreId.of(2);
  private static final long LINGER = TimeUnit.MILLISECONDS.toNanos(1);

  private final FakeTimebase clock = new FakeTimebase();
  private final AtomicInteger wakes = new AtomicInteger();
  private final AtomicInteger saturations = new AtomicInteger();
  private final List<String> reports = new ArrayList<>();
  private final HeartbeatQueue.Metrics metrics =
      new HeartbeatQueue.Metrics(new Counter(), new Counter(), new Counter(), new Counter());

  private HeartbeatQueue queue(long budgetBytes) {
    HeartbeatReports sink = (to, heartbeats, reason) -> {
      for (Heartbeat h : heartbeats) {
        reports.add(to + ":" + h.range().value() + ":" + reason);
      }
    };
    HeartbeatQueue q = new HeartbeatQueue(DEST, ByteBudget.root("hb", () -> budgetBytes), sink, metrics,
        saturations::incrementAndGet, clock, LINGER);
    q.wakeWith(wakes::incrementAndGet);
    return q;
  }

  private static Heartbeat beat(long range, int payloadByte) {
    return Heartbeat.of(RangeId.of(range), ReplicaAddress.of(LOCAL, 1), ReplicaAddress.of(DEST, 2),
        new byte[] {(byte) payloadByte, 0, 0, 0});
  }

  /** The heartbeat part of the wire message {@code flush} writes, parsed back with the generated classes. */
  private static HeartbeatBatch wire(Outbound flush, long seq) throws Exception {
    OutboundFrame.Builder b = OutboundFrame.builder(1);
    flush.addTo(b, seq, DEST);
    OutboundFrame frame = b.build();
    Batch batch = ClientFrame.parseFrom(frame).getBatch();
    assertEquals(0, batch.getEnvelopesCount());
    return batch.getHeartbeats();
  }

  @Test
  void theHeartbeatsOfManyRangesForOneDestinationTravelInOneWireMessage() throws Exception {
    HeartbeatQueue q = queue(1 << 20);
    for (long range = 1; range <= 1000; range++) {
      assertNull(q.offer(beat(range, (int) range)));
    }
    Outbound flush = q.take(Long.MAX_VALUE, clock.nanoTime());
    assertNotNull(flush);
    assertNull(q.take(Long.MAX_VALUE, clock.nanoTime()), "a second flush with nothing queued");
    HeartbeatBatch wire = wire(flush, 7);
    assertEquals(7, wire.getSeq(), "one sequence number for the whole flush");
    assertEquals(1000, wire.getRecordsCount());
    for (int i = 0; i < 1000; i++) {
      assertEquals(i + 1, wire.getRecords(i).getRangeId(), "queue order kept");
      assertEquals((byte) (i + 1), wire.getRecords(i).getPayload().byteAt(0));
    }
    assertEquals(1, metrics.flushes().getCount());
  }

  @Test
  void aNewerHeartbeatOfTheSameRangeAndReplicasReplacesTheQueuedOneInItsPlace() throws Exception {
    HeartbeatQueue q = queue(1 << 20);
    q.offer(beat(1, 1));
    q.offer(beat(2, 1));
    q.offer(beat(1, 9));
    HeartbeatBatch wire = wire(q.take(Long.MAX_VALUE, clock.nanoTime()), 1);
    assertEquals(2, wire.getRecordsCount());
    assertEquals(1, wire.getRecords(0).getRangeId());
    assertEquals(9, wire.getRecords(0).getPayload().byteAt(0), "the newest state travels");
    assertEquals(1, metrics.coalesced().getCount());
    assertEquals(3, metrics.accepted().getCount());
  }

  @Test
  void aFullBudgetRefusesWithLaneBudgetAndSignalsSaturationUntilAFlushIsAcknowledged() {
    int size = beat(1, 0).sizeBytes();
    HeartbeatQueue q = queue(10L * size);
    for (long range = 1; range <= 10; range++) {
      assertNull(q.offer(beat(range, 0)));
    }
    assertEquals(DropReason.LANE_BUDGET, q.offer(beat(11, 0)));
    assertEquals(1, saturations.get());
    assertEquals(1, metrics.refused().getCount());
    assertNull(q.offer(beat(3, 5)), "a replacement of the same size needs no room");
    Outbound flush = q.take(Long.MAX_VALUE, clock.nanoTime());
    assertEquals(DropReason.LANE_BUDGET, q.offer(beat(11, 0)), "written but unacknowledged heartbeats stay charged");
    flush.release();
    assertNull(q.offer(beat(11, 0)));
  }

  @Test
  void heartbeatsQueuedWithinTheLingerWakeTheWriterOnceWhenItEnds() {
    HeartbeatQueue q = queue(1 << 20);
    q.offer(beat(1, 0));
    q.offer(beat(2, 0));
    assertEquals(0, wakes.get(), "woken before the linger after the last flush ended");
    clock.advanceNanos(LINGER);
    assertEquals(1, wakes.get());
    q.take(Long.MAX_VALUE, clock.nanoTime()).release();
    clock.advanceNanos(2 * LINGER);
    q.offer(beat(3, 0));
    assertEquals(2, wakes.get(), "a heartbeat long after the last flush wakes the writer at once");
    q.offer(beat(4, 0));
    assertEquals(2, wakes.get(), "the writer is woken once per flush, not per heartbeat");
  }

  @Test
  void aFlushTakesAboutTheBytesAskedForAndLeavesTheRestQueuedInOrder() throws Exception {
    HeartbeatQueue q = queue(1 << 20);
    for (long range = 1; range <= 10; range++) {
      q.offer(beat(range, 0));
    }
    int size = beat(1, 0).sizeBytes();
    HeartbeatBatch first = wire(q.take(3L * size, clock.nanoTime()), 1);
    assertEquals(3, first.getRecordsCount());
    assertTrue(q.hasPending());
    HeartbeatBatch rest = wire(q.take(Long.MAX_VALUE, clock.nanoTime()), 2);
    assertEquals(7, rest.getRecordsCount());
    assertEquals(4, rest.getRecords(0).getRangeId());
  }

  @Test
  void aLostFlushReportsEachOfItsRangesOnceAndABeaconReportsNothing() {
    HeartbeatQueue q = queue(1 << 20);
    for (long range = 1; range <= 3; range++) {
      q.offer(beat(range, 0));
    }
    Outbound flush = q.take(Long.MAX_VALUE, clock.nanoTime());
    Outbounds.fail(List.of(flush), DropReason.UNREACHABLE);
    assertEquals(List.of("s2:1:UNREACHABLE", "s2:2:UNREACHABLE", "s2:3:UNREACHABLE"), reports);

    clock.advanceNanos(TimeUnit.SECONDS.toNanos(1));
    assertTrue(q.beaconDue(clock.nanoTime(), TimeUnit.MILLISECONDS.toNanos(250)));
    Outbound beacon = q.take(Long.MAX_VALUE, clock.nanoTime());
    assertNotNull(beacon, "a beacon is a flush without records");
    Outbounds.fail(List.of(beacon), DropReason.UNREACHABLE);
    assertEquals(3, reports.size());
  }

  @Test
  void queuedHeartbeatsOfADestinationThatWentDownAreReportedOnceAndTheirBytesReturned() {
    HeartbeatQueue q = queue(1 << 20);
    q.offer(beat(1, 0));
    q.offer(beat(2, 0));
    q.failQueued(DropReason.UNREACHABLE);
    q.failQueued(DropReason.UNREACHABLE);
    Set<String> unique = new HashSet<>(reports);
    assertEquals(2, reports.size());
    assertEquals(2, unique.size());
    assertEquals(0, q.queuedBytes());
    assertFalse(q.hasPending());
  }

  @Test
  void beaconsAreDueOnlyAfterAnIntervalWithoutFlushesAndStallsAreSeenFromTheOldestUnacknowledgedFlush() {
    HeartbeatQueue q = queue(1 << 20);
    long interval = TimeUnit.MILLISECONDS.toNanos(250);
    long timeout = TimeUnit.SECONDS.toNanos(1);
    assertFalse(q.beaconDue(clock.nanoTime(), interval));
    clock.advance(Duration.ofMillis(250));
    assertTrue(q.beaconDue(clock.nanoTime(), interval));
    assertFalse(q.beaconDue(clock.nanoTime(), interval), "one beacon asked for at a time");
    Outbound beacon = q.take(Long.MAX_VALUE, clock.nanoTime());
    assertFalse(q.stalled(clock.nanoTime(), timeout));
    clock.advance(Duration.ofMillis(1001));
    assertTrue(q.stalled(clock.nanoTime(), timeout), "a beacon unanswered for longer than the timeout");
    beacon.release();
    assertFalse(q.stalled(clock.nanoTime(), timeout));
  }
}
