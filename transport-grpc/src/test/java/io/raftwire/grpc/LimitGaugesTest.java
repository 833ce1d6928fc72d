package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every budget, window and cap is a gauge beside its usage, reads the value in force (a change at
 * run time included), and the receiver's per-range queue gauges follow the ranges that have bytes
 * queued.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimitGaugesTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long MiB = 1024 * 1024;

  private final GrpcCluster cluster = new GrpcCluster();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    cluster.close();
  }

  private static RaftEnvelope append(long range, long index) {
    return RaftEnvelope.builder().range(RangeId.of(range)).from(ReplicaAddress.of(S1, 1)).to(ReplicaAddress.of(S2, 2))
        .trafficClass(TrafficClass.APPEND).priority(Priority.REGULAR)
        .entries(List.of(LogEntry.of(index, 1, new byte[1000]))).payload(new byte[1]).build();
  }

  @Test
  void everyLimitGaugeReadsTheLimitInForceAndTheRangeGaugesFollowTheQueues() {
    AdmissionConfig admission = AdmissionConfig.builder().regularCreditBytes(4 * MiB).elasticCreditBytes(2 * MiB).build();
    GrpcTransport s1 = cluster.start(S1, TransportLimits.defaults(), c -> c.admission(admission));
    GrpcTransport s2 = cluster.start(S2, TransportLimits.defaults(), c -> c.workerThreads(1).rangeQueueGauges(2));
    CountDownLatch entered = new CountDownLatch(1);
    s2.register(RangeId.of(7), (range, batch) -> {
      entered.countDown();
      try {
        release.await(60, TimeUnit.SECONDS); // holds the only worker: what comes next stays queued
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    for (long range = 1; range <= 5; range++) {
      s2.register(RangeId.of(range), (r, batch) -> {});
    }
    assertNull(s1.send(append(7, 1)).reason().orElse(null));

    TransportLimits limits = s1.limits();
    assertEquals(limits.globalQueueBytes(), read(s1, GrpcMetrics.SENDER_GLOBAL_LIMIT_BYTES));
    assertEquals(limits.elasticGlobalQueueBytes(), read(s1, GrpcMetrics.SENDER_ELASTIC_LIMIT_BYTES));
    await().atMost(WAIT).until(() -> s1.metrics().getGauges().containsKey(GrpcMetrics.SENDER_LIMIT_BYTES.of(S1, S2, "append")));
    assertEquals(limits.appendLaneBytes(), read(s1, GrpcMetrics.SENDER_LIMIT_BYTES, S2, "append"));
    assertEquals(limits.controlLaneBytes(), read(s1, GrpcMetrics.SENDER_LIMIT_BYTES, S2, "control"));
    assertEquals(limits.snapshotLaneBytes(), read(s1, GrpcMetrics.SENDER_LIMIT_BYTES, S2, "snapshot"));
    assertEquals(limits.elasticAppendLaneBytes(), read(s1, GrpcMetrics.SENDER_ELASTIC_LANE_LIMIT_BYTES, S2));
    assertEquals((long) (limits.controlLaneBytes() * limits.elasticQueueShare()),
        read(s1, GrpcMetrics.SENDER_ELASTIC_CONTROL_LIMIT_BYTES, S2));
    GrpcTransportConfig defaults = GrpcTransportConfig.builder(S1, StoreResolver.of(cluster.addresses))
        .security(PeerSecurity.insecure()).build();
    assertEquals(defaults.elasticInflightBytes(), read(s1, GrpcMetrics.SENDER_ELASTIC_INFLIGHT_LIMIT_BYTES, S2));
    assertEquals(defaults.heartbeatQueueBytes(), read(s1, GrpcMetrics.SENDER_HEARTBEATS_LIMIT_BYTES, S2));
    assertEquals(defaults.dropNoticeBudgetBytes(), read(s1, GrpcMetrics.SENDER_DROP_NOTICES_LIMIT_BYTES));
    assertEquals(4 * MiB, read(s1, GrpcMetrics.CREDITS_REGULAR_LIMIT_BYTES, S2));
    assertEquals(2 * MiB, read(s1, GrpcMetrics.CREDITS_ELASTIC_LIMIT_BYTES, S2));

    ReceiverLimits receiving = s2.receiverLimits();
    assertEquals(receiving.receiveBudgetBytes(), read(s2, GrpcMetrics.RECEIVER_LIMIT_APPEND_BYTES));
    assertEquals(receiving.controlBudgetBytes(), read(s2, GrpcMetrics.RECEIVER_LIMIT_CONTROL_BYTES));
    assertEquals(receiving.elasticReceiveBudgetBytes(), read(s2, GrpcMetrics.RECEIVER_LIMIT_ELASTIC_BYTES));
    assertEquals((long) (receiving.controlBudgetBytes() * receiving.elasticReceiveShare()),
        read(s2, GrpcMetrics.RECEIVER_LIMIT_ELASTIC_CONTROL_BYTES));
    assertEquals(receiving.rangeAppendQueueBytes(), read(s2, GrpcMetrics.RECEIVER_RANGE_LIMIT_APPEND_BYTES));
    assertEquals(receiving.rangeControlQueueBytes(), read(s2, GrpcMetrics.RECEIVER_RANGE_LIMIT_CONTROL_BYTES));
    assertEquals(defaults.heartbeatReceiveBytes(), read(s2, GrpcMetrics.RECEIVER_HEARTBEATS_LIMIT_BYTES));

    // a change at run time shows at the next read
    s1.updateLimits(limits.toBuilder().appendLaneBytes(limits.appendLaneBytes() / 2).build());
    assertEquals(limits.appendLaneBytes() / 2, read(s1, GrpcMetrics.SENDER_LIMIT_BYTES, S2, "append"));
    s2.updateReceiverLimits(receiving.toBuilder().receiveBudgetBytes(receiving.receiveBudgetBytes() * 2).build());
    assertEquals(receiving.receiveBudgetBytes() * 2, read(s2, GrpcMetrics.RECEIVER_LIMIT_APPEND_BYTES));

    // a second APPEND waits behind the held worker: range 7 is one of the two ranges with gauges
    await().atMost(WAIT).until(() -> entered.getCount() == 0);
    assertNull(s1.send(append(7, 2)).reason().orElse(null));
    String r7 = GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES.of(S2, RangeId.of(7));
    await().atMost(WAIT).until(() -> s2.metrics().getGauges().containsKey(r7) && read(s2,
        GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES, RangeId.of(7)) > 0);
    assertEquals(2, perRangeAppendGauges(s2).size(), "rangeQueueGauges(2): " + perRangeAppendGauges(s2));
    assertTrue(read(s2, GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES, RangeId.of(7))
        <= read(s2, GrpcMetrics.RECEIVER_RANGE_LIMIT_APPEND_BYTES));
  }

  private static List<String> perRangeAppendGauges(GrpcTransport transport) {
    Pattern family = Pattern.compile(GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES.pattern()
        .replace(".", "\\.").replace("*", "[^.]+"));
    List<String> names = new ArrayList<>();
    for (String name : transport.metrics().getGauges().keySet()) {
      if (family.matcher(name).matches()) {
        names.add(name);
      }
    }
    return names;
  }
}
