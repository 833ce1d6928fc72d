package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftwire.example.kv.proto.GetRequest;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.kv.proto.PutRequest;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The KV cluster over real gRPC on 127.0.0.1, with RocksDB storage. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KvClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private KvCluster cluster;
  private KvClient client;

  @BeforeEach
  void start() {
    cluster = new KvCluster(dir);
    client = cluster.client();
  }

  @AfterEach
  void stop() {
    client.close();
    cluster.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A key that falls into {@code range}. */
  private String keyIn(RangeId range, String prefix) {
    return KvCluster.keyIn(cluster.nodes.values().iterator().next().ranges(), range, prefix);
  }

  @Test
  void writesToEveryRangeReplicateAndReadsSeeTheLatest() {
    for (int i = 0; i < 40; i++) {
      client.put(bytes("key-" + i), bytes("v1-" + i), Priority.REGULAR);
    }
    for (int i = 0; i < 40; i++) {
      client.put(bytes("key-" + i), bytes("v2-" + i), i % 2 == 0 ? Priority.REGULAR : Priority.ELASTIC);
    }
    for (int i = 0; i < 40; i++) {
      assertArrayEquals(bytes("v2-" + i), client.get(bytes("key-" + i)).orElseThrow());
    }
    client.delete(bytes("key-0"));
    assertEquals(Optional.empty(), client.get(bytes("key-0")));
    Set<RangeId> used = new HashSet<>();
    Ranges ranges = cluster.nodes.values().iterator().next().ranges();
    for (int i = 0; i < 40; i++) {
      used.add(ranges.rangeOf(ByteString.copyFromUtf8("key-" + i)));
    }
    assertEquals(KvCluster.RANGES, used.size(), "the keys covered every range");
  }

  @Test
  void writesContinueWhenLeaderStoresAreKilled() {
    RangeId range = RangeId.of(1);
    String key = keyIn(range, "k");
    client.put(bytes(key), bytes("before"), Priority.REGULAR);
    await().atMost(WAIT).until(() -> cluster.leaderOf(range).isPresent());
    StoreId leader = cluster.leaderOf(range).orElseThrow();
    cluster.kill(leader);
    client.put(bytes(key), bytes("after"), Priority.REGULAR);
    assertArrayEquals(bytes("after"), client.get(bytes(key)).orElseThrow());
    StoreId newLeader = cluster.leaderOf(range).orElseThrow();
    assertTrue(!newLeader.equals(leader), "a new leader took over");
    for (int i = 0; i < 20; i++) {
      client.put(bytes("more-" + i), bytes("x"), Priority.REGULAR); // every range, on the majority
    }
  }

  @Test
  void aRestartedStoreRecoversFromRocksDbAndCatchesUp() {
    for (int i = 0; i < 20; i++) {
      client.put(bytes("a-" + i), bytes("1"), Priority.REGULAR);
    }
    StoreId victim = StoreId.of(3);
    cluster.stop(victim);
    for (int i = 0; i < 20; i++) {
      client.put(bytes("a-" + i), bytes("2"), Priority.REGULAR);
    }
    KvNode restarted = cluster.start(victim);
    // Its own copy of every range catches up: read its state machines through local queries.
    await().atMost(WAIT).until(() -> {
      for (int i = 0; i < 20; i++) {
        RangeId range = restarted.ranges().rangeOf(ByteString.copyFromUtf8("a-" + i));
        var op = io.raftwire.example.kv.proto.KvOp.newBuilder()
            .setGet(io.raftwire.example.kv.proto.Get.newBuilder().setKey(ByteString.copyFromUtf8("a-" + i))).build();
        ByteString value = restarted.node(range).orElseThrow()
            .<ByteString>query(op, io.microraft.QueryPolicy.EVENTUAL_CONSISTENCY, Optional.empty(), Optional.empty())
            .join().getResult();
        if (value == null || !value.toStringUtf8().equals("2")) {
          return false;
        }
      }
      return true;
    });
  }

  @Test
  void aConcurrentHistoryAcrossALeaderChangeIsLinearizable() throws Exception {
    RangeId range = RangeId.of(2);
    List<String> keys = List.of(keyIn(range, "x"), keyIn(range, "y"));
    client.put(bytes(keys.get(0)), bytes("init"), Priority.REGULAR);
    ConcurrentHistory history = new ConcurrentHistory(keys, false);
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      workers.add(history.start(cluster::client, w, 12));
      if (w == 1) {
        await().atMost(WAIT).until(() -> history.ops.size() >= 6);
        cluster.kill(cluster.leaderOf(range).orElseThrow()); // the leader dies mid-history
      }
    }
    CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])).get(150, TimeUnit.SECONDS);
    history.assertLinearizable("init");
  }

  @Test
  void badClientInputGetsAClearStatus() {
    InetSocketAddress address = cluster.clientAddresses.get(StoreId.of(1));
    ManagedChannel channel = NettyChannelBuilder.forAddress(address).usePlaintext().build();
    try {
      KvGrpc.KvBlockingStub stub = KvGrpc.newBlockingStub(channel);
      assertStatus(Status.Code.INVALID_ARGUMENT, "keys must have",
          () -> stub.put(PutRequest.newBuilder().setKey(ByteString.EMPTY).setValue(ByteString.copyFromUtf8("v")).build()));
      assertStatus(Status.Code.INVALID_ARGUMENT, "exceeds the limit",
          () -> stub.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
              .setValue(ByteString.copyFrom(new byte[2 * 1024 * 1024])).build()));
      assertStatus(Status.Code.NOT_FOUND, "does not exist",
          () -> stub.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setRangeId(99).build()));
      String key = keyIn(RangeId.of(1), "z");
      assertStatus(Status.Code.INVALID_ARGUMENT, "belongs to r1",
          () -> stub.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setRangeId(2).build()));
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aStoreThatCannotStartReleasesItsDatabase() throws Exception {
    StoreId store = StoreId.of(3);
    cluster.stop(store);
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0)) {
      java.util.Map<StoreId, InetSocketAddress> raft = new java.util.TreeMap<>(cluster.raftAddresses);
      raft.put(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), busy.getLocalPort()));
      java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
          () -> KvNode.start(KvNode.Config.builder(store, raft, dir.resolve(store.toString())).rangeCount(KvCluster.RANGES).build()));
      assertTrue(e.getMessage().contains("cannot listen"), e.getMessage());
    }
    cluster.start(store).close(); // the RocksDB lock was released: the store starts on its data again
    cluster.start(store);
  }

  private static void assertStatus(Status.Code code, String text, Runnable call) {
    try {
      call.run();
      throw new AssertionError("expected " + code);
    } catch (StatusRuntimeException e) {
      assertEquals(code, e.getStatus().getCode(), e.toString());
      assertTrue(e.getStatus().getDescription().contains(text), e.getStatus().getDescription());
    }
  }
}
