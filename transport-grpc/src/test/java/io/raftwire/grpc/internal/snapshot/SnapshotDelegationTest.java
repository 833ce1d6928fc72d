package io.raftwire.grpc.internal.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.MetricName;
import io.raftwire.grpc.Readings;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.snapshot.SnapshotConsent;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delegated snapshot sends over real gRPC on 127.0.0.1: the leader is in zone a, the recipient
 * and the candidate delegates in zone b (store 5 in zone c is never closer than the leader).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnapshotDelegationTest {
  private static final StoreId LEADER = StoreId.of(1);
  private static final StoreId NEAR = StoreId.of(2);
  private static final StoreId RECIPIENT = StoreId.of(3);
  private static final StoreId NEAR_TOO = StoreId.of(4);
  private static final StoreId FAR = StoreId.of(5);
  private static final RangeId RANGE = RangeId.of(7);
  private static final int SIZE = 700_000;
  private static final long AT = 40;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);
  private static final Set<StoreId> MEMBERS = Set.of(LEADER, NEAR, RECIPIENT, NEAR_TOO, FAR);

  @TempDir Path dir;
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Map<StoreId, Locality> zones = Map.of(LEADER, Locality.parse("region=r,zone=a"),
      NEAR, Locality.parse("region=r,zone=b"), RECIPIENT, Locality.parse("region=r,zone=b"),
      NEAR_TOO, Locality.parse("region=r,zone=b"), FAR, Locality.parse("region=r,zone=c"));
  private final List<GrpcTransport> started = new ArrayList<>();
  private final MetricRegistry metrics = new MetricRegistry();
  private final Map<StoreId, MemorySnapshots> libraries = new ConcurrentHashMap<>();

  @AfterEach
  void close() {
    started.forEach(GrpcTransport::close);
  }

  /** A replica of RANGE with the same snapshot as the leader's (MicroRaft snapshots at the same index everywhere). */
  private MemorySnapshots replica(StoreId store) {
    MemorySnapshots library = new MemorySnapshots().host(RANGE, SIZE, AT);
    library.members = MEMBERS;
    library.firstLogIndex = AT + 1; // the log was truncated up to the snapshot
    library.applied.put(RANGE, AT + 20);
    libraries.put(store, library);
    return library;
  }

  private MemorySnapshots recipient() {
    MemorySnapshots library = new MemorySnapshots();
    library.index.put(RANGE, 0L);
    library.members = MEMBERS;
    libraries.put(RECIPIENT, library);
    return library;
  }

  private SnapshotService start(StoreId store, UnaryOperator<SnapshotConfig.Builder> tweak) {
    MemorySnapshots library = libraries.get(store);
    SnapshotConfig snapshots = tweak.apply(SnapshotConfig.builder(library, library, dir.resolve("spool-" + store.value()))
        .chunkBytes(64 * 1024)).build();
    GrpcTransport t = GrpcTransport.start(GrpcTransportConfig.builder(store, StoreResolver.of(addresses, zones)).security(PeerSecurity.insecure())
        .locality(zones.get(store)).metricRegistry(metrics).snapshots(snapshots).build());
    addresses.put(store, t.listenAddress());
    started.add(t);
    return (SnapshotService) t.snapshots().orElseThrow();
  }

  private long counter(StoreId store, MetricName name, Object... parts) {
    return Readings.readOrZero(metrics, store, name, parts); // zone counters appear with their first byte
  }

  private void assertInstalledFrom(StoreId sender, SnapshotMeta meta) {
    assertEquals(AT, meta.index());
    assertArrayEquals(libraries.get(sender).data.get(RANGE), libraries.get(RECIPIENT).installed.get(RANGE));
  }

  @Test
  void theReplicaNearTheRecipientSendsAndNoSnapshotBytesCrossFromTheLeadersZone() throws Exception {
    MemorySnapshots leaderLibrary = replica(LEADER);
    replica(NEAR);
    recipient();
    SnapshotTransfers leader = start(LEADER, b -> b);
    start(NEAR, b -> b);
    start(RECIPIENT, b -> b);

    SnapshotMeta meta = leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);

    assertInstalledFrom(NEAR, meta);
    assertEquals(SnapshotOffer.of(NEAR, LEADER, SnapshotPurpose.CATCH_UP, meta), libraries.get(RECIPIENT).installedOffers.get(RANGE),
        "the recipient's library was told who sent it and for which leader");
    assertEquals(0, counter(LEADER, GrpcMetrics.SNAPSHOT_ZONE_BYTES, "a", "b"), "no snapshot bytes from zone a to zone b");
    assertEquals(SIZE, counter(NEAR, GrpcMetrics.SNAPSHOT_ZONE_BYTES, "b", "b"));
    assertEquals(0, leaderLibrary.opened.get(), "the leader never generated a snapshot");
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_DELEGATED));
    assertEquals(1, counter(NEAR, GrpcMetrics.DELEGATE_ACCEPTED));
    assertEquals(0, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS));
  }

  /** Starts the leader, NEAR (adjusted by {@code breakDelegate}) and the recipient; returns the send's outcome. */
  private SnapshotMeta sendWithDelegate(UnaryOperator<MemorySnapshots> breakDelegate,
      UnaryOperator<SnapshotConfig.Builder> delegateConfig) throws Exception {
    replica(LEADER);
    libraries.put(NEAR, breakDelegate.apply(replica(NEAR)));
    recipient();
    SnapshotTransfers leader = start(LEADER, b -> b);
    start(NEAR, delegateConfig);
    start(RECIPIENT, b -> b);
    return leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
  }

  private void assertRefusedThenLeaderSent(SnapshotFailure reason, SnapshotMeta meta) {
    assertInstalledFrom(LEADER, meta);
    assertEquals(1, counter(NEAR, GrpcMetrics.DELEGATE_REFUSED, reason), "the delegate counts its refusal");
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_REFUSED, reason), "the leader counts the reason");
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS));
    assertEquals(SIZE, counter(LEADER, GrpcMetrics.SNAPSHOT_ZONE_BYTES, "a", "b"));
    assertEquals(0, libraries.get(NEAR).opened.get(), "a refusing delegate generates nothing");
  }

  @Test
  void aDelegateInAnotherTermRefusesStaleTermAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> {
      d.term = 4;
      return d;
    }, b -> b);
    assertRefusedThenLeaderSent(SnapshotFailure.STALE_TERM, meta);
  }

  @Test
  void aDelegateUnderAnotherMembershipRefusesStaleTermAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> {
      d.configGeneration = 2;
      return d;
    }, b -> b);
    assertRefusedThenLeaderSent(SnapshotFailure.STALE_TERM, meta);
  }

  @Test
  void aDelegateThatHasNotAppliedTheLeadersLogStartRefusesBehindAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> {
      d.applied.put(RANGE, AT - 5); // the leader's log starts at AT + 1
      return d;
    }, b -> b);
    assertRefusedThenLeaderSent(SnapshotFailure.DELEGATE_BEHIND, meta);
  }

  @Test
  void aDelegateThatNoLongerCountsTheRecipientAsAMemberRefusesAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> {
      d.members = Set.of(LEADER, NEAR, NEAR_TOO, FAR);
      return d;
    }, b -> b);
    assertRefusedThenLeaderSent(SnapshotFailure.NOT_A_MEMBER, meta);
  }

  @Test
  void aDelegateAtItsLimitRefusesBusyAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> d, b -> b.maxDelegatedTransfers(0));
    assertRefusedThenLeaderSent(SnapshotFailure.DELEGATE_BUSY, meta);
  }

  @Test
  void aDelegateWithoutTheRangeRefusesUnknownRangeAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> new MemorySnapshots(), b -> b);
    assertRefusedThenLeaderSent(SnapshotFailure.UNKNOWN_RANGE, meta);
  }

  @Test
  void aDelegateWhoseSnapshotIsOlderThanTheLeadersLogFailsBeforeSendingAndTheLeaderSends() throws Exception {
    SnapshotMeta meta = sendWithDelegate(d -> {
      d.host(RANGE, SIZE, AT - 10); // its latest snapshot is older than the leader's log start ...
      d.applied.put(RANGE, AT + 5); // ... although it applied enough to pass the first check
      return d;
    }, b -> b);
    assertInstalledFrom(LEADER, meta);
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_FAILED, SnapshotFailure.DELEGATE_BEHIND));
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS));
    assertEquals(0, counter(NEAR, GrpcMetrics.SNAPSHOT_SENT_BYTES), "the useless snapshot was not sent");
  }

  @Test
  void theNextCandidateIsAskedWhenTheFirstRefuses() throws Exception {
    replica(LEADER);
    replica(NEAR).term = 2;
    replica(NEAR_TOO);
    recipient();
    SnapshotTransfers leader = start(LEADER, b -> b);
    start(NEAR, b -> b);
    start(NEAR_TOO, b -> b);
    start(RECIPIENT, b -> b);

    SnapshotMeta meta = leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);

    assertInstalledFrom(NEAR_TOO, meta);
    assertEquals(2, counter(LEADER, GrpcMetrics.DELEGATION_ASKED));
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_REFUSED, SnapshotFailure.STALE_TERM));
    assertEquals(0, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS));
    assertEquals(0, counter(LEADER, GrpcMetrics.SNAPSHOT_ZONE_BYTES, "a", "b"));
  }

  @Test
  void anUnreachableOrSilentDelegateIsSkippedAndTheLeaderSends() throws Exception {
    replica(LEADER);
    replica(NEAR);
    replica(NEAR_TOO);
    recipient();
    CountDownLatch release = new CountDownLatch(1);
    libraries.get(NEAR_TOO).onState = () -> {
      try {
        release.await(); // answers nothing until the test ends
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    SnapshotTransfers leader = start(LEADER, b -> b.delegateAcceptNanos(TimeUnit.MILLISECONDS.toNanos(300)));
    start(NEAR_TOO, b -> b);
    start(RECIPIENT, b -> b);
    try (ServerSocket closed = new ServerSocket(0)) {
      addresses.put(NEAR, new InetSocketAddress(InetAddress.getLoopbackAddress(), closed.getLocalPort())); // nothing speaks gRPC there
    }
    try {
      SnapshotMeta meta = leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
      assertInstalledFrom(LEADER, meta);
      assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_FAILED, SnapshotFailure.UNREACHABLE));
      assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_TIMEOUTS));
      assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS));
    } finally {
      release.countDown();
    }
  }

  @Test
  void withNoReplicaCloserThanTheLeaderTheLeaderSendsWithoutAsking() throws Exception {
    replica(LEADER).members = Set.of(LEADER, RECIPIENT, FAR);
    replica(FAR).members = Set.of(LEADER, RECIPIENT, FAR);
    recipient();
    SnapshotTransfers leader = start(LEADER, b -> b);
    start(FAR, b -> b);
    start(RECIPIENT, b -> b);
    SnapshotMeta meta = leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertInstalledFrom(LEADER, meta);
    assertEquals(0, counter(LEADER, GrpcMetrics.DELEGATION_ASKED), "zone c is no closer to zone b than zone a");
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_NO_CANDIDATE));
  }

  @Test
  void aFailureThatLiesWithTheRecipientIsNotRetriedElsewhere() throws Exception {
    replica(LEADER);
    replica(NEAR);
    recipient();
    SnapshotTransfers leader = start(LEADER, b -> b);
    start(NEAR, b -> b);
    start(RECIPIENT, b -> b.maxSnapshotBytes(1000));
    try {
      leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
      throw new AssertionError("a snapshot larger than the recipient accepts was installed");
    } catch (ExecutionException e) {
      assertEquals(SnapshotFailure.TOO_LARGE, ((SnapshotException) e.getCause()).failure());
    }
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_FAILED, SnapshotFailure.TOO_LARGE));
    assertEquals(0, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS));
    assertFalse(libraries.get(RECIPIENT).installed.containsKey(RANGE));
    assertTrue(libraries.get(LEADER).opened.get() == 0);
  }

  @Test
  void aRecipientThatDidNotAskRefusesTheDelegatesOfferAndNobodyElseSends() throws Exception {
    replica(LEADER);
    replica(NEAR);
    recipient().consent = offer -> SnapshotConsent.refuse("follows another leader");
    SnapshotTransfers leader = start(LEADER, b -> b);
    start(NEAR, b -> b);
    start(RECIPIENT, b -> b);
    try {
      leader.send(RANGE, RECIPIENT, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
      throw new AssertionError("installed without the recipient's consent");
    } catch (ExecutionException e) {
      assertEquals(SnapshotFailure.NOT_REQUESTED, ((SnapshotException) e.getCause()).failure());
    }
    assertEquals(List.of(SnapshotOffer.of(NEAR, LEADER, SnapshotPurpose.CATCH_UP, libraries.get(RECIPIENT).offers.get(0).meta())),
        libraries.get(RECIPIENT).offers, "offered once, by the delegate for the leader");
    assertEquals(1, counter(LEADER, GrpcMetrics.DELEGATION_FAILED, SnapshotFailure.NOT_REQUESTED));
    assertEquals(0, counter(LEADER, GrpcMetrics.DELEGATION_LEADER_SENDS), "the leader would meet the same answer");
    assertFalse(libraries.get(RECIPIENT).installed.containsKey(RANGE));
  }
}
