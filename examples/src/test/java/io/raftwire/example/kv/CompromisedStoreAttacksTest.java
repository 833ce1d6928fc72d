package io.raftwire.example.kv;

import static io.raftwire.example.kv.SecuredCluster.CLUSTER_ID;
import static io.raftwire.example.kv.SecuredCluster.RANGES;
import static io.raftwire.example.kv.SecuredCluster.S1;
import static io.raftwire.example.kv.SecuredCluster.S2;
import static io.raftwire.example.kv.SecuredCluster.S3;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.microraft.report.RaftGroupMembers;
import io.raftwire.adapter.microraft.MicroRaftSnapshots;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.snapshot.ReplicaState;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.snapshot.SnapshotView;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks from a store whose certificate and key were stolen (or that is itself compromised),
 * against the example cluster over mutual TLS. Everything the intruder sends is authentically
 * store 3's: the hello, the envelopes' writing store and the connection's certificate agree, so
 * the certificate binding lets it all in. What must stop it then is further in: the MicroRaft
 * adapter, which hands a message to its node only if the Raft payload's sender is the envelope's
 * store; the replica's consent, without which no snapshot is staged or installed; the frame limit;
 * and the problem log. Each test asserts that nothing changed (no term, leader or log of any range,
 * no forged key on any store, no snapshot installed) and that honest puts succeed.
 *
 * <p>The snapshot attack runs last: a store that installed the forged snapshot would have a range
 * that takes no writes any more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompromisedStoreAttacksTest {
  private static final int MiB = 1 << 20;
  private SecuredCluster secured;
  private RaftState before;

  @BeforeAll
  void start() {
    secured = SecuredCluster.start();
  }

  @AfterAll
  void stop() {
    secured.close();
  }

  @BeforeEach
  void settle() {
    before = secured.settled();
  }

  private Intruder store3To(StoreId target) {
    return Intruder.withCertificateOf(secured.raftAddress(target), secured.stolenFrom(S3));
  }

  /**
   * Waits until {@code store} has dropped {@code count} more undecodable messages than {@code
   * since}: sent after the forgeries of each range on the same stream, they show that every
   * forgery was handed on (or refused) before them.
   */
  private void awaitUndecodable(StoreId store, long since, int count) {
    await().atMost(SecuredCluster.WAIT).until(() -> secured.cluster.node(store).undecodableMessages() >= since + count);
  }

  @Test
  @Order(1)
  void aFrameDeclaring63MiBIsRefusedOnItsLengthBeforeTheStoreBuffersIt() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (Intruder store3 = store3To(S1)) {
      long limit = store3.stream().send(Forgery.hello(S3, S1, Lane.LANE_DATA)).awaitHelloAck();
      assertTrue(limit < 63L * MiB, "store 1 announces a frame limit below 63 MiB: " + limit);
      // On a stream of its own (one the store has not answered yet, so that the refusal comes with
      // its status rather than as a bare reset), a frame whose length prefix says 63 MiB; its first
      // 2 MiB follow, the rest never does. A store that read a frame whole before refusing it would
      // wait here for the other 61 MiB.
      Intruder.Stream stream = store3.stream();
      Intruder.HeldBackFrame frame = new Intruder.HeldBackFrame(63 * MiB, 2 * MiB);
      Future<?> writing = writer.submit(() -> stream.send(frame));
      frame.heldBack.get(30, TimeUnit.SECONDS);
      // What the intruder's gRPC framed so far waits in its connection's write queue; opening
      // another stream flushes it onto the wire.
      Intruder.Stream flush = store3.stream();
      Status refused = stream.awaitEnd(); // while the writer still holds back 61 MiB of the frame
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
      frame.release();
      writing.get(30, TimeUnit.SECONDS);
      flush.cancel();
    } finally {
      writer.shutdownNow();
    }
    secured.assertNothingChangedSince(before);
  }

  @Test
  @Order(2)
  void threeThousandUndecodablePayloadsAreCountedAndLoggedInAFewLinesOnly() {
    long undecodable = secured.cluster.node(S1).undecodableMessages();
    try (LogLines log = new LogLines(); Intruder store3 = store3To(S1)) {
      Intruder.Stream stream = store3.stream().send(Forgery.hello(S3, S1, Lane.LANE_CONTROL));
      stream.awaitHelloAck();
      long linesBefore = log.count();
      for (int batch = 0; batch < 6; batch++) {
        List<Envelope> garbage = new ArrayList<>();
        for (int i = 1; i <= 500; i++) {
          long seq = batch * 500L + i;
          garbage.add(Forgery.undecodable(seq, RangeId.of((int) (seq % RANGES) + 1), S3, S1));
        }
        stream.send(Forgery.batch(garbage));
      }
      awaitUndecodable(S1, undecodable, 3000);
      long lines = log.count() - linesBefore;
      assertTrue(lines <= 10, "3000 undecodable messages from one store logged " + lines + " lines");
    }
    assertEquals(undecodable + 3000, secured.cluster.node(S1).undecodableMessages(), "each one was counted");
    secured.assertNothingChangedSince(before);
  }

  @Test
  @Order(3)
  void votesWhosePayloadNamesStore2OnStore3sOwnStreamChangeNoTermAndNoLeader() {
    int term = before.replicas().values().stream().mapToInt(RaftState.Replica::term).max().orElseThrow() + 100;
    List<Envelope> envelopes = new ArrayList<>();
    long seq = 1;
    for (Envelope vote : Forgery.votes(RANGES, S2, S1, term)) {
      // Hello, writing store and replica are store 3's; only the vote inside names store 2.
      envelopes.add(Forgery.asOwnOf(S3, vote).toBuilder().setSeq(seq++).build());
    }
    for (int r = 1; r <= RANGES; r++) {
      envelopes.add(Forgery.undecodable(seq++, RangeId.of(r), S3, S1));
    }
    long undecodable = secured.cluster.node(S1).undecodableMessages();
    try (Intruder store3 = store3To(S1)) {
      Intruder.Stream stream = store3.stream().send(Forgery.hello(S3, S1, Lane.LANE_CONTROL));
      stream.awaitHelloAck();
      stream.send(Forgery.batch(envelopes));
      awaitUndecodable(S1, undecodable, RANGES);
    }
    secured.assertNothingChangedSince(before);
  }

  @Test
  @Order(4)
  void anAppendWhosePayloadNamesTheLeaderOnStore3sOwnStreamWritesNothing() {
    String key = "forged-in-the-payload";
    RangeId range = secured.cluster.node(S1).ranges().rangeOf(ByteString.copyFromUtf8(key));
    RaftState.Replica follower = secured.replica(before, range, S2);
    Envelope forged = Forgery.asOwnOf(S3,
        Forgery.append(1, range, S1, S2, follower.term(), follower.lastLogIndex(), follower.lastLogTerm(), key));
    Envelope sentinel = forged.toBuilder().setSeq(2).setPayload(Forgery.undecodable(2, range, S3, S2).getPayload()).build();
    long undecodable = secured.cluster.node(S2).undecodableMessages();
    try (Intruder store3 = store3To(S2)) {
      Intruder.Stream stream = store3.stream().send(Forgery.hello(S3, S2, Lane.LANE_DATA));
      stream.awaitHelloAck();
      stream.send(Forgery.batch(List.of(forged, sentinel)));
      awaitUndecodable(S2, undecodable, 1);
    }
    secured.assertNothingChangedSince(before, key);
  }

  @Test
  @Order(5)
  void aSnapshotOfferedByStore3ThatNoReplicaAskedForIsNotInstalled(@TempDir Path spool) throws Exception {
    String key = "forged-by-snapshot";
    RangeId range = secured.cluster.node(S1).ranges().rangeOf(ByteString.copyFromUtf8(key));
    RaftState.Replica follower = secured.replica(before, range, S2);
    RaftGroupMembers members = secured.cluster.node(S2).node(range).orElseThrow().getCommittedMembers();
    // Far ahead of every replica, in a term nobody reached, checksummed, holding only the forged key.
    SnapshotView forged = Forgery.snapshot(range, members, follower.commitIndex() + 100_000, 999, key);
    long installed = secured.cluster.node(S2).snapshots().installed();
    // Store 3's stolen certificate on a raftwire transport of the intruder's own, whose snapshot
    // source is the forgery: it offers it to store 2 exactly as a leader catching a follower up would.
    GrpcTransport rogue = GrpcTransport.start(GrpcTransportConfig.builder(S3,
            StoreResolver.of(Map.of(S1, secured.raftAddress(S1), S2, secured.raftAddress(S2))))
        .security(secured.stolenFrom(S3).security(CLUSTER_ID))
        .snapshots(SnapshotConfig.builder(source(forged), new MicroRaftSnapshots(Forgery.CODEC), spool)
            .maxDelegates(0).build())
        .metricRegistry(new MetricRegistry())
        .build());
    try {
      CompletableFuture<SnapshotMeta> offered = rogue.snapshots().orElseThrow()
          .send(range, S2, SnapshotPurpose.CATCH_UP, TimeUnit.SECONDS.toNanos(60));
      ExecutionException failed = assertThrows(ExecutionException.class, () -> offered.get(90, TimeUnit.SECONDS),
          "store 2 installed a snapshot nobody asked for");
      SnapshotException refused = assertInstanceOf(SnapshotException.class, failed.getCause());
      assertEquals(SnapshotFailure.NOT_REQUESTED, refused.failure(), refused.getMessage());
    } finally {
      rogue.close();
    }
    assertEquals(installed, secured.cluster.node(S2).snapshots().installed(), "no snapshot installed");
    secured.assertNothingChangedSince(before, key);
  }

  /** A snapshot source whose only snapshot is {@code view}, of a replica that claims its term and members. */
  private static SnapshotSource source(SnapshotView view) {
    SnapshotMeta meta = view.meta();
    return new SnapshotSource() {
      @Override
      public SnapshotView open(RangeId range) {
        return view;
      }

      @Override
      public Optional<ReplicaState> state(RangeId range) {
        return Optional.of(ReplicaState.of(meta.term(), meta.configGeneration(), Set.of(S1, S2, S3), meta.index() + 1,
            meta.index()));
      }
    };
  }
}
