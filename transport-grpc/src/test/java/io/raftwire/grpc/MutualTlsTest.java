package io.raftwire.grpc;

import static io.raftwire.grpc.GrpcTransportTest.message;
import static io.raftwire.grpc.GrpcTransportTest.seq;
import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.RawPeer.Responses;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS over real gRPC on 127.0.0.1: who may connect, how a message's sender is bound to the
 * certificate of its connection, allow-lists, and certificate rotation without a restart.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MutualTlsTest {
  private static final String CLUSTER = "test-cluster";
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long RELOAD_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  @TempDir
  Path dir;

  private final TestPki.Ca ca = TestPki.Ca.create("raftwire test CA");
  private final GrpcCluster cluster = new GrpcCluster();
  private final ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
  private final java.util.List<RawPeer> peers = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    peers.forEach(RawPeer::close);
    cluster.close();
  }

  private GrpcTransport start(StoreId store, TestPki.Material material) {
    return start(store, material.security().clusterId(CLUSTER).reloadCheckNanos(RELOAD_CHECK_NANOS).build());
  }

  private GrpcTransport start(StoreId store, PeerSecurity security) {
    return start(cluster.config(store, TransportLimits.defaults()).security(security));
  }

  private GrpcTransport start(GrpcTransportConfig.Builder config) {
    GrpcTransport t = cluster.start(config.build());
    t.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> received.add(seq(e))));
    return t;
  }

  private TestPki.Material certificate(StoreId store) {
    return ca.store(dir, "s" + store.value(), CLUSTER, store);
  }

  private RawPeer raw(GrpcTransport to, TestPki.Material material, boolean withCertificate) {
    RawPeer peer = RawPeer.tls(to.listenAddress(), material, withCertificate);
    peers.add(peer);
    return peer;
  }

  private static void deliver(GrpcTransport from, StoreId to, long value) {
    assertTrue(from.send(message(from.localStore(), to, 1, TrafficClass.CONTROL, value, 0)).isAccepted());
  }

  private static Status end(Responses responses) throws Exception {
    return responses.end.get(30, TimeUnit.SECONDS);
  }

  @Test
  void storesWithCertificatesOfTheClusterTalkAndNothingIsRefused() {
    GrpcTransport a = start(S1, certificate(S1));
    GrpcTransport b = start(S2, certificate(S2));
    deliver(a, S2, 11);
    deliver(b, S1, 12);
    await().atMost(WAIT).until(() -> received.containsAll(List.of(11L, 12L)));
    for (String reason : List.of("UNTRUSTED_CHAIN", "NO_STORE_IDENTITY", "WRONG_CLUSTER", "NOT_ALLOWED", "WRONG_STORE")) {
      assertEquals(0, read(a, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, reason) + read(b, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, reason));
    }
    assertTrue(read(a, GrpcMetrics.SECURITY_CERTIFICATE_EXPIRY) > TimeUnit.HOURS.toSeconds(23), "a day's certificate");
  }

  @Test
  void aClientWithoutACertificateCannotOpenAStream() throws Exception {
    GrpcTransport b = start(S2, certificate(S2));
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b, certificate(S3), false).open(responses);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    stream.onNext(RawPeer.batch(RawPeer.control(1, 1, 2, 99)));
    assertEquals(Status.Code.UNAVAILABLE, end(responses).getCode());
    assertTrue(received.isEmpty());
    assertEquals(0, read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS));
  }

  @Test
  void aCertificateOfAForeignCaIsRefusedAtTheHandshake() throws Exception {
    GrpcTransport b = start(S2, certificate(S2));
    TestPki.Material foreign = TestPki.Ca.create("someone else's CA").store(dir, "foreign", CLUSTER, S3);
    // The foreign peer trusts the cluster's CA, so only the server's check can stop it.
    TestPki.Material presented = new TestPki.Material(foreign.chain(), foreign.key(), ca.writeRoots(dir.resolve("ca.crt")));
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b, presented, true).open(responses);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    assertEquals(Status.Code.UNAVAILABLE, end(responses).getCode());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "UNTRUSTED_CHAIN") >= 1);
    assertTrue(received.isEmpty());
  }

  @Test
  void anExpiredCertificateIsRefusedAtTheHandshake() throws Exception {
    GrpcTransport b = start(S2, certificate(S2));
    Instant now = Instant.now();
    TestPki.Material expired = ca.issue(dir, "expired", List.of(PeerSecurity.storeUri(CLUSTER, S3)),
        now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
    Responses responses = new Responses();
    raw(b, expired, true).open(responses).onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    assertEquals(Status.Code.UNAVAILABLE, end(responses).getCode());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "UNTRUSTED_CHAIN") >= 1);
    assertTrue(received.isEmpty());
  }

  @Test
  void certificatesThatNameNoStoreOrAnotherClusterAreRefused() throws Exception {
    GrpcTransport b = start(S2, certificate(S2));
    TestPki.Material none = ca.issue(dir, "anonymous", List.of("spiffe://elsewhere/x"), Instant.now().minus(Duration.ofHours(1)),
        Instant.now().plus(Duration.ofDays(1)));
    TestPki.Material otherCluster = ca.store(dir, "other-cluster", "other-cluster", S3);
    for (TestPki.Material m : List.of(none, otherCluster)) {
      Responses responses = new Responses();
      raw(b, m, true).open(responses).onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
      assertEquals(Status.Code.UNAVAILABLE, end(responses).getCode());
    }
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "NO_STORE_IDENTITY") >= 1
        && read(b, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "WRONG_CLUSTER") >= 1);
    assertTrue(received.isEmpty());
  }

  @Test
  void aHelloThatNamesAnotherStoreThanTheCertificateIsPermissionDeniedAndNothingIsDelivered() throws Exception {
    GrpcTransport b = start(S2, certificate(S2));
    GrpcTransport a = start(S1, certificate(S1));
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b, certificate(S3), true).open(responses);
    stream.onNext(RawPeer.hello(1, 2, Lane.LANE_CONTROL)); // a valid certificate of s3 claiming to be s1
    stream.onNext(RawPeer.batch(RawPeer.control(1, 1, 2, 666)));
    Status status = end(responses);
    assertEquals(Status.Code.PERMISSION_DENIED, status.getCode());
    assertTrue(status.getDescription().contains("certificate names s3"), status.getDescription());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SENDER_NOT_AUTHENTICATED"));
    deliver(a, S2, 7); // the real s1 is unaffected
    await().atMost(WAIT).until(() -> received.contains(7L));
    assertEquals(List.of(7L), List.copyOf(received));
  }

  @Test
  void aHelloInAnotherStoresNameDoesNotBringItsProbeForwardButThatStoresOwnHelloDoes() throws Exception {
    long minute = TimeUnit.SECONDS.toNanos(60);
    PeerSecurity s2 = certificate(S2).security().clusterId(CLUSTER).reloadCheckNanos(RELOAD_CHECK_NANOS).build();
    GrpcTransport a = start(cluster.config(S1, TransportLimits.defaults())
        .security(certificate(S1).security().clusterId(CLUSTER).reloadCheckNanos(RELOAD_CHECK_NANOS).build())
        .reconnectBackoff(minute, minute, 2.0, 0.0));
    GrpcTransport b = start(S2, s2);
    deliver(a, S2, 1);
    await().atMost(WAIT).until(() -> received.contains(1L));
    b.close();
    await().atMost(WAIT).until(() -> !a.isReachable(S2));
    GrpcTransport restarted = start(cluster.config(S2, TransportLimits.defaults()).security(s2)
        .listenAddress(cluster.addresses.get(S2)));

    Responses forged = new Responses();
    raw(a, certificate(S3), true).open(forged).onNext(RawPeer.hello(2, 1, Lane.LANE_CONTROL)); // s3 claiming to be s2
    assertEquals(Status.Code.PERMISSION_DENIED, end(forged).getCode());
    assertEquals(1, read(a, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SENDER_NOT_AUTHENTICATED"));
    assertEquals(0, read(a, GrpcMetrics.SENDER_REDIALS_ON_HELLO, S2), "a refused hello dials nothing");
    assertTrue(!a.isReachable(S2));

    deliver(restarted, S1, 2); // s2's own hello, on a connection whose certificate names s2
    await().atMost(WAIT).until(() -> received.contains(2L));
    await().atMost(Duration.ofSeconds(20)).until(() -> a.isReachable(S2)); // well within the minute
    deliver(a, S2, 3);
    await().atMost(WAIT).until(() -> received.contains(3L));
    assertEquals(1, read(a, GrpcMetrics.SENDER_REDIALS_ON_HELLO, S2));
  }

  @Test
  void anEnvelopeWrittenByAnotherStoreIsRefusedFromAStoreThatMayNotRelayIt() throws Exception {
    GrpcTransport b = start(S2, certificate(S2));
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b, certificate(S3), true).open(responses);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_DATA));
    stream.onNext(RawPeer.batch(RawPeer.control(1, 1, 2, 665).toBuilder().setFromStore(1).build()));
    Status status = end(responses);
    assertEquals(Status.Code.PERMISSION_DENIED, status.getCode());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "RELAY_NOT_ALLOWED"));
    assertTrue(received.isEmpty());
  }

  @Test
  void aStoreOffTheAllowListIsRefusedAndTakingAStoreOffEndsItsStreams() throws Exception {
    GrpcTransport b = start(S2, certificate(S2).security().clusterId(CLUSTER).allowedStores(Set.of(S1)).build());
    GrpcTransport a = start(S1, certificate(S1));
    Responses responses = new Responses();
    raw(b, certificate(S3), true).open(responses).onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    assertEquals(Status.Code.UNAVAILABLE, end(responses).getCode());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "NOT_ALLOWED") >= 1);

    deliver(a, S2, 1);
    await().atMost(WAIT).until(() -> received.contains(1L));
    b.updateAllowedStores(Set.of(S3));
    assertEquals(Set.of(S3), b.allowedStores());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SENDER_NOT_ALLOWED") >= 1);
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS) == 0);
    // s1 keeps trying (its breaker probes), and each try is refused: on its old connection per
    // call, on a new one at the handshake.
    long refusedBefore = refusedAsNotAllowed(b);
    await().atMost(WAIT).until(() -> {
      a.send(message(S1, S2, 1, TrafficClass.CONTROL, 2, 0));
      return refusedAsNotAllowed(b) > refusedBefore;
    });
    assertTrue(!received.contains(2L));

    b.updateAllowedStores(Set.of()); // everyone again
    await().atMost(WAIT).until(() -> {
      a.send(message(S1, S2, 1, TrafficClass.CONTROL, 3, 0));
      return received.contains(3L);
    });
    assertTrue(!received.contains(2L));
  }

  private static long refusedAsNotAllowed(GrpcTransport t) {
    return read(t, GrpcMetrics.SECURITY_CALL_REFUSED, "NOT_ALLOWED") + read(t, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "NOT_ALLOWED")
        + read(t, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SENDER_NOT_ALLOWED");
  }

  @Test
  void aServerWhoseCertificateNamesAnotherStoreIsNotTalkedTo() {
    GrpcTransport a = start(S1, certificate(S1));
    GrpcTransport c = start(S3, certificate(S3));
    cluster.addresses.put(S2, c.listenAddress()); // a stale or hijacked address for s2
    deliver(a, S2, 5);
    await().atMost(WAIT).until(() -> read(a, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "WRONG_STORE") >= 1);
    assertTrue(received.isEmpty());
  }

  @Test
  void startRefusesMaterialThatDoesNotNameThisStoreOrWhoseKeyDoesNotMatch() {
    TestPki.Material s2 = certificate(S2);
    IllegalArgumentException wrongStore = assertThrows(IllegalArgumentException.class, () -> start(S1, s2));
    assertTrue(wrongStore.getMessage().contains("names s2, but this is s1"), wrongStore.getMessage());
    TestPki.Material s1 = certificate(S1);
    TestPki.Material mismatched = new TestPki.Material(s1.chain(), s2.key(), s1.roots());
    IllegalArgumentException badKey = assertThrows(IllegalArgumentException.class, () -> start(S1, mismatched));
    assertTrue(badKey.getMessage().contains("does not belong"), badKey.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PeerSecurity.mutualTls(s1.chain(), s1.key(), s1.roots()).build(),
        "no cluster id and no identity rule");
    assertThrows(IllegalArgumentException.class, () -> PeerSecurity.mutualTls(dir.resolve("missing"), s1.key(), s1.roots())
        .clusterId(CLUSTER).build());
  }

  @Test
  void anIdentityRuleOfTheUsersOwnNamesStoresFromTheCommonName() {
    TestPki.Material m1 = ca.issue(dir, "store-1", List.of(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    TestPki.Material m2 = ca.issue(dir, "store-2", List.of(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    java.util.function.Function<java.security.cert.X509Certificate, java.util.Optional<StoreId>> byCn = cert -> {
      String cn = cert.getSubjectX500Principal().getName();
      return cn.startsWith("CN=store-") ? java.util.Optional.of(StoreId.of(Long.parseLong(cn.substring(9))))
          : java.util.Optional.empty();
    };
    GrpcTransport a = start(S1, m1.security().identity(byCn).build());
    start(S2, m2.security().identity(byCn).build());
    deliver(a, S2, 21);
    await().atMost(WAIT).until(() -> received.contains(21L));
  }

  @Test
  void rotatedCertificatesAndRootsTakeEffectForNewHandshakesWithoutARestartAndNothingIsLost() throws Exception {
    TestPki.Material m1 = certificate(S1);
    TestPki.Material m2 = certificate(S2);
    GrpcTransport a = start(S1, m1);
    GrpcTransport b = start(S2, m2);
    long sent = 0;
    for (int i = 0; i < 50; i++) {
      deliver(a, S2, ++sent);
    }
    await().atMost(WAIT).until(() -> received.size() == 50);
    java.math.BigInteger before = serialSeenAt(b);

    // s2 gets a new certificate, and its roots a second CA: written beside the files, then moved in.
    TestPki.Ca next = TestPki.Ca.create("the next CA");
    TestPki.Material renewed = ca.store(dir, "s2-renewed", CLUSTER, S2);
    Path roots = dir.resolve("two-roots.crt");
    Files.writeString(roots, Files.readString(m2.roots()) + Files.readString(next.writeRoots(dir.resolve("next.crt"))));
    replace(renewed.chain(), m2.chain());
    replace(renewed.key(), m2.key());
    replace(roots, m2.roots());
    for (int i = 0; i < 50; i++) { // the streams made before the rotation keep carrying
      deliver(a, S2, ++sent);
    }
    await().atMost(WAIT).until(() -> received.size() == 100);
    // The three files are checked one after the other: a check may see the new certificate before
    // the new key (refused, counted) or the new roots after the rest (a second reload).
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.SECURITY_RELOADS) >= 1 && !serialSeenAt(b).equals(before));
    // A peer whose certificate comes from the new CA is trusted now.
    TestPki.Material fromNext = next.store(dir, "s3-next", CLUSTER, S3);
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b, new TestPki.Material(fromNext.chain(), fromNext.key(), m2.roots()), true)
        .open(responses);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    await().atMost(WAIT).until(() -> responses.frames.stream().anyMatch(f -> f.hasHelloAck()));
    stream.onCompleted();
    assertEquals(100, received.size(), "no message lost across the rotation");
  }

  @Test
  void aReloadOfMaterialThatNamesAnotherStoreIsRefusedAndTheOldStays() throws Exception {
    TestPki.Material m2 = certificate(S2);
    GrpcTransport b = start(S2, m2);
    GrpcTransport a = start(S1, certificate(S1));
    TestPki.Material wrong = ca.store(dir, "not-s2", CLUSTER, S3);
    replace(wrong.chain(), m2.chain());
    replace(wrong.key(), m2.key());
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.SECURITY_RELOAD_FAILURES) >= 1);
    assertEquals(0, read(b, GrpcMetrics.SECURITY_RELOADS));
    deliver(a, S2, 31);
    await().atMost(WAIT).until(() -> received.contains(31L));
  }

  /** The serial number of the certificate {@code server} presents to a new connection now. */
  private java.math.BigInteger serialSeenAt(GrpcTransport server) throws Exception {
    RawPeer peer = raw(server, certificate(S3), true);
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = peer.open(responses);
    stream.onNext(RawPeer.hello(3, server.localStore().value(), Lane.LANE_CONTROL));
    await().atMost(WAIT).until(() -> !peer.serverCertificates.isEmpty());
    stream.onCompleted();
    return peer.serverCertificates.get(0).getSerialNumber();
  }

  private static void replace(Path from, Path to) throws IOException {
    Path staged = to.resolveSibling(to.getFileName() + ".new");
    Files.copy(from, staged, StandardCopyOption.REPLACE_EXISTING);
    Files.move(staged, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
