package io.raftwire.grpc.internal.sender;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drop notices wait for slow listeners within their budget, folded per range; what does not fit is counted. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DropNotifierTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final StoreId LOCAL = StoreId.of(1);
  private static final int ENTRY_BYTES = 1000;
  /** Room for two whole notices in the first half, then summaries. */
  private static final long BUDGET = 2 * (2 * (DroppedMessage.SUMMARY_BYTES + size(append(1))));

  private final StoreMetrics metrics = new StoreMetrics(new MetricRegistry(), LOCAL);
  private final DropNotifier notifier = new DropNotifier("test", metrics, BUDGET, () -> 0);

  @AfterEach
  void close() {
    notifier.close();
  }

  /** An APPEND of range {@code index} (each its own range: no two notices fold). */
  private static RaftEnvelope append(long index) {
    return RaftEnvelope.builder().range(RangeId.of(index)).from(ReplicaAddress.of(LOCAL, 1))
        .to(ReplicaAddress.of(StoreId.of(2), 2)).trafficClass(TrafficClass.APPEND).payload(new byte[8])
        .entries(List.of(LogEntry.of(index, 1, new byte[ENTRY_BYTES]))).build();
  }

  private static long size(RaftEnvelope envelope) {
    return envelope.sizeBytes();
  }

  private long count(io.raftwire.grpc.MetricName name) {
    return metrics.counter(name).getCount();
  }

  @Test
  void aSlowListenerGetsWholeNoticesThenSummariesAndTheRestIsCountedNotQueued() {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean blocked = new AtomicBoolean();
    ConcurrentLinkedQueue<DroppedMessage> heard = new ConcurrentLinkedQueue<>();
    notifier.add(d -> {
      if (blocked.compareAndSet(false, true)) {
        try {
          release.await(); // the listener is stuck on its first notice
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      heard.add(d);
    });
    notifier.dropped(append(1), DropReason.UNREACHABLE, true);
    await().atMost(WAIT).untilTrue(blocked); // notice 1 is being delivered (still charged)
    long summaries = (BUDGET - 2 * (DroppedMessage.SUMMARY_BYTES + size(append(1)))) / DroppedMessage.SUMMARY_BYTES;
    int sent = 1;
    for (long i = 2; i <= 2 + summaries + 10; i++, sent++) {
      notifier.dropped(append(i), DropReason.LANE_BUDGET, false);
      assertTrue(notifier.queuedBytes() <= BUDGET, "the queued notices stay within their budget");
    }
    assertEquals(summaries, count(GrpcMetrics.SENDER_DROP_NOTICES_SUMMARIZED));
    assertEquals(sent - 2 - summaries, count(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW));
    assertEquals(sent - 1, count(GrpcMetrics.SENDER_REFUSED, DropReason.LANE_BUDGET), "every refusal is counted");

    release.countDown();
    long delivered = sent - count(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW);
    await().atMost(WAIT).until(() -> heard.size() == delivered);
    await().atMost(WAIT).until(() -> notifier.queuedBytes() == 0);
    List<DroppedMessage> in = List.copyOf(heard);
    assertTrue(in.get(0).envelope().isPresent() && in.get(1).envelope().isPresent(), "within half the budget: whole");
    for (int i = 2; i < in.size(); i++) {
      DroppedMessage d = in.get(i);
      assertFalse(d.envelope().isPresent(), "beyond half the budget: summary only");
      assertEquals(i + 1, d.firstIndex(), "in order, with what a library needs: " + d);
      assertEquals(d.firstIndex(), d.lastIndex());
      assertEquals(TrafficClass.APPEND, d.trafficClass());
      assertEquals(StoreId.of(2), d.to().store());
      assertEquals(size(append(1)), d.sizeBytes());
      assertFalse(d.acceptedBySend());
    }

    notifier.dropped(append(99), DropReason.UNREACHABLE, true);
    await().atMost(WAIT).until(() -> heard.size() == delivered + 1);
    assertTrue(List.copyOf(heard).get((int) delivered).envelope().isPresent(), "room again once the listener caught up");
  }

  /** Runs nothing until the test says so. */
  private static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }
  }

  private static RaftEnvelope control(long range) {
    return RaftEnvelope.builder().range(RangeId.of(range)).from(ReplicaAddress.of(LOCAL, 1))
        .to(ReplicaAddress.of(StoreId.of(2), 2)).trafficClass(TrafficClass.CONTROL).payload(new byte[8]).build();
  }

  @Test
  void aFloodOfRefusalsIsOneNotificationRunAndEachRangeKeepsItsNoticeOnceTheBudgetIsFull() {
    ManualExecutor executor = new ManualExecutor();
    DropNotifier folding = new DropNotifier("test", metrics, BUDGET, () -> 0, executor);
    List<DroppedMessage> heard = new ArrayList<>();
    folding.add(heard::add);
    for (int i = 0; i < 1000; i++) {
      folding.dropped(control(5), DropReason.LANE_BUDGET, false); // an idle range's heartbeats, refused
    }
    assertEquals(1, executor.tasks.size(), "one notification run for the whole burst");
    long coalesced = count(GrpcMetrics.SENDER_DROP_NOTICES_COALESCED);
    assertTrue(coalesced > 900, "past the budget the waiting notice stands for the rest: " + coalesced);
    assertEquals(0, count(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW), "nothing lost: range 5 has a notice waiting");
    assertTrue(folding.queuedBytes() <= BUDGET);
    executor.runAll();
    assertEquals(1000 - coalesced, heard.size(), "one notice per drop while the budget had room");
    assertTrue(heard.stream().allMatch(d -> d.range().equals(RangeId.of(5))));
    assertEquals(1000, count(GrpcMetrics.SENDER_REFUSED, DropReason.LANE_BUDGET), "every refusal is counted");
    assertEquals(0, folding.queuedBytes());

    folding.dropped(control(5), DropReason.LANE_BUDGET, false);
    executor.runAll();
    assertEquals(1001 - coalesced, heard.size(), "room again: its own notice");
    folding.close();
  }

  @Test
  void onceTheBudgetIsFullRangesWithANoticeWaitingStillHearAndTheRestIsCountedAndLoggedRarely() {
    ManualExecutor executor = new ManualExecutor();
    AtomicLong clock = new AtomicLong(5);
    long whole = DroppedMessage.SUMMARY_BYTES + control(1).sizeBytes();
    long budget = 2 * whole + DroppedMessage.SUMMARY_BYTES; // one whole notice in the first half, then summaries
    DropNotifier folding = new DropNotifier("test", metrics, budget, clock::get, executor);
    List<DroppedMessage> heard = new ArrayList<>();
    folding.add(heard::add);
    folding.dropped(control(1), DropReason.LANE_BUDGET, false); // whole
    folding.dropped(control(2), DropReason.LANE_BUDGET, false); // summary
    folding.dropped(control(3), DropReason.LANE_BUDGET, false); // summary
    assertTrue(folding.queuedBytes() + DroppedMessage.SUMMARY_BYTES > budget, "full: no summary fits");
    assertEquals(0, count(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW));
    for (long range = 1000; range < 1100; range++) {
      folding.dropped(control(range), DropReason.LANE_BUDGET, false); // no room: counted
    }
    assertEquals(100, count(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW));
    assertEquals(1, folding.overflowLines(), "one line, not one per lost notice");
    for (long range = 1; range <= 3; range++) {
      folding.dropped(control(range), DropReason.LANE_BUDGET, false); // their notices wait: folded, not lost
    }
    assertEquals(100, count(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW));
    assertEquals(3, count(GrpcMetrics.SENDER_DROP_NOTICES_COALESCED));
    clock.addAndGet(DropNotifier.LOG_INTERVAL_NANOS - 1);
    folding.dropped(control(2000), DropReason.LANE_BUDGET, false);
    assertEquals(1, folding.overflowLines());
    clock.addAndGet(1);
    folding.dropped(control(2001), DropReason.LANE_BUDGET, false);
    assertEquals(2, folding.overflowLines(), "the next line after the interval, with the count since the last");
    executor.runAll();
    assertEquals(List.of(RangeId.of(1), RangeId.of(2), RangeId.of(3)),
        heard.stream().map(DroppedMessage::range).toList());
    assertTrue(heard.get(0).envelope().isPresent());
    assertFalse(heard.get(1).envelope().isPresent());
    folding.close();
  }

  private long count(io.raftwire.grpc.MetricName name, DropReason reason) {
    return metrics.counters(name, DropReason.class).get(reason).getCount();
  }
}
