package io.raftwire.grpc.internal.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.DurableEntries;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.Readings;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** IO admission and credit returns of one store on a fake timebase: ticks happen when time moves. */
class FlowControllerTest {
  private static final StoreId FOLLOWER = StoreId.of(2);
  private static final StoreId LEADER = StoreId.of(1);
  private static final RangeId R1 = RangeId.of(1);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long LOADED_TICK = TimeUnit.MILLISECONDS.toNanos(1);

  private final FakeTimebase time = new FakeTimebase(0);
  private final MetricRegistry registry = new MetricRegistry();
  private final List<String> notices = new CopyOnWriteArrayList<>();
  private final AtomicLong diskBytesPerSecond = new AtomicLong(1000);

  private FlowController follower(boolean libraryReports) {
    AdmissionConfig config = AdmissionConfig.builder()
        .libraryReportsDurability(libraryReports)
        .storeHealth((now, interval) -> diskBytesPerSecond.get() * interval / SECOND)
        .ioTiming(SECOND, TICK, LOADED_TICK)
        .build();
    return new FlowController(FOLLOWER, config,
        (leader, range, priority, upTo) -> notices.add(leader + " " + range + " " + priority + " " + upTo),
        time, new StoreMetrics(registry, FOLLOWER));
  }

  private long metric(io.raftwire.grpc.MetricName name, Object... parts) {
    return Readings.read(registry, FOLLOWER, name, parts);
  }

  @Test
  void elasticWorkWaitsForTheTokensThatTicksHandOut() {
    FlowController flow = follower(true);
    time.runDue(); // the first estimate: 1000 bytes a second
    assertEquals(1000, metric(GrpcMetrics.IO_TOKENS_PER_INTERVAL, "regular"));
    assertEquals(1000, metric(GrpcMetrics.IO_TOKENS_PER_INTERVAL, "elastic"));
    CompletableFuture<Void> work = flow.admitElasticWork(R1, 5);
    assertFalse(work.isDone(), "no tokens before the first tick");
    assertEquals(1, metric(GrpcMetrics.IO_QUEUE_LENGTH, "elastic"));
    time.advanceNanos(LOADED_TICK);
    assertTrue(work.isDone(), "work waits: the tick came after the loaded period, earning 1 ms of 1000 B/s");
    assertEquals(5, metric(GrpcMetrics.IO_GRANTED_BYTES, "elastic"));
    assertEquals(List.of(TICK, SECOND - LOADED_TICK), time.pendingDelaysNanos(),
        "nothing waits: the next tick after the normal period; the re-estimate after its interval");
    flow.close();
    assertEquals(0, time.pendingTasks(), "close stops both timers");
  }

  @Test
  void durableEntriesAreAdmittedInOrderAndTheirNoticeGoesToTheLeader() {
    FlowController flow = follower(true);
    time.runDue();
    flow.entriesDurable(DurableEntries.of(R1, LEADER, Priority.REGULAR, 1, 3, 30));
    flow.entriesDurable(DurableEntries.of(R1, LEADER, Priority.REGULAR, 4, 4, 10));
    assertEquals(List.of("s1 r1 REGULAR 3", "s1 r1 REGULAR 4"), notices, "regular work borrows ahead, in order");
    assertEquals(40, metric(GrpcMetrics.IO_DEBT_BYTES));
    CompletableFuture<Void> elastic = flow.admitElasticWork(R1, 1);
    time.advanceNanos(30 * LOADED_TICK);
    assertFalse(elastic.isDone(), "elastic work waits while the debt is paid back");
    time.advanceNanos(11 * LOADED_TICK);
    assertEquals(0, metric(GrpcMetrics.IO_DEBT_BYTES), "paid back at 1 byte a millisecond");
    assertTrue(elastic.isDone());
  }

  @Test
  void withoutReportsFromTheLibraryDeliveredAppendsAreAdmittedPerLeaderAndPriority() {
    FlowController flow = follower(false);
    diskBytesPerSecond.set(Long.MAX_VALUE / SECOND);
    time.runDue();
    flow.delivered(R1, List.of(append(LEADER, Priority.REGULAR, 1), append(LEADER, Priority.REGULAR, 2),
        append(LEADER, Priority.ELASTIC, 3), append(StoreId.of(3), Priority.ELASTIC, 4)));
    time.advanceNanos(TICK);
    assertEquals(List.of("s1 r1 REGULAR 2", "s1 r1 ELASTIC 3", "s3 r1 ELASTIC 4"), notices);
  }

  @Test
  void aFailingHealthSignalKeepsThePreviousTokens() {
    AdmissionConfig config = AdmissionConfig.builder()
        .storeHealth((now, interval) -> {
          if (now > 0) {
            throw new IllegalStateException("the disk statistics are gone");
          }
          return 500;
        })
        .ioTiming(SECOND, TICK, LOADED_TICK)
        .build();
    new FlowController(FOLLOWER, config, (l, r, p, i) -> {}, time, new StoreMetrics(registry, FOLLOWER));
    time.runDue();
    assertEquals(500, metric(GrpcMetrics.IO_TOKENS_PER_INTERVAL, "regular"));
    time.advanceNanos(SECOND);
    assertEquals(500, metric(GrpcMetrics.IO_TOKENS_PER_INTERVAL, "regular"), "logged, not thrown into the timebase");
  }

  private static RaftEnvelope append(StoreId leader, Priority priority, long index) {
    return RaftEnvelope.builder().range(R1).from(ReplicaAddress.of(leader, 1)).to(ReplicaAddress.of(FOLLOWER, 2))
        .trafficClass(TrafficClass.APPEND).priority(priority).payload(new byte[1])
        .entries(List.of(LogEntry.of(index, 1, new byte[10]))).build();
  }
}
