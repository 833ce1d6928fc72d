package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.TransportLimits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Coalesced heartbeats and store liveness over real gRPC on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HeartbeatsTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S9 = StoreId.of(9);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final GrpcCluster cluster = new GrpcCluster();
  private final List<AutoCloseable> others = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    cluster.close();
    for (AutoCloseable c : others) {
      c.close();
    }
  }

  private static Heartbeat beat(StoreId from, StoreId to, long range, long value) {
    return Heartbeat.of(RangeId.of(range), ReplicaAddress.of(from, 1), ReplicaAddress.of(to, 2),
        ByteBuffer.allocate(8).putLong(value).array());
  }

  private static long value(Heartbeat h) {
    return h.payload().getLong(0);
  }

  /** Records what a store's heartbeat handler is handed. */
  private static final class Recorder implements HeartbeatHandler {
    final Map<Long, Long> latest = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    final ConcurrentLinkedQueue<String> undelivered = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    final StoreId self;

    Recorder(StoreId self) {
      this.self = self;
    }

    @Override
    public void deliver(StoreId from, List<Heartbeat> heartbeats) {
      calls.incrementAndGet();
      for (Heartbeat h : heartbeats) {
        if (!h.from().store().equals(from) || !h.to().store().equals(self) || h.to().replicaId() != 2) {
          problems.add(h.toString());
        }
        latest.put(h.range().value(), value(h));
      }
    }

    @Override
    public void undelivered(StoreId to, List<Heartbeat> heartbeats, DropReason reason) {
      for (Heartbeat h : heartbeats) {
        undelivered.add(to + ":" + h.range().value() + ":" + reason);
      }
    }
  }

  private static Heartbeats heartbeats(GrpcTransport transport) {
    return transport.heartbeats().orElseThrow();
  }

  @Test
  void heartbeatsOfAThousandRangesQueuedWithinTheLingerReachEveryRangeInOneHandlerCall() {
    FakeTimebase clock = new FakeTimebase();
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults(),
        b -> b.timebase(clock).heartbeatLingerNanos(TimeUnit.MILLISECONDS.toNanos(5)));
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults());
    Recorder received = new Recorder(S2);
    heartbeats(b).register(received);

    for (long range = 1; range <= 1000; range++) {
      assertTrue(heartbeats(a).send(beat(S1, S2, range, range * 10)).isAccepted());
    }
    clock.advance(Duration.ofMillis(5)); // the linger ends: one flush carries all of them
    await().atMost(WAIT).until(() -> received.latest.size() == 1000);
    for (long range = 1; range <= 1000; range++) {
      assertEquals(range * 10, received.latest.get(range));
    }
    assertEquals(List.of(), List.copyOf(received.problems));
    assertEquals(1, received.calls.get(), "one wire message, one handler call");
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_HEARTBEATS_DELIVERIES));
    assertEquals(1000, read(b, GrpcMetrics.RECEIVER_HEARTBEATS_DELIVERED));
    assertEquals(1000, read(a, GrpcMetrics.SENDER_HEARTBEATS_ACCEPTED));
    await().atMost(WAIT).until(() -> read(a, GrpcMetrics.SENDER_HEARTBEATS_CHARGED_BYTES) == 0);
  }

  @Test
  void heartbeatsToAStoreWithoutAHeartbeatHandlerAreReportedOncePerRange() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    cluster.start(S2, TransportLimits.defaults());
    Recorder sender = new Recorder(S1);
    heartbeats(a).register(sender);
    for (long range = 1; range <= 5; range++) {
      assertTrue(heartbeats(a).send(beat(S1, S2, range, range)).isAccepted());
    }
    await().atMost(WAIT).until(() -> sender.undelivered.size() >= 5);
    await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> sender.undelivered.size() == 5);
    for (long range = 1; range <= 5; range++) {
      assertTrue(sender.undelivered.contains("s2:" + range + ":UNKNOWN_RANGE"), sender.undelivered.toString());
    }
    assertEquals(5, read(a, GrpcMetrics.SENDER_HEARTBEATS_UNDELIVERED));
  }

  @Test
  void heartbeatsQueuedForAStoreThatCannotBeReachedAreReportedUnreachableOncePerRange() throws Exception {
    java.net.ServerSocket unused = new java.net.ServerSocket(0);
    int port = unused.getLocalPort();
    unused.close(); // nothing listens there now
    cluster.addresses.put(S9, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    Recorder sender = new Recorder(S1);
    heartbeats(a).register(sender);
    for (long range = 1; range <= 3; range++) {
      assertTrue(heartbeats(a).send(beat(S1, S9, range, range)).isAccepted());
    }
    await().atMost(WAIT).until(() -> sender.undelivered.size() >= 3);
    assertEquals(3, sender.undelivered.stream().filter(s -> s.endsWith(":UNREACHABLE")).distinct().count(),
        sender.undelivered.toString());
    await().atMost(WAIT).until(() -> !a.isReachable(S9));
    assertEquals(DropReason.UNREACHABLE, heartbeats(a).send(beat(S1, S9, 1, 1)).reason().orElseThrow());
  }

  @Test
  void responsesAreNeverRefusedWhileHeartbeatsSaturateTheirOwnBudgets() throws Exception {
    TransportLimits limits = TransportLimits.defaults();
    GrpcTransport a = cluster.start(S1, limits, b -> b.heartbeatQueueBytes(8 * 1024));
    GrpcTransport b = cluster.start(S2, limits, c -> c.heartbeatReceiveBytes(4 * 1024));
    CountDownLatch release = new CountDownLatch(1);
    heartbeats(b).register(new HeartbeatHandler() {
      @Override
      public void deliver(StoreId from, List<Heartbeat> heartbeats) {
        try {
          release.await(); // a stuck library: its heartbeats pile up
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void undelivered(StoreId to, List<Heartbeat> heartbeats, DropReason reason) {}
    });
    ConcurrentLinkedQueue<Long> responses = new ConcurrentLinkedQueue<>();
    b.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> responses.add(e.payload().getLong(0))));
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);

    int refusedHeartbeats = 0;
    for (int round = 0; round < 200; round++) {
      for (long range = 1; range <= 100; range++) {
        if (!heartbeats(a).send(beat(S1, S2, range, round)).isAccepted()) {
          refusedHeartbeats++;
        }
      }
      RaftEnvelope response = GrpcTransportTest.message(S1, S2, 1, TrafficClass.CONTROL, round, 0);
      assertTrue(a.send(response).isAccepted(), "response " + round + " refused");
    }
    await().atMost(WAIT).until(() -> responses.size() == 200);
    assertTrue(refusedHeartbeats > 0 || read(b, GrpcMetrics.RECEIVER_HEARTBEATS_QUEUED_BYTES) > 0,
        "the heartbeats never saturated anything");
    assertEquals(List.of(), List.copyOf(drops), "no response was dropped");
    release.countDown();
  }

  @Test
  void aStoreThatBeaconsStaysLiveAndOneThatStoppedIsNoLongerLive() {
    long beacon = TimeUnit.MILLISECONDS.toNanos(50);
    long timeout = TimeUnit.MILLISECONDS.toNanos(400);
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults(),
        c -> c.beaconIntervalNanos(beacon).livenessTimeoutNanos(timeout));
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults(),
        c -> c.beaconIntervalNanos(beacon).livenessTimeoutNanos(timeout));
    assertFalse(heartbeats(b).liveness().isLive(S1));
    assertTrue(heartbeats(b).liveness().lastHeardNanos(S1).isEmpty());
    assertTrue(a.send(GrpcTransportTest.message(S1, S2, 1, TrafficClass.CONTROL, 1, 0)).isAccepted());
    await().atMost(WAIT).until(() -> heartbeats(b).liveness().isLive(S1));
    // Nothing more is sent: the beacons alone keep S1 live for many timeouts.
    await().during(Duration.ofMillis(1200)).atMost(WAIT).until(() -> heartbeats(b).liveness().isLive(S1));
    assertTrue(read(b, GrpcMetrics.LIVENESS_LIVE_STORES) >= 1);
    assertTrue(a.isReachable(S2));
    a.close();
    await().atMost(WAIT).until(() -> !heartbeats(b).liveness().isLive(S1));
    assertEquals(timeout, heartbeats(b).liveness().livenessTimeoutNanos());
  }

  @Test
  void aHeartbeatFromAnotherStoreIsRefusedAndASecondHandlerIsNotAllowed() {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    assertEquals(DropReason.WRONG_SOURCE, heartbeats(a).send(beat(S2, S1, 1, 1)).reason().orElseThrow());
    heartbeats(a).register(new Recorder(S1));
    assertThrows(IllegalStateException.class, () -> heartbeats(a).register(new Recorder(S1)));
  }
}
