package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The gRPC example of README.md, kept compiling and passing here. Change both together. */
class GrpcReadmeExampleTest {

  @Test
  void readmeExample() {
    AtomicBoolean delivered = new AtomicBoolean();
    // --- README example begins
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);

    GrpcTransport store1 = GrpcTransport.start(
        GrpcTransportConfig.builder(StoreId.of(1), resolver).security(PeerSecurity.insecure())
            .limits(TransportLimits.builder().appendLaneBytes(32L << 20).build())
            .build());
    GrpcTransport store2 = GrpcTransport.start(
        GrpcTransportConfig.builder(StoreId.of(2), resolver).security(PeerSecurity.insecure())
            .receiverLimits(ReceiverLimits.builder().rangeAppendQueueBytes(8L << 20).build())
            .build());
    addresses.put(StoreId.of(1), store1.listenAddress());   // 127.0.0.1, ephemeral port
    addresses.put(StoreId.of(2), store2.listenAddress());

    store2.register(RangeId.of(7), (range, batch) -> delivered.set(true));
    store1.send(RaftEnvelope.builder()
        .range(RangeId.of(7))
        .from(ReplicaAddress.of(StoreId.of(1), 1))
        .to(ReplicaAddress.of(StoreId.of(2), 2))
        .trafficClass(TrafficClass.CONTROL)
        .payload(new byte[] {1})
        .build());
    // Budgets change at runtime; every queue, drop and latency is in store1.metrics().
    store1.updateLimits(store1.limits().toBuilder().appendLaneBytes(64L << 20).build());
    // --- README example ends
    try {
      await().until(delivered::get);
      assertTrue(Readings.read(store1, GrpcMetrics.SENDER_ACCEPTED, StoreId.of(2), "control") == 1);
    } finally {
      store1.close();
      store2.close();
    }
  }

  @Test
  void flowControlExample() throws Exception {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);
    RangeId range = RangeId.of(7);
    StoreId follower = StoreId.of(2);
    long bytes = 4096;
    // --- README flow control example begins
    GrpcTransport transport = GrpcTransport.start(
        GrpcTransportConfig.builder(StoreId.of(1), resolver).security(PeerSecurity.insecure())
            .admission(AdmissionConfig.builder()
                .regularCreditBytes(16L << 20)        // in flight per follower stream
                .provisionedWriteBytesPerSecond(200L << 20) // elastic work: at most half
                .libraryReportsDurability(true)       // the adapter calls entriesDurable
                .build())
            .build());
    FlowControl flow = transport.flowControl().orElseThrow();

    // Leader, before proposing: wait for credits without blocking a thread.
    CompletableFuture<Void> proposed =
        flow.admitProposal(range, List.of(follower), Priority.REGULAR, bytes)
            .thenRun(() -> { /* propose to Raft here */ });

    // Follower, after fsync: report the entries, and what the write cost (IO tokens follow it).
    flow.entriesDurable(DurableEntries.of(range, StoreId.of(1), Priority.REGULAR, 10, 12, bytes));
    flow.recordDiskWrite(bytes, TimeUnit.MILLISECONDS.toNanos(3));
    // --- README flow control example ends
    try {
      proposed.get(30, TimeUnit.SECONDS);
      assertTrue(Readings.exists(transport, GrpcMetrics.IO_TOKENS_PER_INTERVAL));
    } finally {
      transport.close();
    }
  }
}
