package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour of the gRPC transport over real sockets on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcTransportTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S9 = StoreId.of(9);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long KiB = 1024;
  private static final long MiB = 1024 * KiB;

  private final GrpcCluster cluster = new GrpcCluster();
  private final List<AutoCloseable> others = new ArrayList<>();
  /** Sequence numbers delivered to range 1 of the transports passed to {@link #recordInto}. */
  private final ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();

  private void recordInto(GrpcTransport transport) {
    transport.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> received.add(seq(e))));
  }

  private void sendAndAwait(GrpcTransport from, StoreId to, TrafficClass lane, long seq) {
    assertTrue(from.send(message(from.localStore(), to, 1, lane, seq, 10)).isAccepted());
    await().atMost(WAIT).until(() -> received.contains(seq));
  }

  @AfterEach
  void close() throws Exception {
    cluster.close();
    for (AutoCloseable c : others) {
      c.close();
    }
  }

  static RaftEnvelope message(StoreId from, StoreId to, long range, TrafficClass lane, long seq, int bytes) {
    RaftEnvelope.Builder b =
        RaftEnvelope.builder()
            .range(RangeId.of(range))
            .from(ReplicaAddress.of(from, 1))
            .to(ReplicaAddress.of(to, 2))
            .trafficClass(lane)
            .payload(ByteBuffer.allocate(8).putLong(seq).array());
    if (lane == TrafficClass.APPEND) {
      b.entries(List.of(LogEntry.of(seq + 1, 1, new byte[bytes])));
    }
    return b.build();
  }

  static long seq(RaftEnvelope e) {
    return e.payload().getLong(0);
  }

  static long seq(Envelope wire) {
    return wire.getPayload().asReadOnlyByteBuffer().getLong(0);
  }

  @Test
  void controlStillArrivesWhileTheAppendStreamIsNotReadyAndItsLaneIsFull() {
    StallingPeer peer = new StallingPeer(9);
    others.add(peer);
    cluster.addresses.put(S9, peer.address());
    TransportLimits limits =
        TransportLimits.builder().appendLaneBytes(4 * MiB).globalQueueBytes(64 * MiB).maxMessageBytes(64 * KiB).build();
    GrpcTransport a = cluster.start(S1, limits);
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);

    List<Long> accepted = new ArrayList<>();
    DropReason refusal = null;
    for (long seq = 0; seq < 2000 && refusal == null; seq++) {
      SendResult result = a.send(message(S1, S9, 1 + seq % 8, TrafficClass.APPEND, seq, 16 * 1024));
      if (result.isAccepted()) {
        accepted.add(seq);
      } else {
        refusal = result.reason().orElseThrow();
      }
    }
    assertEquals(DropReason.LANE_BUDGET, refusal, "the lane never filled");
    long charged = read(a, GrpcMetrics.SENDER_CHARGED_BYTES, S9, "append");
    long queued = read(a, GrpcMetrics.SENDER_QUEUED_BYTES, S9, "append");
    assertTrue(charged <= 4 * MiB, "charged " + charged + " bytes over a 4 MiB lane");
    assertTrue(queued > 0, "nothing waited in the lane: the stream never stopped being ready");
    // The writer respects readiness: while the peer reads nothing, the lane does not drain into
    // gRPC's buffers.
    await().during(Duration.ofMillis(300)).atMost(WAIT)
        .until(() -> read(a, GrpcMetrics.SENDER_QUEUED_BYTES, S9, "append") > 0 && peer.data.isEmpty());
    await().atMost(WAIT).until(() -> drops.stream().anyMatch(d -> d.reason() == DropReason.LANE_BUDGET && !d.acceptedBySend()));

    for (long seq = 0; seq < 10; seq++) {
      assertTrue(a.send(message(S1, S9, 1, TrafficClass.CONTROL, seq, 0)).isAccepted());
    }
    await().atMost(WAIT).until(() -> peer.control.size() == 10);

    peer.resume();
    await().atMost(WAIT).until(() -> peer.data.size() == accepted.size());
    await().atMost(WAIT).until(() -> read(a, GrpcMetrics.SENDER_CHARGED_BYTES, S9, "append") == 0L);
    Map<Long, List<Long>> perRange = new HashMap<>();
    for (Envelope e : peer.data) {
      perRange.computeIfAbsent(e.getRangeId(), r -> new ArrayList<>()).add(seq(e));
    }
    for (List<Long> seqs : perRange.values()) {
      List<Long> sorted = new ArrayList<>(seqs);
      sorted.sort(null);
      assertEquals(sorted, seqs, "per-range FIFO");
    }
    assertTrue(a.send(message(S1, S9, 1, TrafficClass.APPEND, 99_999, 16 * 1024)).isAccepted());
  }

  @Test
  void slowReceiverStaysWithinItsBudgetsAndRecoversWhenTheHandlerResumes() {
    TransportLimits limits = TransportLimits.builder().appendLaneBytes(1 * MiB).maxMessageBytes(64 * KiB).build();
    GrpcTransport a = cluster.start(S1, limits);
    GrpcTransport b = cluster.start(S2, limits);
    long rangeBudget = b.receiverLimits().rangeAppendQueueBytes();
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong delivered = new AtomicLong();
    b.register(
        RangeId.of(1),
        (range, batch) -> {
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          delivered.addAndGet(batch.size());
        });

    long maxQueued = 0;
    long maxCharged = 0;
    for (long seq = 0; seq < 400; seq++) {
      a.send(message(S1, S2, 1, TrafficClass.APPEND, seq, 8 * 1024));
      maxQueued = Math.max(maxQueued, read(b, GrpcMetrics.RECEIVER_QUEUED_APPEND_BYTES));
      maxCharged = Math.max(maxCharged, read(a, GrpcMetrics.SENDER_CHARGED_BYTES, S2, "append"));
    }
    await().atMost(WAIT).until(() -> drops.stream().anyMatch(d -> d.reason() == DropReason.RECEIVER_BUDGET));
    assertTrue(maxQueued <= rangeBudget, "receiver queued " + maxQueued + " > " + rangeBudget);
    assertTrue(maxCharged <= 1 * MiB, "sender charged " + maxCharged);
    for (DroppedMessage d : drops) {
      assertTrue(d.acceptedBySend() ? d.reason() == DropReason.RECEIVER_BUDGET : d.reason() == DropReason.LANE_BUDGET, d.toString());
    }
    assertTrue(read(b, GrpcMetrics.RECEIVER_DROPPED, DropReason.RECEIVER_BUDGET) > 0);

    release.countDown();
    long before = delivered.get();
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_QUEUED_APPEND_BYTES) == 0L);
    assertTrue(a.send(message(S1, S2, 1, TrafficClass.APPEND, 1000, 8 * 1024)).isAccepted());
    await().atMost(WAIT).until(() -> delivered.get() > before);
  }

  @Test
  void reconnectsAfterTheDestinationRestartsAndReportsWhatWasRefusedMeanwhile() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults());
    recordInto(b);
    sendAndAwait(a, S2, TrafficClass.CONTROL, 1);
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);

    java.net.InetSocketAddress address = b.listenAddress();
    b.close();
    await().atMost(WAIT).until(() -> !a.isReachable(S2));
    SendResult whileDown = a.send(message(S1, S2, 1, TrafficClass.CONTROL, 2, 0));
    assertEquals(java.util.Optional.of(DropReason.UNREACHABLE), whileDown.reason());
    await().atMost(WAIT).until(() -> drops.stream().anyMatch(d -> seq(d.envelope().orElseThrow()) == 2 && d.reason() == DropReason.UNREACHABLE));

    GrpcTransport restarted = cluster.start(cluster.config(S2, TransportLimits.defaults()).listenAddress(address).build());
    recordInto(restarted);
    await().atMost(WAIT).until(() -> a.isReachable(S2));
    sendAndAwait(a, S2, TrafficClass.CONTROL, 3);
    sendAndAwait(a, S2, TrafficClass.APPEND, 4);
    assertTrue(read(a, GrpcMetrics.SENDER_RECONNECTS, S2) >= 1);
    assertEquals(1, read(a, GrpcMetrics.SENDER_BREAKER, S2), "breaker healthy again");
  }

  /** A reconnect backoff far longer than any wait below: what happens within a wait did not wait it out. */
  private static final long MINUTE_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final Duration WELL_WITHIN_THE_BACKOFF = Duration.ofSeconds(20);

  /** s1 whose breaker to s2 is open for a minute, because s2 stopped; s1 records into range 1. */
  private GrpcTransport s1WithItsBreakerToS2OpenForAMinute() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults(),
        c -> c.reconnectBackoff(MINUTE_NANOS, MINUTE_NANOS, 2.0, 0.0));
    recordInto(a);
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults());
    recordInto(b);
    sendAndAwait(a, S2, TrafficClass.CONTROL, 1);
    b.close();
    await().atMost(WAIT).until(() -> !a.isReachable(S2));
    return a;
  }

  /** s2 again, on the address it had. */
  private GrpcTransport restartS2() {
    GrpcTransport restarted =
        cluster.start(cluster.config(S2, TransportLimits.defaults()).listenAddress(cluster.addresses.get(S2)).build());
    recordInto(restarted);
    return restarted;
  }

  @Test
  void aRestartedStoreThatSaysHelloIsReconnectedToAtOnceRatherThanAfterTheBackoff() {
    GrpcTransport a = s1WithItsBreakerToS2OpenForAMinute();
    GrpcTransport b = restartS2();
    assertFalse(a.isReachable(S2), "s2 is up, but s1's breaker waits out its minute");

    sendAndAwait(b, S1, TrafficClass.CONTROL, 2); // s2's stream to s1 starts with its hello
    await().atMost(WELL_WITHIN_THE_BACKOFF).until(() -> a.isReachable(S2));
    sendAndAwait(a, S2, TrafficClass.CONTROL, 3);
    sendAndAwait(a, S2, TrafficClass.APPEND, 4);
    assertEquals(1, read(a, GrpcMetrics.SENDER_REDIALS_ON_HELLO, S2));
    assertEquals(1, read(a, GrpcMetrics.SENDER_BREAKER, S2), "breaker healthy again");
  }

  @Test
  void aRefusedHelloOrOneForAnotherStoreDoesNotBringTheProbeForward() throws Exception {
    GrpcTransport a = s1WithItsBreakerToS2OpenForAMinute();
    GrpcTransport b = restartS2();
    RawPeer raw = RawPeer.plaintext(a.listenAddress());
    others.add(raw);

    RawPeer.Responses wrongVersion = new RawPeer.Responses();
    ClientFrame hello = RawPeer.hello(2, 1, Lane.LANE_CONTROL);
    raw.open(wrongVersion).onNext(hello.toBuilder().setHello(hello.getHello().toBuilder().setProtocolVersion(99)).build());
    assertEquals(Status.Code.FAILED_PRECONDITION, wrongVersion.end.get(30, TimeUnit.SECONDS).getCode());
    RawPeer.Responses staleAddress = new RawPeer.Responses();
    raw.open(staleAddress).onNext(RawPeer.hello(2, 9, Lane.LANE_CONTROL)); // s2 believes s9 is here
    staleAddress.helloAck.get(30, TimeUnit.SECONDS); // answered, but says nothing of s2's own address
    assertEquals(0, read(a, GrpcMetrics.SENDER_REDIALS_ON_HELLO, S2));
    assertFalse(a.isReachable(S2));

    sendAndAwait(b, S1, TrafficClass.CONTROL, 2); // the real hello
    await().atMost(WELL_WITHIN_THE_BACKOFF).until(() -> a.isReachable(S2));
    assertEquals(1, read(a, GrpcMetrics.SENDER_REDIALS_ON_HELLO, S2));
  }

  @Test
  void followsAStoreToItsNewAddress() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults());
    recordInto(b);
    sendAndAwait(a, S2, TrafficClass.CONTROL, 1);
    b.close();
    recordInto(cluster.start(S2, TransportLimits.defaults())); // a new ephemeral port
    await().atMost(WAIT).until(() -> a.isReachable(S2));
    sendAndAwait(a, S2, TrafficClass.CONTROL, 2);
  }

  @Test
  void everyAcceptedMessageOf64RangesArrivesExactlyOnceInOrderPerLane() {
    everyMessageArrivesOnceInOrder(2);
  }

  @Test
  void withFramesReadOnTheNetworkThreadsEveryMessageStillArrivesOnceInOrder() {
    everyMessageArrivesOnceInOrder(0);
  }

  private void everyMessageArrivesOnceInOrder(int receiveThreads) {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults(), c -> c.receiveThreads(receiveThreads));
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults(), c -> c.receiveThreads(receiveThreads));
    int ranges = 64;
    int perLane = 150;
    Map<Long, ConcurrentLinkedQueue<RaftEnvelope>> inboxes = new HashMap<>();
    AtomicLong total = new AtomicLong();
    for (long r = 1; r <= ranges; r++) {
      ConcurrentLinkedQueue<RaftEnvelope> inbox = new ConcurrentLinkedQueue<>();
      inboxes.put(r, inbox);
      b.register(RangeId.of(r), (range, batch) -> {
        inbox.addAll(batch);
        total.addAndGet(batch.size());
      });
    }
    for (int seq = 0; seq < perLane; seq++) {
      for (long r = 1; r <= ranges; r++) {
        assertTrue(a.send(message(S1, S2, r, TrafficClass.APPEND, seq, 256)).isAccepted());
        assertTrue(a.send(message(S1, S2, r, TrafficClass.CONTROL, seq, 0)).isAccepted());
      }
    }
    long expected = 2L * ranges * perLane;
    await().atMost(WAIT).until(() -> total.get() >= expected);
    assertEquals(expected, total.get(), "duplicates delivered");
    List<Long> inOrder = new ArrayList<>();
    for (long s = 0; s < perLane; s++) {
      inOrder.add(s);
    }
    for (Map.Entry<Long, ConcurrentLinkedQueue<RaftEnvelope>> e : inboxes.entrySet()) {
      for (TrafficClass lane : List.of(TrafficClass.APPEND, TrafficClass.CONTROL)) {
        List<Long> seqs = new ArrayList<>();
        e.getValue().stream().filter(m -> m.trafficClass() == lane).forEach(m -> seqs.add(seq(m)));
        assertEquals(inOrder, seqs, "r" + e.getKey() + " " + lane);
      }
    }
    assertTrue(a.metrics().histogram(GrpcMetrics.SENDER_BATCH_MESSAGES.of(S1, S2, "data")).getSnapshot().getMax() > 1,
        "appends were never batched");
  }

  @Test
  void keepsBatchesWithinTheFrameLimitTheReceiverAnnounces() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults(), c -> c.targetBatchBytes(16 * MiB));
    // Frame limit of s2: 64 KiB batch + 2 x 64 KiB message + 64 KiB slack = 256 KiB; its range
    // queue holds everything this test sends.
    GrpcTransport b =
        cluster.start(S2, TransportLimits.defaults(), c -> c.targetBatchBytes(64 * KiB)
            .receiverLimits(ReceiverLimits.builder().maxMessageBytes(64 * KiB).build()));
    AtomicLong delivered = new AtomicLong();
    b.register(RangeId.of(1), (range, batch) -> delivered.addAndGet(batch.size()));
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);

    for (int i = 0; i < 200; i++) {
      assertTrue(a.send(message(S1, S2, 1, TrafficClass.APPEND, i, 32 * 1024)).isAccepted());
    }
    assertTrue(a.send(message(S1, S2, 1, TrafficClass.APPEND, 999, 1024 * 1024)).isAccepted());
    await().atMost(WAIT).until(() -> delivered.get() == 200 && drops.size() == 1);
    assertEquals(DropReason.TOO_LARGE, drops.peek().reason(), "cannot fit a frame: refused, not sent");
    assertTrue(a.metrics().histogram(GrpcMetrics.SENDER_BATCH_BYTES.of(S1, S2, "data")).getSnapshot().getMax() < 256 * KiB);
    assertEquals(0, read(a, GrpcMetrics.SENDER_RECONNECTS, S2), "no stream broke");
  }

  @Test
  void idleStreamsAreClosedAndReopenedOnDemand() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults(),
        c -> c.idleStreamTimeoutNanos(TimeUnit.MILLISECONDS.toNanos(100)));
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults());
    recordInto(b);
    sendAndAwait(a, S2, TrafficClass.APPEND, 1);
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS) == 0);
    assertTrue(a.isReachable(S2), "an idle close is not a failure");
    sendAndAwait(a, S2, TrafficClass.APPEND, 2);
    assertEquals(0, read(a, GrpcMetrics.SENDER_RECONNECTS, S2));
  }

  @Test
  void countsBytesBetweenZones() {
    Map<StoreId, io.raftwire.topology.Locality> zones = Map.of(
        S1, io.raftwire.topology.Locality.parse("region=eu,zone=a"),
        S2, io.raftwire.topology.Locality.parse("region=eu,zone=b"));
    StoreResolver resolver = StoreResolver.of(cluster.addresses, zones);
    GrpcTransport a = cluster.start(GrpcTransportConfig.builder(S1, resolver).security(PeerSecurity.insecure()).locality(zones.get(S1)).build());
    GrpcTransport b = cluster.start(GrpcTransportConfig.builder(S2, resolver).security(PeerSecurity.insecure()).locality(zones.get(S2)).build());
    recordInto(b);
    sendAndAwait(a, S2, TrafficClass.APPEND, 1);
    RaftEnvelope sent = message(S1, S2, 1, TrafficClass.APPEND, 1, 10);
    long carried = sent.payloadSize() + sent.entries().stream().mapToLong(e -> e.dataSize()).sum();
    long all = read(a, GrpcMetrics.SENDER_ZONE_BYTES, "a", "b");
    long data = read(a, GrpcMetrics.SENDER_ZONE_DATA_BYTES, "a", "b");
    assertTrue(data >= carried, "the serialized APPEND counts at least its payload and entries: " + data);
    assertTrue(all >= data, "zone bytes include the DATA stream's: " + all + " < " + data);
  }

  @Test
  void metricsDescribeTrafficBudgetsAndLatency() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults());
    AtomicLong delivered = new AtomicLong();
    b.register(RangeId.of(1), (range, batch) -> delivered.addAndGet(batch.size()));
    for (int i = 0; i < 50; i++) {
      a.send(message(S1, S2, 1, TrafficClass.APPEND, i, 100));
      a.send(message(S1, S2, 1, TrafficClass.CONTROL, i, 0));
    }
    a.send(message(S1, S2, 1, TrafficClass.APPEND, 0, 9 * (int) MiB)); // refused: too large
    await().atMost(WAIT).until(() -> delivered.get() == 100);
    assertEquals(50, read(a, GrpcMetrics.SENDER_ACCEPTED, S2, "append"));
    assertEquals(50, read(a, GrpcMetrics.SENDER_ACCEPTED, S2, "control"));
    assertEquals(1, read(a, GrpcMetrics.SENDER_REFUSED, DropReason.TOO_LARGE));
    assertTrue(read(a, GrpcMetrics.SENDER_QUEUE_WAIT, S2, "data") > 0);
    assertTrue(read(a, GrpcMetrics.SENDER_BATCH_BYTES, S2, "control") > 0);
    assertEquals(0L, read(a, GrpcMetrics.SENDER_GLOBAL_CHARGED_BYTES), "all acknowledged");
    assertTrue(read(b, GrpcMetrics.RECEIVER_DELIVER_LATENCY) > 0);
    assertTrue(read(b, GrpcMetrics.RECEIVER_HANDLER_TIME) > 0);
    assertEquals(0, read(b, GrpcMetrics.RECEIVER_SCHEDULER_BACKLOG));
    assertFalse(a.metrics().getNames().isEmpty());
  }
}
