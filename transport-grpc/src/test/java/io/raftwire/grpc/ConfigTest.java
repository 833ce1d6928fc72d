package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ConfigTest {
  private static final StoreResolver NONE = StoreResolver.of(Map.of());

  private static void rejects(String field, Consumer<GrpcTransportConfig.Builder> change) {
    GrpcTransportConfig.Builder b = GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure());
    change.accept(b);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().startsWith(field), e.getMessage());
  }

  @Test
  void nonsenseIsRejectedNamingTheField() {
    rejects("workerThreads", b -> b.workerThreads(0));
    rejects("receiveThreads", b -> b.receiveThreads(-1));
    rejects("targetBatchBytes", b -> b.targetBatchBytes(-1));
    rejects("maxBatchMessages", b -> b.maxBatchMessages(0));
    rejects("streamWindowBytes", b -> b.streamWindowBytes(65_534));
    rejects("reconnectMaxBackoffNanos", b -> b.reconnectBackoff(100, 10, 2, 0.1));
    rejects("reconnectBackoffMultiplier", b -> b.reconnectBackoff(100, 1000, 0.5, 0.1));
    rejects("reconnectJitter", b -> b.reconnectBackoff(100, 1000, 2, 1.5));
    rejects("idleStreamTimeoutNanos", b -> b.idleStreamTimeoutNanos(0));
    assertThrows(NullPointerException.class, () -> GrpcTransportConfig.builder(null, NONE));
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    GrpcTransportConfig c = GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure()).build();
    assertEquals(1024 * 1024, c.targetBatchBytes());
    assertEquals(64 * 1024, c.drrQuantumBytes());
    assertEquals(1 << 20, c.streamWindowBytes());
    assertTrue(c.controlOnSeparateConnection());
    assertEquals(Math.max(2, Runtime.getRuntime().availableProcessors()), c.receiveThreads());
    assertEquals(ReceiverLimits.defaults(), c.receiverLimits());
    assertEquals(16L << 20, ReceiverLimits.defaults().rangeAppendQueueBytes());
    assertEquals(256L << 20, ReceiverLimits.defaults().receiveBudgetBytes());
  }

  @Test
  void receiverLimitsRejectNonsense() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().rangeAppendQueueBytes(1024).build());
    assertTrue(e.getMessage().startsWith("rangeAppendQueueBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().receiveBudgetBytes(1 << 20).build());
    assertTrue(e.getMessage().startsWith("receiveBudgetBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().controlBudgetBytes(1024).build());
    assertTrue(e.getMessage().startsWith("controlBudgetBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().rangeAppendQueueMessages(0).build());
    assertTrue(e.getMessage().startsWith("rangeAppendQueueMessages"), e.getMessage());
  }

  @Test
  void securityMustBeChosenAndPlaintextIsAnExplicitChoice() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GrpcTransportConfig.builder(StoreId.of(1), NONE).build());
    assertTrue(e.getMessage().startsWith("security must be chosen"), e.getMessage());
    assertTrue(GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure()).build()
        .security().isInsecure());
  }

  @Test
  void theFrameLimitIsOneBatchAndTwoLargestMessagesAndSnapshotChunksMustFitIt() {
    GrpcTransportConfig c = GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure()).build();
    assertEquals(c.targetBatchBytes() + 2 * c.receiverLimits().maxMessageBytes() + 64 * 1024, c.maxFrameBytes());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure())
            .snapshots(SnapshotConfig.builder(RANGE_SOURCE, NO_SINK, java.nio.file.Path.of("spool"))
                .chunkBytes(32 << 20).build())
            .build());
    assertTrue(e.getMessage().startsWith("snapshot chunkBytes"), e.getMessage());
  }

  private static final io.raftwire.snapshot.SnapshotSource RANGE_SOURCE = new io.raftwire.snapshot.SnapshotSource() {
    @Override
    public io.raftwire.snapshot.SnapshotView open(io.raftwire.topology.RangeId range) throws java.io.IOException {
      throw new java.io.IOException("no snapshots here");
    }

    @Override
    public java.util.Optional<io.raftwire.snapshot.ReplicaState> state(io.raftwire.topology.RangeId range) {
      return java.util.Optional.empty();
    }
  };

  /** A sink that wants nothing: the config is only built, never started. */
  private static final io.raftwire.snapshot.SnapshotSink NO_SINK = new io.raftwire.snapshot.SnapshotSink() {
    @Override
    public io.raftwire.snapshot.SnapshotConsent consent(io.raftwire.snapshot.SnapshotOffer offer) {
      return io.raftwire.snapshot.SnapshotConsent.refuse("no snapshots here");
    }

    @Override
    public void install(io.raftwire.snapshot.SnapshotOffer offer, java.nio.file.Path file) throws java.io.IOException {
      throw new java.io.IOException("no snapshots here");
    }
  };

  @Test
  void serverLimitsHaveTheDocumentedDefaultsAndRejectNonsense() {
    ServerLimits d = ServerLimits.defaults();
    assertEquals(100, d.maxConcurrentCallsPerConnection());
    assertEquals(8 * 1024, d.maxInboundMetadataBytes());
    assertEquals(java.util.concurrent.TimeUnit.SECONDS.toNanos(10), d.handshakeTimeoutNanos());
    assertEquals(200, d.maxRstFramesPerWindow());
    assertEquals(8, d.maxConnectionsPerPeer());
    assertEquals(16, d.maxStreamsPerPeer());
    assertEquals(Long.MAX_VALUE, d.maxConnectionAgeNanos());
    for (Runnable nonsense : java.util.List.<Runnable>of(
        () -> ServerLimits.builder().maxConcurrentCallsPerConnection(1).build(),
        () -> ServerLimits.builder().maxInboundMetadataBytes(10).build(),
        () -> ServerLimits.builder().handshakeTimeoutNanos(0).build(),
        () -> ServerLimits.builder().maxRstFramesPerWindow(10, 1000).build(),
        () -> ServerLimits.builder().maxConnectionsPerPeer(1).build(),
        () -> ServerLimits.builder().maxStreamsPerPeer(1).build())) {
      assertThrows(IllegalArgumentException.class, nonsense::run);
    }
  }

  @Test
  void storeUrisNameAStoreOfOneCluster() {
    assertEquals("raftwire://cluster/prod-eu/store/3", PeerSecurity.storeUri("prod-eu", StoreId.of(3)));
    assertThrows(IllegalArgumentException.class, () -> PeerSecurity.storeUri("has/slash", StoreId.of(3)));
    assertThrows(IllegalArgumentException.class, () -> PeerSecurity.storeUri("", StoreId.of(3)));
  }
}
