package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Regular work ahead of elastic work through the whole path, over real gRPC on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PriorityEndToEndTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final GrpcCluster cluster = new GrpcCluster();

  @AfterEach
  void close() {
    cluster.close();
  }

  private static RaftEnvelope append(long range, Priority priority, long index, int bytes) {
    return RaftEnvelope.builder().range(RangeId.of(range)).from(ReplicaAddress.of(S1, 1)).to(ReplicaAddress.of(S2, 2))
        .trafficClass(TrafficClass.APPEND).priority(priority)
        .entries(List.of(LogEntry.of(index, 1, new byte[bytes]))).payload(new byte[1]).build();
  }

  @Test
  void theReceiverDeliversRangesWithRegularAppendsBeforeRangesWithOnlyElasticWork() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults(), c -> c.workerThreads(1));
    CountDownLatch release = new CountDownLatch(1);
    List<Long> delivered = new CopyOnWriteArrayList<>();
    b.register(RangeId.of(1), (range, batch) -> {
      delivered.add(range.value());
      try {
        release.await(60, TimeUnit.SECONDS); // holds the receiver's only worker
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    for (long range : new long[] {10, 11, 12, 20, 21}) {
      b.register(RangeId.of(range), (r, batch) -> delivered.add(r.value()));
    }
    assertTrue(a.send(append(1, Priority.REGULAR, 1, 100)).isAccepted());
    await().atMost(WAIT).until(() -> delivered.size() == 1);
    for (long range = 10; range <= 12; range++) {
      for (long index = 1; index <= 4; index++) {
        assertTrue(a.send(append(range, Priority.ELASTIC, index, 16 * 1024)).isAccepted());
      }
    }
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_SCHEDULER_BACKLOG) == 3L);
    assertEquals(3L * 4 * append(10, Priority.ELASTIC, 1, 16 * 1024).sizeBytes(),
        read(b, GrpcMetrics.RECEIVER_QUEUED_ELASTIC_BYTES));
    assertTrue(a.send(append(20, Priority.REGULAR, 1, 100)).isAccepted());
    assertTrue(a.send(append(21, Priority.REGULAR, 1, 100)).isAccepted());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_SCHEDULER_BACKLOG) == 5L);

    release.countDown();
    await().atMost(WAIT).until(() -> delivered.size() == 6);
    assertEquals(List.of(1L, 20L, 21L, 10L, 11L, 12L), delivered,
        "the regular appends arrived last but are delivered first");
    assertEquals(0L, read(b, GrpcMetrics.RECEIVER_QUEUED_ELASTIC_BYTES));
  }

  @Test
  void elasticAppendsBeyondTheirReceiveShareAreRefusedWhileRegularOnesAreQueued() {
    int bytes = 16 * 1024;
    long size = append(10, Priority.ELASTIC, 1, bytes).sizeBytes();
    TransportLimits limits = TransportLimits.builder().maxMessageBytes(64 * 1024).build();
    GrpcTransport a = cluster.start(S1, limits);
    GrpcTransport b = cluster.start(S2, limits, c -> c.workerThreads(1).receiverLimits(
        GrpcCluster.receiverLimitsFor(limits).toBuilder().maxMessageBytes(64 * 1024).rangeAppendQueueBytes(8 * size)
            .receiveBudgetBytes(8 * size).elasticReceiveShare(0.5).build()));
    CountDownLatch release = new CountDownLatch(1);
    List<Long> delivered = new CopyOnWriteArrayList<>();
    b.register(RangeId.of(1), (range, batch) -> {
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    b.register(RangeId.of(10), (r, batch) -> batch.forEach(e -> delivered.add(r.value())));
    b.register(RangeId.of(20), (r, batch) -> batch.forEach(e -> delivered.add(r.value())));
    assertTrue(a.send(append(1, Priority.REGULAR, 1, 100)).isAccepted());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_QUEUED_APPEND_BYTES) == 0L);
    for (long index = 1; index <= 6; index++) {
      assertTrue(a.send(append(10, Priority.ELASTIC, index, bytes)).isAccepted());
    }
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_DROPPED, DropReason.RECEIVER_BUDGET) == 2L);
    assertEquals(4 * size, read(b, GrpcMetrics.RECEIVER_QUEUED_ELASTIC_BYTES), "elastic holds half the budget");
    for (long index = 1; index <= 4; index++) {
      assertTrue(a.send(append(20, Priority.REGULAR, index, bytes)).isAccepted());
    }
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_QUEUED_APPEND_BYTES) == 8 * size);
    assertEquals(2L, read(b, GrpcMetrics.RECEIVER_DROPPED, DropReason.RECEIVER_BUDGET), "no regular append refused");
    release.countDown();
    await().atMost(WAIT).until(() -> delivered.size() == 8);
  }
}
