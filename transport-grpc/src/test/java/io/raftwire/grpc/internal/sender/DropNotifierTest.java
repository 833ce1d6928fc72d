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
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drop notices wait for slow listeners within their budget; what does not fit is counted. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DropNotifierTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final StoreId LOCAL = StoreId.of(1);
  private static final int ENTRY_BYTES = 1000;
  /** Room for two whole notices in the first half, then summaries. */
  private static final long BUDGET = 2 * (2 * (DroppedMessage.SUMMARY_BYTES + size(append(1))));

  private final StoreMetrics metrics = new StoreMetrics(new MetricRegistry(), LOCAL);
  private final DropNotifier notifier = new DropNotifier("test", metrics, BUDGET);

  @AfterEach
  void close() {
    notifier.close();
  }

  private static RaftEnvelope append(long index) {
    return RaftEnvelope.builder().range(RangeId.of(7)).from(ReplicaAddress.of(LOCAL, 1))
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

  private long count(io.raftwire.grpc.MetricName name, DropReason reason) {
    return metrics.counters(name, DropReason.class).get(reason).getCount();
  }
}
