package io.raftwire.grpc.internal.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.Readings;
import io.grpc.InsecureChannelCredentials;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The breaker of a peer on a fake timebase: no connection is ever made (channels open lazily). */
class PeerTest {
  private static final StoreId LOCAL = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);

  private final FakeTimebase time = new FakeTimebase(0);
  private final MetricRegistry registry = new MetricRegistry();
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Peers peers = new Peers(LOCAL, StoreResolver.of(addresses), "zone",
      new ChannelSettings(true, 1 << 20, 1 << 20, store -> InsecureChannelCredentials.create()),
      new Backoff(100, 1000, 2.0, 0.0, () -> 0.5), time, new StoreMetrics(registry, LOCAL));
  private final List<String> heard = new CopyOnWriteArrayList<>();

  private static InetSocketAddress port(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  @AfterEach
  void close() {
    peers.close();
  }

  private Peer s2() {
    addresses.put(S2, port(40_001));
    Peer peer = peers.peer(S2);
    peer.addListener(new Peer.Listener() {
      @Override
      public void down(Peer p) {
        heard.add("down");
      }

      @Override
      public void probe(Peer p) {
        heard.add("probe@" + time.nanoTime());
      }
    });
    return peer;
  }

  @Test
  void anUnknownStoreHasNoPeer() {
    assertNull(peers.peer(StoreId.of(9)));
  }

  @Test
  void aFailureOpensTheBreakerAndAProbeFollowsAfterTheBackoff() {
    Peer peer = s2();
    assertEquals(Peer.State.UNKNOWN, peer.state());
    assertTrue(peer.allowsTraffic(), "never connected: traffic goes");
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("UNAVAILABLE"));
    assertEquals(Peer.State.DOWN, peer.state());
    assertFalse(peer.allowsTraffic());
    assertEquals(List.of("down"), heard);
    assertEquals(3, Readings.read(registry, LOCAL, GrpcMetrics.SENDER_BREAKER, S2));
    assertEquals(1, Readings.read(registry, LOCAL, GrpcMetrics.SENDER_RECONNECTS, S2));
    peer.failed("CONTROL stream", Status.UNAVAILABLE.withDescription("UNAVAILABLE"));
    assertEquals(List.of("down", "down"), heard, "every failure is told: the other stream's queue empties too");
    assertEquals(List.of(100L), time.pendingDelaysNanos(), "one probe, after the first backoff");
    time.advanceNanos(99);
    assertEquals(Peer.State.DOWN, peer.state());
    time.advanceNanos(1);
    assertEquals(Peer.State.PROBING, peer.state());
    assertEquals("probe@100", heard.get(2));
    assertFalse(peer.allowsTraffic(), "probing: only the probe's hello goes");
    peer.connected();
    assertEquals(Peer.State.HEALTHY, peer.state());
    assertTrue(peer.allowsTraffic());
  }

  @Test
  void consecutiveFailuresBackOffExponentiallyAndASuccessResetsThem() {
    Peer peer = s2();
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    time.advanceNanos(100);
    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer")); // the probe failed
    assertEquals(List.of(200L), time.pendingDelaysNanos());
    time.advanceNanos(200);
    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer"));
    assertEquals(List.of(400L), time.pendingDelaysNanos());
    time.advanceNanos(400);
    peer.connected();
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    assertEquals(List.of(100L), time.pendingDelaysNanos(), "a success starts the backoff over");
  }

  @Test
  void aProbeFollowsTheStoreToItsNewAddressAndWaitsWhileItHasNone() {
    Peer peer = s2();
    ManagedChannel before = peer.channel(ChannelKind.CONTROL);
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    addresses.remove(S2);
    time.advanceNanos(100);
    assertEquals(Peer.State.DOWN, peer.state(), "no address: still down");
    assertEquals(List.of(200L), time.pendingDelaysNanos(), "and the next probe backs off further");
    addresses.put(S2, port(40_002));
    time.advanceNanos(200);
    assertEquals(Peer.State.PROBING, peer.state());
    ManagedChannel after = peer.channel(ChannelKind.CONTROL);
    assertNotSame(before, after, "a new channel to the new address");
    assertTrue(before.isShutdown(), "the old one is shut down");
  }

  private long redials() {
    return Readings.read(registry, LOCAL, GrpcMetrics.SENDER_REDIALS_ON_HELLO, S2);
  }

  private String lastHeard() {
    return heard.get(heard.size() - 1);
  }

  @Test
  void aVerifiedHelloWhileTheBreakerIsOpenProbesNowAndStartsTheBackoffOver() {
    Peer peer = s2();
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    time.advanceNanos(100);
    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer"));
    time.advanceNanos(200);
    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer"));
    assertEquals(List.of(400L), time.pendingDelaysNanos(), "down, the next probe 400 ns away");
    long now = time.nanoTime();

    peers.heardHello(S2);
    time.runDue(); // the clock does not move
    assertEquals(now, time.nanoTime());
    assertEquals("probe@" + now, lastHeard(), "probed at once, not after the backoff");
    assertEquals(Peer.State.PROBING, peer.state());
    assertEquals(List.of(), time.pendingDelaysNanos(), "the backoff's own probe is gone");
    assertEquals(1, redials());

    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer")); // the brought-forward probe failed too
    assertEquals(List.of(100L), time.pendingDelaysNanos(), "the backoff started over");
    time.advanceNanos(100);
    peer.connected();
    assertEquals(Peer.State.HEALTHY, peer.state());
  }

  @Test
  void hellosRedialAtMostOncePerInitialBackoff() {
    Peer peer = s2();
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    peers.heardHello(S2);
    time.runDue();
    assertEquals(List.of("down", "probe@0"), heard);
    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer"));
    assertEquals(List.of(100L), time.pendingDelaysNanos());

    time.advanceNanos(50);
    peers.heardHello(S2); // 50 ns after the last redial: within the initial backoff of 100
    peers.heardHello(S2);
    time.runDue();
    assertEquals(List.of("down", "probe@0", "down"), heard, "no second redial within the interval");
    assertEquals(List.of(50L), time.pendingDelaysNanos(), "the backoff's probe stays as it was");
    assertEquals(1, redials());

    time.advanceNanos(50); // the backoff's own probe
    assertEquals("probe@100", lastHeard());
    peer.failed("hello", Status.UNAVAILABLE.withDescription("no answer"));
    assertEquals(List.of(200L), time.pendingDelaysNanos());
    peers.heardHello(S2); // 100 ns after the last redial
    time.runDue();
    assertEquals("probe@100", lastHeard());
    assertEquals(List.of("down", "probe@0", "down", "probe@100", "down", "probe@100"), heard);
    assertEquals(2, redials());
  }

  @Test
  void aHelloWhileTrafficFlowsOrAProbeIsUnderWayDoesNothing() {
    Peer peer = s2();
    peers.heardHello(S2); // never connected: traffic goes
    time.runDue();
    assertEquals(Peer.State.UNKNOWN, peer.state());
    peer.connected();
    peers.heardHello(S2);
    time.runDue();
    assertEquals(Peer.State.HEALTHY, peer.state());
    assertEquals(List.of(), heard);
    assertEquals(0, time.pendingTasks(), "nothing scheduled");

    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    time.advanceNanos(100);
    assertEquals(Peer.State.PROBING, peer.state());
    peers.heardHello(S2); // the probe's hello is out already
    time.runDue();
    assertEquals(List.of("down", "probe@100"), heard);
    assertEquals(0, redials());

    peers.heardHello(StoreId.of(3));
    assertNull(peers.existing(StoreId.of(3)), "a store never talked to gets no peer");
  }

  @Test
  void closingStopsProbingAndChannels() {
    Peer peer = s2();
    peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("x"));
    peers.close();
    time.advanceNanos(1_000);
    assertEquals(Peer.State.DOWN, peer.state(), "no probe after close");
    peers.heardHello(S2);
    time.runDue();
    assertEquals(Peer.State.DOWN, peer.state(), "nor after a hello");
    assertThrows(IllegalStateException.class, () -> peer.channel(ChannelKind.SNAPSHOT));
    assertNull(peers.peer(StoreId.of(3)), "no new peers after close");
  }

  /**
   * What {@code action} logs at INFO and above (slf4j-simple, which the tests log through at INFO,
   * writes to the {@code System.err} of the moment); the peer logs on the calling thread.
   */
  private static List<String> logged(Runnable action) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().filter(Predicate.not(String::isBlank)).toList();
  }

  private static boolean warns(List<String> lines) {
    return lines.stream().anyMatch(l -> l.contains(" WARN "));
  }

  @Test
  void aPeerThatDisappearsWithoutAGoodbyeIsAWarning() {
    Peer peer = s2();
    List<String> lines = logged(() -> peer.failed("CONTROL stream", Status.UNAVAILABLE.withDescription("io exception")));
    assertTrue(warns(lines) && lines.get(0).contains("s1 -> s2: CONTROL stream failed (UNAVAILABLE: io exception)"),
        lines.toString());
    assertFalse(peer.saidGoodbye());
  }

  @Test
  void aPeerThatSaidGoodbyeIsInfoOnceAndItsUnreachableRetriesAreQuietUntilItAnswers() {
    Peer peer = s2();
    peer.connected();
    List<String> goodbye = logged(() -> {
      peer.left("CONTROL stream");
      peer.left("DATA stream"); // its other stream ends the same way
    });
    assertEquals(1, goodbye.size(), goodbye.toString());
    assertTrue(goodbye.get(0).contains(" INFO ") && goodbye.get(0).contains("s1 -> s2: it shut down"), goodbye.get(0));
    assertEquals(Peer.State.DOWN, peer.state(), "the breaker opens as for a failure");
    assertFalse(peer.allowsTraffic());
    assertEquals(List.of("down", "down"), heard);
    assertEquals(List.of(100L), time.pendingDelaysNanos(), "and a probe follows after the backoff");
    assertEquals(1, Readings.read(registry, LOCAL, GrpcMetrics.SENDER_RECONNECTS, S2));

    time.advanceNanos(100);
    assertEquals(Peer.State.PROBING, peer.state());
    assertEquals(List.of(), logged(() -> peer.failed("CONTROL stream", Status.UNAVAILABLE.withDescription("io exception"))),
        "it is still away: nothing at INFO or above");
    assertEquals(List.of(200L), time.pendingDelaysNanos(), "the backoff grows as for any failure");
    assertTrue(peer.saidGoodbye());

    time.advanceNanos(200);
    List<String> refused = logged(() -> peer.failed("CONTROL stream", Status.UNAUTHENTICATED.withDescription("bad certificate")));
    assertTrue(warns(refused), "back, but refusing us: not the quiet kind " + refused);

    time.advanceNanos(400);
    List<String> back = logged(peer::connected);
    assertTrue(back.size() == 1 && back.get(0).contains(" INFO ") && back.get(0).contains("since it shut down"), back.toString());
    assertFalse(peer.saidGoodbye(), "it answered: the quiet ends");
    assertTrue(warns(logged(() -> peer.failed("DATA stream", Status.UNAVAILABLE.withDescription("io exception")))),
        "a later disappearance without a goodbye warns again");
  }

  @Test
  void aGoodbyeAfterCloseDoesNothing() {
    Peer peer = s2();
    peers.close();
    assertEquals(List.of(), logged(() -> peer.left("CONTROL stream")));
    assertEquals(List.of(), heard);
    assertFalse(peer.saidGoodbye());
  }
}
