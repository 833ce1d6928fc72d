package io.raftwire.grpc.internal.snapshot;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.MetricName;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.Readings;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.internal.snapshot.RawSnapshotClient.Call;
import io.raftwire.grpc.internal.wire.DelegateRequest;
import io.raftwire.grpc.internal.wire.SnapshotClientFrame;
import io.raftwire.grpc.internal.wire.SnapshotServerFrame.KindCase;
import io.raftwire.snapshot.SnapshotConsent;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipient of snapshot transfers against peers that do not follow the protocol, over real
 * gRPC on 127.0.0.1: a raw client sends what an attacker would (an offer nobody asked for, chunks
 * out of place, a flood of chunks, garbage), and each time an honest transfer on another stream
 * still works. The recipient's library asked store 1, in term 3, for a snapshot at index 40.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SnapshotHostilePeerTest {
  private static final StoreId LEADER = StoreId.of(1);
  private static final StoreId FOLLOWER = StoreId.of(2);
  private static final StoreId STRANGER = StoreId.of(9);
  private static final RangeId RANGE = RangeId.of(5);
  private static final RangeId OTHER = RangeId.of(6);
  private static final int SIZE = 40 * 1024 + 17;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);
  private static final long KIB = 1024;

  @TempDir Path dir;
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final List<GrpcTransport> started = new ArrayList<>();
  private final MetricRegistry metrics = new MetricRegistry();
  private final MemorySnapshots leaderLibrary = new MemorySnapshots().host(RANGE, SIZE, 40).host(OTHER, SIZE, 40);
  private final MemorySnapshots followerLibrary = new MemorySnapshots();
  private final Random random = new Random(22);

  @AfterEach
  void close() {
    started.forEach(GrpcTransport::close);
  }

  private GrpcTransport start(StoreId store, MemorySnapshots library, Optional<Timebase> time,
      UnaryOperator<SnapshotConfig.Builder> tweak) {
    SnapshotConfig snapshots = tweak.apply(SnapshotConfig.builder(library, library, spool(store))
        .chunkBytes(256 * 1024)).build();
    GrpcTransportConfig.Builder config = GrpcTransportConfig.builder(store, StoreResolver.of(addresses))
        .security(PeerSecurity.insecure()).metricRegistry(metrics).snapshots(snapshots);
    time.ifPresent(config::timebase);
    GrpcTransport t = GrpcTransport.start(config.build());
    addresses.put(store, t.listenAddress());
    started.add(t);
    return t;
  }

  /** The recipient; its library accepts only what it asked store 1 for: term at most 3, index 40 or later. */
  private GrpcTransport follower(Optional<Timebase> time, UnaryOperator<SnapshotConfig.Builder> tweak) {
    followerLibrary.index.put(RANGE, 0L);
    followerLibrary.index.put(OTHER, 0L);
    followerLibrary.consent = SnapshotHostilePeerTest::askedOnly;
    return start(FOLLOWER, followerLibrary, time, tweak);
  }

  private static SnapshotConsent askedOnly(SnapshotOffer offer) {
    return offer.leader().equals(LEADER) && offer.meta().term() <= 3 && offer.meta().index() >= 40
        ? SnapshotConsent.accept()
        : SnapshotConsent.refuse("asked s1 in term 3 for a snapshot from index 40");
  }

  private SnapshotTransfers leader() {
    return start(LEADER, leaderLibrary, Optional.empty(), b -> b).snapshots().orElseThrow();
  }

  private Path spool(StoreId store) {
    return dir.resolve("spool-" + store.value());
  }

  private long read(MetricName name, Object... parts) {
    return Readings.readOrZero(metrics, FOLLOWER, name, parts);
  }

  private long held() {
    return read(GrpcMetrics.SNAPSHOT_HELD_BYTES);
  }

  private List<Path> staged() throws IOException {
    try (Stream<Path> files = Files.list(spool(FOLLOWER))) {
      return files.toList();
    }
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private void assertRefused(Call call, SnapshotFailure failure) throws Exception {
    assertEquals(failure.name(), call.next(KindCase.REFUSED).getRefused().getFailure());
    assertEquals(Status.Code.OK, call.status().getCode(), "a refusal is an answer, the stream ends normally");
  }

  /** An honest transfer of RANGE from store 1 still works, and installs what store 1 sent. */
  private void anHonestTransferStillWorks(SnapshotTransfers leader) throws Exception {
    SnapshotMeta meta = leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE).get(30, TimeUnit.SECONDS);
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
    assertEquals(SnapshotOffer.of(LEADER, LEADER, SnapshotPurpose.CATCH_UP, meta), followerLibrary.installedOffers.get(RANGE));
  }

  @Test
  void anOfferTheLibraryDidNotAskForIsRefusedBeforeAByteIsStaged() throws Exception {
    GrpcTransport follower = follower(Optional.empty(), b -> b);
    SnapshotTransfers leader = leader();
    byte[] forged = bytes(1000);
    // Claims to send for the leader, far ahead of the commit index, in a term nobody is in.
    SnapshotMeta meta = SnapshotMeta.of(RANGE, 100_040, 999, 1, forged.length, RawSnapshotClient.crc(forged));
    try (RawSnapshotClient raw = new RawSnapshotClient(follower.listenAddress())) {
      Call call = raw.open(RawSnapshotClient.TRANSFER);
      call.send(RawSnapshotClient.reserve(STRANGER, FOLLOWER, LEADER, RANGE));
      call.next(KindCase.GRANTED);
      call.send(RawSnapshotClient.offer(meta, 1024)); // and, without waiting, the rest of it
      call.send(RawSnapshotClient.chunk(0, forged));
      call.send(RawSnapshotClient.finish());
      assertRefused(call, SnapshotFailure.NOT_REQUESTED);

      assertEquals(List.of(SnapshotOffer.of(STRANGER, LEADER, SnapshotPurpose.CATCH_UP, meta)), followerLibrary.offers);
      assertEquals(1, read(GrpcMetrics.SNAPSHOT_REFUSED, SnapshotFailure.NOT_REQUESTED));
      assertEquals(List.of(), staged(), "no stage was ever opened for it");
      assertEquals(0, read(GrpcMetrics.SNAPSHOT_RECEIVED_BYTES));
      assertEquals(0, held());

      // A library that fails to decide refuses too.
      followerLibrary.consent = offer -> {
        throw new IllegalStateException("replica busy");
      };
      Call failing = raw.open(RawSnapshotClient.TRANSFER);
      failing.send(RawSnapshotClient.reserve(LEADER, FOLLOWER, LEADER, RANGE));
      failing.next(KindCase.GRANTED);
      failing.send(RawSnapshotClient.offer(SnapshotMeta.of(RANGE, 40, 3, 1, forged.length, 0), 1024));
      assertRefused(failing, SnapshotFailure.NOT_REQUESTED);
    }
    assertTrue(followerLibrary.installed.isEmpty());
    await().until(() -> read(GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE) == 0); // released once the refused calls end

    followerLibrary.consent = SnapshotHostilePeerTest::askedOnly;
    anHonestTransferStillWorks(leader);
  }

  @Test
  void chunksOutOfPlaceAreRefusedAndEndOnlyTheirOwnStream() throws Exception {
    GrpcTransport follower = follower(Optional.empty(), b -> b);
    SnapshotTransfers leader = leader();
    byte[] good = bytes(3000);
    SnapshotMeta goodMeta = SnapshotMeta.of(OTHER, 40, 3, 1, good.length, RawSnapshotClient.crc(good));
    try (RawSnapshotClient raw = new RawSnapshotClient(follower.listenAddress())) {
      // A well-behaved stream, left half done while the others misbehave.
      Call honest = raw.open(RawSnapshotClient.TRANSFER);
      honest.send(RawSnapshotClient.reserve(LEADER, FOLLOWER, LEADER, OTHER));
      honest.next(KindCase.GRANTED);
      honest.send(RawSnapshotClient.offer(goodMeta, 1024));
      honest.next(KindCase.RESUME);
      honest.send(RawSnapshotClient.chunk(0, Arrays.copyOfRange(good, 0, 1024)));
      assertEquals(1024, honest.next(KindCase.CHUNK_ACK).getChunkAck().getNextOffset());

      Call noOffer = raw.open(RawSnapshotClient.TRANSFER);
      noOffer.send(RawSnapshotClient.reserve(LEADER, FOLLOWER, LEADER, RANGE));
      noOffer.next(KindCase.GRANTED);
      noOffer.send(RawSnapshotClient.chunk(0, bytes(10)));
      assertRefused(noOffer, SnapshotFailure.INVALID);
      assertEquals(1, read(GrpcMetrics.SNAPSHOT_PROTOCOL_ERRORS, "CHUNK_WITHOUT_OFFER"));

      Call outOfOrder = offered(raw, SnapshotMeta.of(RANGE, 40, 3, 1, 2048, 0), 1024);
      outOfOrder.send(RawSnapshotClient.chunk(1024, bytes(1024)));
      assertRefused(outOfOrder, SnapshotFailure.INVALID);
      assertEquals(1, read(GrpcMetrics.SNAPSHOT_PROTOCOL_ERRORS, "CHUNK_OUT_OF_ORDER"));

      Call beyond = offered(raw, SnapshotMeta.of(RANGE, 40, 3, 1, 1500, 0), 1024);
      beyond.send(RawSnapshotClient.chunk(0, bytes(1024)));
      beyond.next(KindCase.CHUNK_ACK);
      beyond.send(RawSnapshotClient.chunk(1024, bytes(1024)));
      assertRefused(beyond, SnapshotFailure.INVALID);
      assertEquals(1, read(GrpcMetrics.SNAPSHOT_PROTOCOL_ERRORS, "CHUNK_BEYOND_SIZE"));

      Call tooLarge = offered(raw, SnapshotMeta.of(RANGE, 40, 3, 1, 4096, 0), 1024);
      tooLarge.send(RawSnapshotClient.chunk(0, bytes(2048)));
      assertRefused(tooLarge, SnapshotFailure.INVALID);
      assertEquals(1, read(GrpcMetrics.SNAPSHOT_PROTOCOL_ERRORS, "CHUNK_TOO_LARGE"));

      assertEquals(4, read(GrpcMetrics.SNAPSHOT_REFUSED, SnapshotFailure.INVALID));
      await().until(() -> staged().size() == 1); // the refused stages are deleted, the honest one stays

      honest.send(RawSnapshotClient.chunk(1024, Arrays.copyOfRange(good, 1024, 2048)));
      honest.send(RawSnapshotClient.chunk(2048, Arrays.copyOfRange(good, 2048, good.length)));
      honest.next(KindCase.CHUNK_ACK);
      honest.next(KindCase.CHUNK_ACK);
      honest.send(RawSnapshotClient.finish());
      honest.next(KindCase.INSTALLED);
    }
    assertArrayEquals(good, followerLibrary.installed.get(OTHER));
    assertFalse(followerLibrary.installed.containsKey(RANGE));
    await().until(() -> staged().isEmpty());
    anHonestTransferStillWorks(leader);
  }

  /** A stream of RANGE reserved, offered {@code meta} in chunks of {@code chunk} and told to start at 0. */
  private static Call offered(RawSnapshotClient raw, SnapshotMeta meta, int chunk) throws Exception {
    Call call = raw.open(RawSnapshotClient.TRANSFER);
    call.send(RawSnapshotClient.reserve(LEADER, FOLLOWER, LEADER, RANGE));
    call.next(KindCase.GRANTED);
    call.send(RawSnapshotClient.offer(meta, chunk));
    assertEquals(0, call.next(KindCase.RESUME).getResume().getOffset());
    return call;
  }

  @Test
  void garbageOnTheSnapshotServiceIsAnsweredInvalidArgumentWithoutAStackTrace() throws Exception {
    List<LogRecord> grpcWarnings = new CopyOnWriteArrayList<>();
    Logger grpcLog = Logger.getLogger("io.grpc");
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          grpcWarnings.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    grpcLog.addHandler(capture);
    try {
      GrpcTransport follower = follower(Optional.empty(), b -> b);
      SnapshotTransfers leader = leader();
      byte[] garbage = bytes(64);
      assertThrows(InvalidProtocolBufferException.class, () -> SnapshotClientFrame.parseFrom(garbage));
      assertThrows(InvalidProtocolBufferException.class, () -> DelegateRequest.parseFrom(garbage));
      try (RawSnapshotClient raw = new RawSnapshotClient(follower.listenAddress())) {
        for (int i = 0; i < 10; i++) {
          Call call = raw.open(RawSnapshotClient.TRANSFER);
          call.sendBytes(garbage);
          assertEquals(Status.Code.INVALID_ARGUMENT, call.status().getCode());
        }
        Call delegate = raw.open(RawSnapshotClient.DELEGATE);
        delegate.sendBytes(garbage);
        delegate.call.halfClose();
        assertEquals(Status.Code.INVALID_ARGUMENT, delegate.status().getCode());

        // Garbage in the middle of a transfer that had its slot ends it too, and frees the slot.
        Call midway = raw.open(RawSnapshotClient.TRANSFER);
        midway.send(RawSnapshotClient.reserve(LEADER, FOLLOWER, LEADER, RANGE));
        midway.next(KindCase.GRANTED);
        midway.sendBytes(garbage);
        assertEquals(Status.Code.INVALID_ARGUMENT, midway.status().getCode());
      }
      assertEquals(12, read(GrpcMetrics.SNAPSHOT_MALFORMED_FRAMES));
      await().until(() -> read(GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE) == 0);
      anHonestTransferStillWorks(leader);
      assertEquals(List.of(), grpcWarnings.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList(),
          "gRPC logged nothing about the garbage");
    } finally {
      grpcLog.removeHandler(capture);
    }
  }

  @Test
  void aChunkFloodIsHeldWithinTheReceiveWindowAndACancelledTransferStopsAtOnce() throws Exception {
    FakeTimebase time = new FakeTimebase(); // the recipient's: its pacing moves only when the test says
    long window = 64 * KIB;
    int chunk = (int) (16 * KIB);
    GrpcTransport follower = follower(Optional.of(time), b -> b.receiveBytesPerSecond(64 * KIB)
        .receiveWindowBytes(window).maxRetainedStageBytes(16 * KIB));
    SnapshotTransfers leader = leader();
    SnapshotMeta huge = SnapshotMeta.of(RANGE, 40, 3, 1, 8L << 30, 0x5eed);
    byte[] data = bytes(chunk);
    AtomicLong maxHeld = new AtomicLong();
    AtomicLong written = new AtomicLong();
    try (RawSnapshotClient raw = new RawSnapshotClient(follower.listenAddress())) {
      Call flood = raw.open(RawSnapshotClient.TRANSFER);
      flood.send(RawSnapshotClient.reserve(LEADER, FOLLOWER, LEADER, RANGE));
      assertEquals(window, flood.next(KindCase.GRANTED).getGranted().getMaxChunkBytes());
      flood.send(RawSnapshotClient.offer(huge, chunk));
      flood.next(KindCase.RESUME);
      // As fast as the connection takes them, up to 8 MiB (128 windows).
      flood.onReady = () -> {
        synchronized (written) {
          while (flood.call.isReady() && written.get() < (8L << 20)) {
            flood.send(RawSnapshotClient.chunk(written.get(), data));
            written.addAndGet(chunk);
            maxHeld.accumulateAndGet(held(), Math::max);
          }
        }
      };
      flood.onReady.run();

      // The recipient reads no further than its window; gRPC's flow control stops the writer.
      await().until(() -> {
        maxHeld.accumulateAndGet(held(), Math::max);
        return held() >= window && !flood.call.isReady();
      });
      assertTrue(maxHeld.get() <= window, "held at most the window: " + maxHeld.get());
      assertTrue(written.get() < (8L << 20), "the writer was held back, after " + written.get() + " bytes");
      // Chunks are written at the receive rate, the window never overflows.
      await().until(() -> {
        time.advance(Duration.ofMillis(250));
        maxHeld.accumulateAndGet(held(), Math::max);
        return read(GrpcMetrics.SNAPSHOT_RECEIVED_BYTES) >= 4 * window;
      });
      assertTrue(maxHeld.get() <= window, "held at most the window: " + maxHeld.get());

      flood.call.cancel("the attacker gives up", null);
      await().until(() -> read(GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE) == 0); // the recipient saw the cancel
      long atCancel = read(GrpcMetrics.SNAPSHOT_RECEIVED_BYTES);
      time.advance(Duration.ofSeconds(60)); // a minute at the receive rate would write 60 more chunks
      await().until(() -> held() == 0);
      assertTrue(read(GrpcMetrics.SNAPSHOT_RECEIVED_BYTES) - atCancel <= chunk,
          "at most the chunk being written when the cancel arrived: " + (read(GrpcMetrics.SNAPSHOT_RECEIVED_BYTES) - atCancel));
      // Its stage held more than the 16 KiB kept for resumes: deleted.
      await().until(() -> staged().isEmpty());
      assertEquals(0, read(GrpcMetrics.SNAPSHOT_RETAINED_STAGE_BYTES));
    }

    // An honest transfer on another stream: store 1's chunks (256 KiB) shrink to the window.
    CompletableFuture<SnapshotMeta> honest = leader.send(RANGE, FOLLOWER, SnapshotPurpose.CATCH_UP, MINUTE);
    await().until(() -> {
      time.advance(Duration.ofMillis(100));
      return honest.isDone();
    });
    honest.get();
    assertArrayEquals(leaderLibrary.data.get(RANGE), followerLibrary.installed.get(RANGE));
  }
}
