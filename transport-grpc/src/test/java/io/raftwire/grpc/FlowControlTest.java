package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.CreditAutoTuning;
import io.raftwire.admission.CreditWindows;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Credits and logical admission end to end, over real gRPC on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlowControlTest {
  private static final StoreId LEADER = StoreId.of(1);
  private static final StoreId FOLLOWER = StoreId.of(2);
  private static final RangeId R1 = RangeId.of(1);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long KiB = 1024;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final GrpcCluster cluster = new GrpcCluster();

  @AfterEach
  void close() {
    cluster.close();
  }

  private GrpcTransport leader(long windowBytes) {
    return cluster.start(LEADER, TransportLimits.defaults(), c -> c.admission(
        AdmissionConfig.builder().regularCreditBytes(windowBytes).elasticCreditBytes(windowBytes / 2).build()));
  }

  /** A follower whose disk admits {@code bytesPerSecond}, persisting every APPEND at once. */
  private GrpcTransport follower(long bytesPerSecond, AtomicLong delivered) {
    GrpcTransport follower = cluster.start(FOLLOWER, TransportLimits.defaults(), c -> c.admission(
        AdmissionConfig.builder()
            .libraryReportsDurability(true) // the handler below reports, as an adapter would
            .storeHealth((now, interval) -> bytesPerSecond * interval / SECOND)
            .ioTiming(SECOND, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(1))
            .regularDebtBytes(0) // admit only what the disk's tokens allow: no borrowing ahead
            .build()));
    FlowControl flow = follower.flowControl().orElseThrow();
    follower.register(R1, (range, batch) -> {
      for (RaftEnvelope e : batch) {
        List<LogEntry> entries = e.entries();
        flow.entriesDurable(DurableEntries.of(range, e.from().store(), e.priority(),
            entries.get(0).index(), entries.get(entries.size() - 1).index(), e.sizeBytes()));
        delivered.incrementAndGet();
      }
    });
    return follower;
  }

  private static RaftEnvelope append(long index, int bytes, Priority priority) {
    return RaftEnvelope.builder()
        .range(R1)
        .from(ReplicaAddress.of(LEADER, 1))
        .to(ReplicaAddress.of(FOLLOWER, 2))
        .trafficClass(TrafficClass.APPEND)
        .priority(priority)
        .payload(new byte[8])
        .entries(List.of(LogEntry.of(index, 1, new byte[bytes])))
        .build();
  }

  @Test
  void aFollowerWithASlowDiskKeepsTheLeadersInFlightBytesWithinTheCreditWindow() throws Exception {
    long window = 256 * KiB;
    GrpcTransport leader = leader(window);
    AtomicLong delivered = new AtomicLong();
    follower(2 * 1024 * KiB, delivered); // 2 MiB/s: the 2.4 MB below need over a second
    FlowControl flow = leader.flowControl().orElseThrow();
    int entries = 150;
    int entryBytes = 16 * 1024;
    long maxInFlight = 0;
    int waited = 0;
    for (long index = 1; index <= entries; index++) {
      CompletableFuture<Void> admitted = flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, entryBytes);
      if (!admitted.isDone()) {
        waited++;
      }
      admitted.get(60, TimeUnit.SECONDS);
      assertTrue(leader.send(append(index, entryBytes, Priority.REGULAR)).isAccepted());
      maxInFlight = Math.max(maxInFlight, read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES));
    }
    await().atMost(WAIT).until(() -> delivered.get() == entries);
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES) == 0L);

    long oneMessage = append(1, entryBytes, Priority.REGULAR).sizeBytes();
    assertTrue(maxInFlight <= window + oneMessage, "in flight " + maxInFlight + " > window " + window);
    assertTrue(waited > 0, "the slow disk never held a proposal back");
    assertEquals(0L, read(leader, GrpcMetrics.CREDITS_UNACCOUNTED_BYTES));
    assertEquals(entries, read(leader, GrpcMetrics.CREDITS_WAIT, "regular"));
    assertEquals(window, read(leader, GrpcMetrics.CREDITS_REGULAR_AVAILABLE, FOLLOWER));
  }

  @Test
  void aBrokenStreamReturnsItsCreditsAndReleasesWaitingProposals() throws Exception {
    GrpcTransport leader = leader(64 * KiB);
    GrpcTransport follower = follower(1, new AtomicLong()); // a disk that admits (almost) nothing
    FlowControl flow = leader.flowControl().orElseThrow();
    for (long index = 1; index <= 8; index++) {
      assertTrue(leader.send(append(index, 16 * 1024, Priority.REGULAR)).isAccepted());
    }
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_REGULAR_AVAILABLE, FOLLOWER) <= 0L);
    CompletableFuture<Void> waiting = flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, 1);
    assertFalse(waiting.isDone());

    follower.close();
    waiting.get(60, TimeUnit.SECONDS);
    assertEquals(0L, read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES));
    assertEquals(0L, read(leader, GrpcMetrics.CREDITS_UNACCOUNTED_BYTES));
  }

  @Test
  void leadershipLossReturnsCreditsAndCloseFailsWaiters() {
    GrpcTransport leader = leader(64 * KiB);
    follower(1, new AtomicLong());
    FlowControl flow = leader.flowControl().orElseThrow();
    for (long index = 1; index <= 8; index++) {
      leader.send(append(index, 16 * 1024, Priority.ELASTIC));
    }
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES) > 32 * KiB);
    assertTrue(flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, 1).isDone(), "regular not behind elastic");
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_ELASTIC_AVAILABLE, FOLLOWER) <= 0L);
    CompletableFuture<Void> elastic = flow.admitProposal(R1, List.of(FOLLOWER), Priority.ELASTIC, 1);
    assertFalse(elastic.isDone());
    flow.leadershipLost(R1);
    assertTrue(elastic.isDone());
    assertEquals(0L, read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES));

    leader.send(append(9, 64 * 1024, Priority.REGULAR));
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_REGULAR_AVAILABLE, FOLLOWER) <= 0L);
    CompletableFuture<Void> pending = flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, 1);
    leader.close();
    assertTrue(pending.isCompletedExceptionally(), "close fails waiting proposals");
  }

  @Test
  void withoutDurabilityReportsCreditsReturnOnceTheHandlerTookTheEntries() {
    GrpcTransport leader = leader(64 * KiB);
    GrpcTransport follower = cluster.start(FOLLOWER, TransportLimits.defaults()); // default admission
    AtomicLong delivered = new AtomicLong();
    follower.register(R1, (range, batch) -> delivered.addAndGet(batch.size()));
    for (long index = 1; index <= 20; index++) {
      assertTrue(leader.send(append(index, 16 * 1024, Priority.REGULAR)).isAccepted());
    }
    await().atMost(WAIT).until(() -> delivered.get() == 20);
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES) == 0L);
    assertEquals(64 * KiB, read(leader, GrpcMetrics.CREDITS_REGULAR_AVAILABLE, FOLLOWER));
  }

  @Test
  void reportedSlowWritesConstrainTheDefaultHealthSignal() {
    GrpcTransport store = cluster.start(FOLLOWER, TransportLimits.defaults(), c -> c.admission(
        AdmissionConfig.builder()
            .ioTiming(SECOND / 10, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(1))
            .build()));
    FlowControl flow = store.flowControl().orElseThrow();
    assertEquals(Long.MAX_VALUE, read(store, GrpcMetrics.IO_TOKENS_PER_INTERVAL, "regular"));
    await().atMost(WAIT).until(() -> {
      flow.recordDiskWrite(1024 * KiB, TimeUnit.MILLISECONDS.toNanos(200)); // 10x the 20 ms target
      return read(store, GrpcMetrics.IO_TOKENS_PER_INTERVAL, "regular") < Long.MAX_VALUE;
    });
  }

  @Test
  void elasticWorkIsAdmittedByIoTokens() throws Exception {
    AtomicLong delivered = new AtomicLong();
    GrpcTransport follower = follower(10 * 1024 * KiB, delivered);
    FlowControl flow = follower.flowControl().orElseThrow();
    flow.admitElasticWork(R1, 1024 * KiB).get(60, TimeUnit.SECONDS);
    assertTrue(read(follower, GrpcMetrics.IO_GRANTED_BYTES, "elastic") >= 1024 * KiB);
    assertEquals(0, read(follower, GrpcMetrics.IO_QUEUE_LENGTH, "elastic"));
  }

  @Test
  void creditWindowsChangedOnALiveTransportApplyAtOnceAndDrainInsteadOfDropping() throws Exception {
    GrpcTransport leader = leader(64 * KiB);
    follower(1, new AtomicLong()); // a disk that admits (almost) nothing: credits stay in use
    FlowControl flow = leader.flowControl().orElseThrow();
    for (long index = 1; index <= 4; index++) {
      assertTrue(leader.send(append(index, 16 * 1024, Priority.REGULAR)).isAccepted());
    }
    await().atMost(WAIT).until(() -> read(leader, GrpcMetrics.CREDITS_REGULAR_AVAILABLE, FOLLOWER) <= 0L);
    long inUse = read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES);
    CompletableFuture<Void> waiting = flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, 1);
    assertFalse(waiting.isDone());

    leader.updateCreditWindows(CreditWindows.of(1024 * KiB, 512 * KiB));
    waiting.get(60, TimeUnit.SECONDS); // the larger window has room now
    assertEquals(1024 * KiB, read(leader, GrpcMetrics.CREDITS_REGULAR_LIMIT_BYTES, FOLLOWER));
    assertEquals(512 * KiB, read(leader, GrpcMetrics.CREDITS_ELASTIC_LIMIT_BYTES, FOLLOWER));
    assertEquals(CreditWindows.of(1024 * KiB, 512 * KiB), leader.creditWindows());

    leader.updateCreditWindows(CreditWindows.of(32 * KiB, 16 * KiB));
    assertEquals(32 * KiB - inUse, read(leader, GrpcMetrics.CREDITS_REGULAR_AVAILABLE, FOLLOWER),
        "what was in use stays in use: the stream is in debt");
    assertEquals(inUse, read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES), "nothing sent was returned or dropped");
    assertFalse(flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, 1).isDone(), "it drains first");
    assertEquals(0L, read(leader, GrpcMetrics.CREDITS_UNACCOUNTED_BYTES));
  }

  @Test
  void withAutoTuningTheDataStreamMeasuresItsRoundTripAndHttp2NeverCapsTheLargestWindow() throws Exception {
    CreditAutoTuning tuning = CreditAutoTuning.builder()
        .maxElasticCreditBytes(64 * 1024 * KiB).intervalNanos(TimeUnit.MILLISECONDS.toNanos(50)).build();
    GrpcTransport leader = cluster.start(LEADER, TransportLimits.defaults(), c -> c.admission(
        AdmissionConfig.builder().creditAutoTuning(tuning).build()));
    AtomicLong delivered = new AtomicLong();
    follower(1024 * 1024 * KiB, delivered);
    FlowControl flow = leader.flowControl().orElseThrow();
    long index = 0;
    do { // until a tuning interval has seen an acknowledged frame
      index++;
      flow.admitProposal(R1, List.of(FOLLOWER), Priority.REGULAR, 1024).get(60, TimeUnit.SECONDS);
      assertTrue(leader.send(append(index, 1024, Priority.REGULAR)).isAccepted());
      long sent = index;
      await().atMost(WAIT).until(() -> delivered.get() == sent);
    } while (read(leader, GrpcMetrics.CREDITS_ROUND_TRIP_NANOS, FOLLOWER) == 0L);
    assertTrue(read(leader, GrpcMetrics.CREDITS_ROUND_TRIP_NANOS, FOLLOWER) > 0L);
    assertTrue(read(leader, GrpcMetrics.CREDITS_WINDOW_SCALE, FOLLOWER) >= 1L);

    GrpcTransportConfig fixed = GrpcTransportConfig.builder(LEADER, StoreResolver.of(java.util.Map.of()))
        .security(PeerSecurity.insecure()).build();
    GrpcTransportConfig tuned = GrpcTransportConfig.builder(LEADER, StoreResolver.of(java.util.Map.of()))
        .security(PeerSecurity.insecure())
        .admission(AdmissionConfig.builder().creditAutoTuning(tuning).build()).build();
    assertEquals(fixed.streamWindowBytes(), GrpcTransportImpl.http2WindowBytes(fixed), "without tuning: as configured");
    assertEquals(128 * 1024 * KiB, GrpcTransportImpl.http2WindowBytes(tuned),
        "with tuning: the largest regular window (2 x the 64 MiB elastic maximum)");
  }
}
