package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.raftwire.example.kv.proto.GetRequest;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.kv.proto.PutRequest;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KvNode#close()} on a store of a 3-store cluster over real gRPC on 127.0.0.1: it hands off
 * the ranges it leads while it still runs, shuts down in order, and tells clients to go elsewhere.
 * The steps are observed through the node's shutdown hook, on the closing thread, so nothing here
 * waits on time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);

  @TempDir Path dir;
  private KvCluster cluster;
  /** What the test wants to see at each step of s1's shutdown; runs on the closing thread. */
  private volatile Consumer<ShutdownStep> atStep = step -> { };

  private void start() {
    cluster = new KvCluster(dir, store -> store.equals(S1) ? b -> b.shutdownObserver(step -> atStep.accept(step)) : b -> b);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String keyIn(RangeId range, String prefix) {
    return KvCluster.keyIn(new Ranges(KvCluster.RANGES, List.of(S1, S2, S3), 3), range, prefix);
  }

  /** The ranges s1 leads now, with their terms. */
  private Map<RangeId, Integer> ledByS1() {
    Map<RangeId, Integer> led = new TreeMap<>();
    KvNode s1 = cluster.nodes.get(S1);
    for (RangeId range : s1.hostedRanges()) {
      RaftNode raft = s1.node(range).orElseThrow();
      if (raft.getLocalEndpoint().equals(raft.getTerm().getLeaderEndpoint())) {
        led.put(range, raft.getTerm().getTerm());
      }
    }
    return led;
  }

  /** A cluster where s1 leads r1 and r2, every range has a leader, and every range holds a key. */
  private Map<RangeId, Integer> startWithS1LeadingTwoRanges() {
    start();
    try (KvClient client = cluster.client()) {
      for (int r = 1; r <= KvCluster.RANGES; r++) {
        client.put(bytes(keyIn(RangeId.of(r), "before")), bytes("1"), Priority.REGULAR);
      }
    }
    cluster.lead(S1, RangeId.of(1));
    cluster.lead(S1, RangeId.of(2));
    for (int r = 1; r <= KvCluster.RANGES; r++) {
      RangeId range = RangeId.of(r);
      await().atMost(WAIT).until(() -> cluster.leaderOf(range).isPresent());
    }
    Map<RangeId, Integer> led = ledByS1();
    assertTrue(led.keySet().containsAll(List.of(RangeId.of(1), RangeId.of(2))), "s1 leads r1 and r2: " + led);
    return led;
  }

  /** Which running store other than s1 leads {@code range} by its own node's account, and in what term. */
  private String leaderElsewhere(RangeId range) {
    for (StoreId store : List.of(S2, S3)) {
      RaftNode raft = cluster.nodes.get(store).node(range).orElseThrow();
      if (raft.getLocalEndpoint().equals(raft.getTerm().getLeaderEndpoint())) {
        return store + " in term " + raft.getTerm().getTerm();
      }
    }
    return "none";
  }

  @Test
  void closingALeaderHandsItsRangesToFollowersBeforeItsRaftNodesStop() {
    Map<RangeId, Integer> led = startWithS1LeadingTwoRanges();
    Map<RangeId, RaftNode> s1Nodes = new TreeMap<>();
    led.keySet().forEach(r -> s1Nodes.put(r, cluster.nodes.get(S1).node(r).orElseThrow()));
    List<ShutdownStep> steps = Collections.synchronizedList(new ArrayList<>());
    Map<RangeId, String> atHandoff = new ConcurrentHashMap<>();
    atStep = step -> {
      steps.add(step);
      if (step == ShutdownStep.LEADERSHIP_HANDED_OFF) {
        // s1 is still running: its nodes are active, and another store leads each of its ranges.
        s1Nodes.forEach((range, raft) -> atHandoff.put(range, leaderElsewhere(range) + ", s1's node " + raft.getStatus()));
      }
    };
    List<String> summary;
    try (LogLines log = new LogLines()) {
      cluster.stop(S1);
      summary = log.lines().stream().filter(l -> l.contains("INFO") && l.contains("s1 shut down in")).toList();
    }

    assertEquals(Arrays.asList(ShutdownStep.values()), steps, "every step ran once, in order");
    Map<RangeId, String> expectedShape = new TreeMap<>();
    led.forEach((range, term) -> {
      String seen = atHandoff.get(range);
      assertTrue(seen != null && seen.matches("s[23] in term " + (term + 1) + ", s1's node ACTIVE"),
          range + " led by s1 in term " + term + ": at the handoff " + seen);
      expectedShape.put(range, seen.substring(0, seen.indexOf(',')));
    });
    assertEquals(1, summary.size(), "one summary line: " + summary);
    assertTrue(summary.get(0).contains("led " + led.size() + " ranges, handed off " + led.size())
        && summary.get(0).contains("failed 0;"), summary.get(0));

    // Writes through the other stores succeed at once, and no election followed the handoff.
    try (KvClient client = cluster.client(S2, S3)) {
      for (RangeId range : led.keySet()) {
        String key = keyIn(range, "after");
        client.put(bytes(key), bytes("2"), Priority.REGULAR);
        assertArrayEquals(bytes("2"), client.get(bytes(key)).orElseThrow());
        assertArrayEquals(bytes("1"), client.get(bytes(keyIn(range, "before"))).orElseThrow());
      }
    }
    Map<RangeId, String> now = new TreeMap<>();
    led.keySet().forEach(range -> now.put(range, leaderElsewhere(range)));
    assertEquals(expectedShape, now, "the leaders s1 handed to still lead, in the same term");
  }

  @Test
  void shutdownTerminatesRaftNodesThenStopsClientsThenClosesStorageThenTheTransport() throws Exception {
    startWithS1LeadingTwoRanges();
    KvNode s1 = cluster.nodes.get(S1);
    List<RaftNode> s1Nodes = s1.hostedRanges().stream().map(r -> s1.node(r).orElseThrow()).toList();
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    atStep = step -> {
      TreeSet<RaftNodeStatus> statuses = s1Nodes.stream().map(RaftNode::getStatus).collect(Collectors.toCollection(TreeSet::new));
      seen.add(step + " nodes " + statuses + ", storage " + (s1.storageOpen() ? "open" : "closed")
          + ", transport " + (s1.transportOpen() ? "open" : "closed"));
    };
    // The shutdown hook and a try-with-resources may both close a node: the steps still run once.
    CompletableFuture<Void> one = CompletableFuture.runAsync(s1::close);
    CompletableFuture<Void> two = CompletableFuture.runAsync(s1::close);
    CompletableFuture.allOf(one, two).get(120, TimeUnit.SECONDS);
    s1.close();
    cluster.nodes.remove(S1);

    assertEquals(List.of(
        "CLIENTS_REFUSED nodes [ACTIVE], storage open, transport open",
        "LEADERSHIP_HANDED_OFF nodes [ACTIVE], storage open, transport open",
        "RAFT_NODES_TERMINATED nodes [TERMINATED], storage open, transport open",
        "CLIENT_API_CLOSED nodes [TERMINATED], storage open, transport open",
        "STORAGE_CLOSED nodes [TERMINATED], storage closed, transport open",
        "TRANSPORT_CLOSED nodes [TERMINATED], storage closed, transport closed"), seen);
  }

  @Test
  void aRequestToAClosingStoreIsToldToRetryOnAnotherStoreAndTheClientDoes() throws Exception {
    startWithS1LeadingTwoRanges();
    RangeId range = RangeId.of(1);
    String key = keyIn(range, "during");
    ManagedChannel channel = NettyChannelBuilder.forAddress(cluster.clientAddresses.get(S1)).usePlaintext().build();
    Map<ShutdownStep, List<String>> answers = new ConcurrentHashMap<>();
    try {
      KvGrpc.KvBlockingStub stub = KvGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
      GetRequest get = GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build();
      atStep = step -> {
        if (step == ShutdownStep.CLIENTS_REFUSED) { // s1 still leads r1
          answers.put(step, List.of(answer(() -> stub.put(put)), answer(() -> stub.get(get))));
        } else if (step == ShutdownStep.LEADERSHIP_HANDED_OFF) { // s1 follows r1's new leader
          String client;
          try (KvClient all = cluster.client(S1, S2, S3)) {
            all.put(bytes(key), bytes("during"), Priority.REGULAR);
            client = "client read " + new String(all.get(bytes(key)).orElseThrow(), StandardCharsets.UTF_8);
          } catch (RuntimeException e) {
            client = "client failed: " + e;
          }
          answers.put(step, List.of(answer(() -> stub.put(put)), client));
        }
      };
      cluster.stop(S1);
    } finally {
      channel.shutdownNow();
    }

    String refused = "UNAVAILABLE: store s1 is shutting down; retry on another store";
    assertEquals(List.of(refused + ", leader none", refused + ", leader none"), answers.get(ShutdownStep.CLIENTS_REFUSED),
        "before the handoff s1 still leads r1, so it names no other leader");
    String newLeader = cluster.leaderOf(range).map(s -> String.valueOf(s.value())).orElse("?");
    assertEquals(List.of(refused + ", leader " + newLeader, "client read during"), answers.get(ShutdownStep.LEADERSHIP_HANDED_OFF),
        "after the handoff s1 names r1's new leader, and a client of all three stores writes and reads through it");
    try (KvClient all = cluster.client(S1, S2, S3)) {
      assertArrayEquals(bytes("during"), all.get(bytes(key)).orElseThrow(), "with s1 gone the client goes elsewhere");
    }
  }

  /** A call's outcome: its status and the leader it names, or what it returned. */
  private static String answer(Supplier<Object> call) {
    try {
      return "answered " + call.get();
    } catch (StatusRuntimeException e) {
      Metadata trailers = e.getTrailers();
      String leader = trailers == null ? null : trailers.get(KvService.LEADER);
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription() + ", leader " + (leader == null ? "none" : leader);
    }
  }
}
