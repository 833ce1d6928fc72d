package io.raftwire.grpc.internal.snapshot;

import static org.awaitility.Awaitility.await;
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
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.internal.snapshot.transfer.TransferFaults;
import io.raftwire.snapshot.SnapshotConsent;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot transfers between two real gRPC transports on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnapshotTransferTest {
  private static final StoreId LEADER = StoreId.of(1);
  private static final StoreId FOLLOWER = StoreId.of(2);
  private static final RangeId RANGE = RangeId.of(5);
  private static final int SIZE = 3 * 1024 * 1024 + 123;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  @TempDir Path dir;
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Map<StoreId, Locality> zones = Map.of(LEADER, Locality.parse("zone=a"), FOLLOWER, Locality.parse("zone=b"));
  private final List<GrpcTransport> started = new ArrayList<>();
  private final MetricRegistry metrics = new MetricRegistry();
  private final MemorySnapshots leaderLibrary = new MemorySnapshots().host(RANGE, SIZE, 40);
  private final MemorySnapshots followerLibrary = new MemorySnapshots();

  @AfterEach
  void close() {
    started.forEach(GrpcTransport::close);
  }

  private GrpcTransport start(StoreId store, MemorySnapshots library, UnaryOperator<SnapshotConfig.Builder> tweak) {
    return start(store, library, tweak, c -> c);
  }

  private GrpcTransport start(StoreId store, MemorySnapshots library, UnaryOperator<SnapshotConfig.Builder> tweak,
      UnaryOperator<GrpcTransportConfig.Builder> transport) {
    SnapshotConfig snapshots = tweak.apply(SnapshotConfig.builder(library, library, dir.resolve("spool-" + store.value()))
        .chunkBytes(256 * 1024)).build();
    GrpcTransport t = GrpcTransport.start(transport.apply(GrpcTransportConfig.builder(store, StoreResolver.of(addresses, zones))
        .security(PeerSecurity.insecure()).locality(zones.get(store)).metricRegistry(metrics).snapshots(snapshots)).build());
    addresses.put(store, t.listenAddress());
    started.add(t);
    return t;
  }

  private SnapshotService leader(UnaryOperator<SnapshotConfig.Builder> tweak) {
    return (SnapshotService) start(LEADER, leaderLibrary, tweak).snapshots().orElseThrow();
  }

  private void follower(UnaryOperator<SnapshotConfig.Builder> tweak) {
    followerLibrary.index.put(RANGE, 0L); // hosts a (lagging) replica of the range
    start(FOLLOWER, followerLibrary, tweak);
  }

  private long counter(StoreId store, MetricName name, Object... parts) {
    return Readings.readOrZero(metrics, store, name, parts); // zone counters appear with their first byte
  }

  private static SnapshotFailure failure(CompletableFuture<?> transfer) {
    try {
      transfer.get(30, TimeUnit.SECONDS);
      throw new AssertionError("the transfer succeeded");
    } catch (ExecutionException e) {
      return ((SnapshotException) e.getCause()).failure();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void assertNoStagedFiles() throws IOException {
    Path spool = dir.resolve("spool-" + FOLLOWER.value());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      try (Stream<Path> files = Files.list(spool)) {
        return files.findAny().isEmpty();
      }
    });
  }

  @Test
  void aSnapshotArrivesWholeAndIsCountedPerZonePair() throws Exception {
    SnapshotTransfers leader = leader(b -> b);
    follower(b -> b);
    SnapshotMeta meta = leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertEquals(SIZE, meta.sizeBytes());
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
    assertEquals(SIZE, counter(LEADER, GrpcMetrics.SNAPSHOT_ZONE_BYTES, "a", "b"));
    assertEquals(SIZE, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_RECEIVED_BYTES));
    assertEquals(1, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_INSTALLED));
    assertNoStagedFiles();
  }

  @Test
  void aCorruptedChunkIsDetectedAndResentAndNothingBadIsInstalled() throws Exception {
    SnapshotService leader = leader(b -> b);
    follower(b -> b);
    AtomicBoolean once = new AtomicBoolean();
    leader.faults(new TransferFaults() {
      @Override
      public boolean corrupt(RangeId range, long offset) {
        return offset == 512 * 1024 && once.compareAndSet(false, true);
      }
    });
    leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
    assertEquals(1, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_CORRUPT_CHUNKS));
  }

  @Test
  void chunksCorruptedBeyondTheLimitFailTheTransferAndLeaveTheReplicaAsItWas() throws Exception {
    SnapshotService leader = leader(b -> b.maxCorruptions(2));
    follower(b -> b);
    leader.faults(new TransferFaults() {
      @Override
      public boolean corrupt(RangeId range, long offset) {
        return offset == 256 * 1024;
      }
    });
    assertEquals(SnapshotFailure.CORRUPT, failure(leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE)));
    assertFalse(followerLibrary.installed.containsKey(RANGE));
    assertEquals(1, counter(LEADER, GrpcMetrics.SNAPSHOT_FAILED, SnapshotFailure.CORRUPT));
  }

  @Test
  void aStreamKilledMidTransferResumesFromTheStagedPrefix() throws Exception {
    SnapshotService leader = leader(b -> b);
    follower(b -> b);
    AtomicBoolean once = new AtomicBoolean();
    leader.faults(new TransferFaults() {
      @Override
      public boolean breakStream(RangeId range, long offset) {
        return offset == 2 * 1024 * 1024 && once.compareAndSet(false, true);
      }
    });
    leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
    assertTrue(counter(FOLLOWER, GrpcMetrics.SNAPSHOT_RESUMED_BYTES) > 0, "resumed, not restarted");
    assertTrue(counter(FOLLOWER, GrpcMetrics.SNAPSHOT_RECEIVED_BYTES) < 2L * SIZE);
    assertEquals(1, counter(LEADER, GrpcMetrics.SNAPSHOT_RETRIES));
    assertEquals(1, leaderLibrary.opened.get(), "the same snapshot view served both streams");
    assertNoStagedFiles();
  }

  @Test
  void aBusyRecipientMakesTheSenderWaitItsTurnThenSucceed() throws Exception {
    leaderLibrary.host(RangeId.of(6), 100_000, 40);
    followerLibrary.index.put(RangeId.of(6), 0L);
    SnapshotService leader = leader(b -> b);
    follower(b -> b.concurrentTransfers(1));
    CountDownLatch installing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    followerLibrary.beforeInstall = () -> {
      installing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    CompletableFuture<SnapshotMeta> first = leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE);
    assertTrue(installing.await(30, TimeUnit.SECONDS));
    CompletableFuture<SnapshotMeta> second = leader.send(RangeId.of(6), FOLLOWER, SnapshotPurpose.REBALANCE, MINUTE);
    await().until(() -> counter(FOLLOWER, GrpcMetrics.SNAPSHOT_SLOTS_QUEUED) == 1);
    assertEquals(1, leaderLibrary.opened.get(), "the waiting transfer has not generated its snapshot yet");
    assertFalse(second.isDone());
    release.countDown();
    first.get(30, TimeUnit.SECONDS);
    assertEquals(100_000, second.get(30, TimeUnit.SECONDS).sizeBytes());
  }

  @Test
  void aFullQueueRefusesAtOnce() throws Exception {
    leaderLibrary.host(RangeId.of(6), 1000, 40);
    followerLibrary.index.put(RangeId.of(6), 0L);
    SnapshotService leader = leader(b -> b);
    follower(b -> b.concurrentTransfers(1).maxQueuedTransfers(0));
    CountDownLatch release = new CountDownLatch(1);
    followerLibrary.beforeInstall = () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    CompletableFuture<SnapshotMeta> first = leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE);
    await().until(() -> counter(FOLLOWER, GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE) == 1);
    assertEquals(SnapshotFailure.RECIPIENT_BUSY, failure(leader.send(RangeId.of(6), FOLLOWER, SnapshotPurpose.REBALANCE, MINUTE)));
    assertEquals(1, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_REFUSED, SnapshotFailure.RECIPIENT_BUSY));
    release.countDown();
    first.get(30, TimeUnit.SECONDS);
  }

  @Test
  void badRequestsGetTypedFailures() throws Exception {
    SnapshotService leader = leader(b -> b);
    follower(b -> b.maxSnapshotBytes(1024 * 1024));
    assertEquals(SnapshotFailure.TOO_LARGE, failure(leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE)));
    leaderLibrary.host(RangeId.of(9), 1000, 3);
    assertEquals(SnapshotFailure.UNKNOWN_RANGE, failure(leader.send(RangeId.of(9), FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE)));
    followerLibrary.index.put(RangeId.of(10), 0L); // the follower hosts it, the leader cannot generate it
    assertEquals(SnapshotFailure.SOURCE_FAILED, failure(leader.send(RangeId.of(10), FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE)));
    assertEquals(SnapshotFailure.UNREACHABLE, failure(leader.send(RANGE, StoreId.of(3), SnapshotPurpose.CATCH_UP, MINUTE)));
    assertEquals(SnapshotFailure.INVALID, failure(leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, 0)));
  }

  @Test
  void anOfferTheRecipientsLibraryRefusesFailsNotRequestedWithoutRetriesOrAStage() throws Exception {
    SnapshotService leader = leader(b -> b);
    follower(b -> b);
    followerLibrary.consent = offer -> SnapshotConsent.refuse("this replica asked nobody");
    assertEquals(SnapshotFailure.NOT_REQUESTED, failure(leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE)));
    assertEquals(1, followerLibrary.offers.size(), "asked once: a refusal is not retried");
    assertEquals(0, counter(LEADER, GrpcMetrics.SNAPSHOT_RETRIES));
    assertEquals(1, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_REFUSED, SnapshotFailure.NOT_REQUESTED));
    assertEquals(0, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_RECEIVED_BYTES));
    assertFalse(followerLibrary.installed.containsKey(RANGE));
    assertNoStagedFiles();
  }

  @Test
  void aRecipientWithASmallerWindowGetsSmallerChunks() throws Exception {
    SnapshotService leader = leader(b -> b); // 256 KiB chunks
    follower(b -> b.receiveWindowBytes(64 * 1024));
    leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
    assertEquals(0, counter(FOLLOWER, GrpcMetrics.SNAPSHOT_PROTOCOL_ERRORS, "CHUNK_TOO_LARGE"));
  }

  @Test
  void aRecipientWithASmallFrameLimitGetsChunksThatFitIt() throws Exception {
    SnapshotService leader = leader(b -> b.chunkBytes(1024 * 1024)); // within its own 17 MiB frame limit
    followerLibrary.index.put(RANGE, 0L);
    // Frames of at most 256 KiB + 2 x 256 KiB + 64 KiB: a 1 MiB chunk would not get through.
    start(FOLLOWER, followerLibrary, b -> b, c -> c.targetBatchBytes(256 * 1024)
        .receiverLimits(ReceiverLimits.builder().maxMessageBytes(256 * 1024).build()));
    leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
    assertEquals(0, counter(LEADER, GrpcMetrics.SNAPSHOT_RETRIES), "no chunk was refused by the recipient's gRPC");
  }

  @Test
  void aFailedInstallReportsAndDeletesTheStage() throws Exception {
    SnapshotService leader = leader(b -> b);
    follower(b -> b);
    followerLibrary.installFailure = new IOException("disk full");
    assertEquals(SnapshotFailure.INSTALL_FAILED, failure(leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE)));
    assertFalse(followerLibrary.installed.containsKey(RANGE));
    assertNoStagedFiles();
  }
}
