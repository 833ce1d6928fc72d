package io.raftwire.grpc.internal.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.grpc.Status;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.MetricName;
import io.raftwire.grpc.Readings;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.TestPki;
import io.raftwire.grpc.internal.snapshot.RawSnapshotClient.Call;
import io.raftwire.grpc.internal.wire.DelegateEvent;
import io.raftwire.snapshot.SnapshotConsent;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may send snapshots, over mutual TLS on 127.0.0.1: a transfer's sender and a delegation
 * request's leader must be the store the connection's certificate names. Store 2 leads the range
 * from zone a; store 1 in zone b asked it for a snapshot; store 3 (zone b, so the leader's delegate
 * for store 1) and store 4 (zone c) hold replicas. Store 3's valid certificate is what an attacker
 * who took store 3 over would hold.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SnapshotIdentityTest {
  private static final String CLUSTER = "test-cluster";
  private static final StoreId RECIPIENT = StoreId.of(1);
  private static final StoreId LEADER = StoreId.of(2);
  private static final StoreId NEAR = StoreId.of(3);
  private static final StoreId FAR = StoreId.of(4);
  private static final Set<StoreId> MEMBERS = Set.of(RECIPIENT, LEADER, NEAR, FAR);
  private static final RangeId RANGE = RangeId.of(7);
  private static final int SIZE = 100_000;
  private static final long AT = 40;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  @TempDir Path dir;
  private final TestPki.Ca ca = TestPki.Ca.create("raftwire test CA");
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Map<StoreId, Locality> zones = Map.of(RECIPIENT, Locality.parse("region=r,zone=b"),
      LEADER, Locality.parse("region=r,zone=a"), NEAR, Locality.parse("region=r,zone=b"),
      FAR, Locality.parse("region=r,zone=c"));
  private final Map<StoreId, MemorySnapshots> libraries = new ConcurrentHashMap<>();
  private final Map<StoreId, GrpcTransport> transports = new ConcurrentHashMap<>();
  private final Map<StoreId, TestPki.Material> certificates = new ConcurrentHashMap<>();
  private final List<GrpcTransport> started = new ArrayList<>();
  private final MetricRegistry metrics = new MetricRegistry();

  @BeforeEach
  void start() {
    for (StoreId replica : List.of(LEADER, NEAR, FAR)) {
      MemorySnapshots library = new MemorySnapshots().host(RANGE, SIZE, AT);
      library.members = MEMBERS;
      library.firstLogIndex = AT + 1; // the log was truncated up to the snapshot
      library.applied.put(RANGE, AT + 20);
      libraries.put(replica, library);
    }
    MemorySnapshots recipient = new MemorySnapshots();
    recipient.index.put(RANGE, 0L);
    recipient.members = MEMBERS;
    // It asked store 2 in term 3, and takes the snapshot from it or from a member it sends through.
    recipient.consent = offer -> offer.leader().equals(LEADER) && MEMBERS.contains(offer.sender())
        && offer.meta().term() <= 3 && offer.meta().index() >= AT
        ? SnapshotConsent.accept()
        : SnapshotConsent.refuse("asked s2 in term 3 for a snapshot from index 40");
    libraries.put(RECIPIENT, recipient);
    for (StoreId store : List.of(RECIPIENT, LEADER, NEAR, FAR)) {
      MemorySnapshots library = libraries.get(store);
      SnapshotConfig snapshots = SnapshotConfig.builder(library, library, spool(store)).chunkBytes(64 * 1024).build();
      GrpcTransport t = GrpcTransport.start(GrpcTransportConfig.builder(store, StoreResolver.of(addresses, zones))
          .security(certificate(store).security().clusterId(CLUSTER).build())
          .locality(zones.get(store)).metricRegistry(metrics).snapshots(snapshots).build());
      addresses.put(store, t.listenAddress());
      transports.put(store, t);
      started.add(t);
    }
  }

  @AfterEach
  void close() {
    started.forEach(GrpcTransport::close);
  }

  /** The store's certificate, made once (the store's transport watches its files). */
  private TestPki.Material certificate(StoreId store) {
    return certificates.computeIfAbsent(store, s -> ca.store(dir, "s" + s.value(), CLUSTER, s));
  }

  private Path spool(StoreId store) {
    return dir.resolve("spool-" + store.value());
  }

  private List<Path> staged(StoreId store) throws IOException {
    try (Stream<Path> files = Files.list(spool(store))) {
      return files.toList();
    }
  }

  private long read(StoreId store, MetricName name, Object... parts) {
    return Readings.readOrZero(metrics, store, name, parts);
  }

  private long identityRefusals() {
    long all = 0;
    for (StoreId store : MEMBERS) {
      for (String reason : List.of("SENDER_NOT_AUTHENTICATED", "LEADER_NOT_AUTHENTICATED")) {
        all += read(store, GrpcMetrics.SNAPSHOT_IDENTITY_REFUSED, reason);
      }
    }
    return all;
  }

  private SnapshotTransfers leader() {
    return transports.get(LEADER).snapshots().orElseThrow();
  }

  /** Store 2 sends store 1 its snapshot, through store 3, and store 1 installs it as store 2's. */
  private void anHonestDelegatedSendWorks() throws Exception {
    long delegatedBefore = read(LEADER, GrpcMetrics.DELEGATION_DELEGATED);
    SnapshotMeta meta = leader().send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertArrayEquals(libraries.get(NEAR).data.get(RANGE), libraries.get(RECIPIENT).installed.get(RANGE));
    assertEquals(SnapshotOffer.of(NEAR, LEADER, SnapshotPurpose.CATCH_UP, meta),
        libraries.get(RECIPIENT).installedOffers.get(RANGE), "sent by store 3 for store 2, as their certificates say");
    assertEquals(delegatedBefore + 1, read(LEADER, GrpcMetrics.DELEGATION_DELEGATED));
  }

  @Test
  void aLeaderDelegatesOverTlsAndNoCallIsRefused() throws Exception {
    anHonestDelegatedSendWorks();
    assertEquals(0, identityRefusals());
    assertEquals(1, read(NEAR, GrpcMetrics.SNAPSHOT_SENT));
    assertEquals(0, read(LEADER, GrpcMetrics.SNAPSHOT_SENT_BYTES), "the leader sent no snapshot byte itself");
  }

  @Test
  void aStoreThatClaimsToBeTheLeaderOnATransferIsRefusedBeforeAnythingIsReserved() throws Exception {
    byte[] forged = new byte[1000];
    new Random(22).nextBytes(forged);
    SnapshotMeta meta = SnapshotMeta.of(RANGE, AT + 100_000, 3, 1, forged.length, RawSnapshotClient.crc(forged));
    try (RawSnapshotClient raw = RawSnapshotClient.tls(addresses.get(RECIPIENT), certificate(NEAR))) {
      Call call = raw.open(RawSnapshotClient.TRANSFER);
      // Store 3's certificate, store 2's name, the whole transfer at once.
      call.send(RawSnapshotClient.reserve(LEADER, RECIPIENT, LEADER, RANGE));
      call.send(RawSnapshotClient.offer(meta, 1024));
      call.send(RawSnapshotClient.chunk(0, forged));
      call.send(RawSnapshotClient.finish());
      Status status = call.status();
      assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), status.toString());
      assertTrue(call.received.isEmpty(), "not even granted a slot");
    }
    assertEquals(1, read(RECIPIENT, GrpcMetrics.SNAPSHOT_IDENTITY_REFUSED, "SENDER_NOT_AUTHENTICATED"));
    assertEquals(1, read(RECIPIENT, GrpcMetrics.SNAPSHOT_REFUSED, SnapshotFailure.PERMISSION_DENIED));
    assertEquals(List.of(), libraries.get(RECIPIENT).offers, "the library was never asked");
    assertTrue(libraries.get(RECIPIENT).installed.isEmpty());
    assertEquals(List.of(), staged(RECIPIENT), "no stage was opened");
    assertEquals(0, read(RECIPIENT, GrpcMetrics.SNAPSHOT_RECEIVED_BYTES));
    assertEquals(0, read(RECIPIENT, GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE));

    anHonestDelegatedSendWorks();
  }

  @Test
  void aDelegationRequestFromAStoreThatIsNotTheLeaderItNamesIsRefused() throws Exception {
    try (RawSnapshotClient raw = RawSnapshotClient.tls(addresses.get(FAR), certificate(NEAR))) {
      // Store 3 asks store 4 to send store 1 a snapshot "for store 2".
      Call call = raw.open(RawSnapshotClient.DELEGATE);
      call.sendBytes(RawSnapshotClient.delegate(LEADER, RECIPIENT, RANGE).toByteArray());
      call.call.halfClose();
      Status status = call.status();
      assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), status.toString());
      assertTrue(call.received.isEmpty(), "not accepted");
      assertEquals(1, read(FAR, GrpcMetrics.SNAPSHOT_IDENTITY_REFUSED, "LEADER_NOT_AUTHENTICATED"));
      assertEquals(1, read(FAR, GrpcMetrics.DELEGATE_REFUSED, SnapshotFailure.PERMISSION_DENIED));
      assertEquals(0, read(FAR, GrpcMetrics.DELEGATE_ACCEPTED));
      assertEquals(0, libraries.get(FAR).opened.get(), "store 4 never read its snapshot");
      assertEquals(0, read(FAR, GrpcMetrics.SNAPSHOT_SENT_BYTES));
      assertEquals(List.of(), libraries.get(RECIPIENT).offers, "store 1 was offered nothing");

      // In its own name the request passes the transport; store 1's library refuses a snapshot
      // store 2 did not send for it.
      Call own = raw.open(RawSnapshotClient.DELEGATE);
      own.sendBytes(RawSnapshotClient.delegate(NEAR, RECIPIENT, RANGE).toByteArray());
      own.call.halfClose();
      own.nextEvent(DelegateEvent.KindCase.ACCEPTED);
      assertEquals(SnapshotFailure.NOT_REQUESTED.name(),
          own.nextEvent(DelegateEvent.KindCase.REFUSED).getRefused().getFailure());
      assertEquals(Status.Code.OK, own.status().getCode());
    }
    MemorySnapshots recipient = libraries.get(RECIPIENT);
    assertEquals(1, recipient.offers.size());
    assertEquals(FAR, recipient.offers.get(0).sender());
    assertEquals(NEAR, recipient.offers.get(0).leader());
    assertTrue(recipient.installed.isEmpty());
    assertEquals(1, identityRefusals(), "only the request in another store's name");

    anHonestDelegatedSendWorks();
  }

  @Test
  void aStoreTakenOffTheAllowListLosesItsTransferInProgressAndItsStage() throws Exception {
    byte[] data = new byte[SIZE];
    new Random(7).nextBytes(data);
    SnapshotMeta meta = SnapshotMeta.of(RANGE, AT, 3, 1, data.length, RawSnapshotClient.crc(data));
    GrpcTransport recipient = transports.get(RECIPIENT);
    try (RawSnapshotClient raw = RawSnapshotClient.tls(addresses.get(RECIPIENT), certificate(NEAR))) {
      // Store 3, in its own name, sending for store 2 as a delegate would: accepted, half sent.
      Call call = raw.open(RawSnapshotClient.TRANSFER);
      call.send(RawSnapshotClient.reserve(NEAR, RECIPIENT, LEADER, RANGE));
      call.next(io.raftwire.grpc.internal.wire.SnapshotServerFrame.KindCase.GRANTED);
      call.send(RawSnapshotClient.offer(meta, 1024));
      call.next(io.raftwire.grpc.internal.wire.SnapshotServerFrame.KindCase.RESUME); // accepted: from 0
      call.send(RawSnapshotClient.chunk(0, java.util.Arrays.copyOf(data, 1024)));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> read(RECIPIENT, GrpcMetrics.SNAPSHOT_RECEIVED_BYTES) >= 1024);
      assertEquals(1, staged(RECIPIENT).size(), "the transfer is staging");

      recipient.updateAllowedStores(Set.of(LEADER, FAR));

      Status status = call.status();
      assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), status.toString());
    }
    assertEquals(1, read(RECIPIENT, GrpcMetrics.SNAPSHOT_IDENTITY_REFUSED, "SENDER_NOT_ALLOWED"));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> staged(RECIPIENT).isEmpty() && read(RECIPIENT, GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE) == 0);
    assertTrue(libraries.get(RECIPIENT).installed.isEmpty(), "nothing installed");

    recipient.updateAllowedStores(Set.of()); // every store again
    anHonestDelegatedSendWorks();
  }
}
