package io.raftwire.adapter.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.TransportLimits;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Switching by configuration, the checks it makes, and the group-to-range mapping. */
class RaftwireRatisTest {
  @TempDir Path data;

  private static RatisStores stores() {
    return new RatisStores().put(RaftPeerId.valueOf("s1"), StoreId.of(1), Locality.UNKNOWN);
  }

  @Test
  void configureSelectsRaftwireAndFitsRatisRequestsIntoMessages() {
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      RaftTransport transport = network.newTransport(StoreId.of(1));
      RaftProperties properties = new RaftProperties();
      Parameters parameters = new Parameters();
      RaftwireRatis.configure(properties, parameters, transport, stores());
      assertEquals(RaftwireRpcType.INSTANCE, RaftConfigKeys.Rpc.type(properties, s -> { }));
      long max = transport.limits().maxMessageBytes();
      assertEquals(max / 2, RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(properties).getSize(),
          "Ratis's 16 MiB default chunk is lowered to half a message");
      assertEquals(4L << 20, RaftServerConfigKeys.Log.Appender.bufferByteLimit(properties).getSize(),
          "Ratis's 4 MiB append buffer fits and stays");
      assertSame(transport, parameters.get(Binding.KEY, Binding.class).transport);
    }
  }

  @Test
  void ratisResolvesTheTypeByItsName() {
    RpcType type = RpcType.valueOf(RaftwireRpcType.class.getName());
    assertEquals(RaftwireRpcType.INSTANCE, type);
    assertEquals(RaftwireRpcType.class.getName(), type.name());
  }

  @Test
  void sizesSetTooLargeAreRefusedNamingTheProperty() {
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      RaftTransport transport = network.newTransport(StoreId.of(1),
          TransportLimits.builder().maxMessageBytes(1 << 20).build());
      RaftProperties properties = new RaftProperties();
      RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, SizeInBytes.valueOf("2MB"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RaftwireRatis.configure(properties, new Parameters(), transport, stores()));
      assertTrue(e.getMessage().contains(RaftServerConfigKeys.Log.Appender.BUFFER_BYTE_LIMIT_KEY), e.getMessage());

      RaftProperties chunks = new RaftProperties();
      RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(chunks, SizeInBytes.valueOf("4MB"));
      e = assertThrows(IllegalArgumentException.class,
          () -> RaftwireRatis.configure(chunks, new Parameters(), transport, stores()));
      assertTrue(e.getMessage().contains(RaftServerConfigKeys.Log.Appender.SNAPSHOT_CHUNK_SIZE_MAX_KEY), e.getMessage());
    }
  }

  /**
   * A composing follower answers an append that starts where a pending one starts as written without
   * writing it; with the adapter's pipelined appender that leaves a follower acknowledged beyond its
   * log, stuck for good (RatisHeartbeatTest caught it). The adapter turns composing off and refuses it on.
   */
  @Test
  void followersDoNotComposeAppendsAndTurningItOnIsRefused() {
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      RaftTransport transport = network.newTransport(StoreId.of(1), TransportLimits.defaults());
      RaftProperties unset = new RaftProperties();
      RaftwireRatis.configure(unset, new Parameters(), transport, stores());
      assertFalse(RaftServerConfigKeys.Log.appendEntriesComposeEnabled(unset));

      RaftProperties off = new RaftProperties();
      RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(off, false);
      RaftwireRatis.configure(off, new Parameters(), transport, stores());
      assertFalse(RaftServerConfigKeys.Log.appendEntriesComposeEnabled(off));

      RaftProperties on = new RaftProperties();
      RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(on, true);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RaftwireRatis.configure(on, new Parameters(), transport, stores()));
      assertTrue(e.getMessage().contains(RaftServerConfigKeys.Log.APPEND_ENTRIES_COMPOSE_ENABLED_KEY), e.getMessage());
    }
  }

  @Test
  void aServerSwitchedWithoutItsTransportFailsToBuildWithAClearError() {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, RaftwireRpcType.INSTANCE);
    RaftServerConfigKeys.setStorageDir(properties, List.of(data.toFile()));
    Exception e = assertThrows(Exception.class, () -> RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf("s1"))
        .setProperties(properties)
        .setStateMachine(new KvStateMachine())
        .build());
    Throwable t = e;
    while (t.getCause() != null && !(t instanceof IllegalStateException)) {
      t = t.getCause();
    }
    assertTrue(String.valueOf(t.getMessage()).contains("RaftwireRatis.configure"), "names the fix: " + e);
  }

  @Test
  void storesRefuseAPeerOrStoreThatIsSomeoneElseAlready() {
    RatisStores stores = stores();
    stores.put(RaftPeerId.valueOf("s1"), StoreId.of(1), Locality.parse("zone=b")); // a re-add may move it
    assertEquals(Locality.parse("zone=b"), stores.localityOf(StoreId.of(1)).orElseThrow());
    assertThrows(IllegalArgumentException.class, () -> stores.put(RaftPeerId.valueOf("s1"), StoreId.of(2), Locality.UNKNOWN));
    assertThrows(IllegalArgumentException.class, () -> stores.put(RaftPeerId.valueOf("s2"), StoreId.of(1), Locality.UNKNOWN));
    assertEquals(RaftPeerId.valueOf("s1"), stores.peerOf(StoreId.of(1)).orElseThrow());
    assertTrue(stores.storeOf(RaftPeerId.valueOf("s3")).isEmpty());
  }

  @Test
  void hashedRangesSpreadStructuredGroupIdsAndTablesWin() {
    RatisGroupRanges hashed = RatisGroupRanges.hashed();
    Set<RangeId> ranges = new HashSet<>();
    for (int i = 1; i <= 10_000; i++) {
      // sequential ids, and ids whose halves are equal (a plain XOR fold would send all of these to one range)
      ranges.add(hashed.rangeOf(RaftGroupId.valueOf(new UUID(0x5241_5449_5300_0000L + i, i))));
      ranges.add(hashed.rangeOf(RaftGroupId.valueOf(new UUID(i, i))));
    }
    assertEquals(20_000, ranges.size(), "no two of 20,000 structured group ids share a range");
    RaftGroupId g = RaftGroupId.valueOf(UUID.randomUUID());
    assertEquals(hashed.rangeOf(g), RatisGroupRanges.hashed().rangeOf(g), "the same on every server");

    RaftGroupId numbered = RaftGroupId.valueOf(new UUID(0, 7));
    RatisGroupRanges table = RatisGroupRanges.of(Map.of(numbered, RangeId.of(7)));
    assertEquals(RangeId.of(7), table.rangeOf(numbered));
    assertNotEquals(RangeId.of(7), table.rangeOf(g));
    assertThrows(IllegalArgumentException.class, () -> RatisGroupRanges.of(Map.of(numbered, RangeId.of(7), g, RangeId.of(7))));
  }

  @Test
  void optionsRefuseNonsense() {
    assertThrows(IllegalArgumentException.class, () -> RatisOptions.builder().maxPendingCalls(0));
    assertThrows(IllegalArgumentException.class, () -> RatisOptions.builder().dispatchThreads(0));
    assertThrows(IllegalArgumentException.class, () -> RatisOptions.builder().dispatchQueueTasks(0));
    assertThrows(IllegalArgumentException.class, () -> RatisOptions.builder().timeoutTickNanos(0));
    assertThrows(IllegalArgumentException.class, () -> RatisOptions.builder().groupScanNanos(-1));
    assertThrows(NullPointerException.class, () -> RatisOptions.builder().groupRanges(null));
  }
}
