package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import io.microraft.RaftConfig;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.message.Priority;
import io.raftwire.topology.StoreId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zone fan-out under the example KV cluster over real gRPC on 127.0.0.1: five stores, the leader
 * (store 1) in zone a, stores 2 and 3 in zone b, 4 and 5 in zone c, every store a replica.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FanOutClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final StoreId LEADER = StoreId.of(1);
  private static final RaftConfig FAST = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(500)
      .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(3).setCommitCountToTakeSnapshot(100_000).build();
  private static final int WRITES = 300;
  private static final byte[] VALUE = new byte[1024];

  private static LocalCluster start(boolean fanOut) throws Exception {
    LocalCluster cluster = LocalCluster.builder().zones("a", "b", "b", "c", "c").ranges(2).raftConfig(FAST)
        .fanOut(fanOut).start();
    assertTrue(cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(30)), "every range elects a leader");
    assertTrue(cluster.lead(LEADER, TimeUnit.SECONDS.toNanos(30)), "store 1 leads every range");
    return cluster;
  }

  private static long counter(LocalCluster cluster, String name) {
    return cluster.metrics().counter("raftwire.s1.sender." + name).getCount();
  }

  /** APPEND bytes store 1 wrote towards zone b to replicate {@link #WRITES} puts of 1 KiB there. */
  private static long appendBytesToZoneB(LocalCluster cluster) {
    // Both sides of the measure wait until every replica holds the whole log: a write commits on a
    // majority, so a zone b follower may still be owed entries when the last put returns.
    await().atMost(WAIT).until(() -> RaftState.of(cluster).quiet());
    long before = counter(cluster, "zone_data_bytes.a.b");
    try (KvClient client = cluster.client()) {
      for (int i = 0; i < WRITES; i++) {
        client.put(bytes("measure-" + i), VALUE, Priority.REGULAR);
      }
    }
    await().atMost(WAIT).until(() -> RaftState.of(cluster).quiet());
    return counter(cluster, "zone_data_bytes.a.b") - before;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private static long agentOf(LocalCluster cluster, String zone) {
    Gauge<Long> g = (Gauge<Long>) cluster.metrics().getGauges().get("raftwire.s1.sender.fanout.agent." + zone);
    return g == null ? 0 : g.getValue();
  }

  @Test
  void fanOutHalvesTheAppendBytesIntoAZoneKeepsHistoriesLinearizableAndSurvivesItsAgent() throws Exception {
    long without;
    try (LocalCluster cluster = start(false)) {
      without = appendBytesToZoneB(cluster);
    }
    try (LocalCluster cluster = start(true)) {
      long with = appendBytesToZoneB(cluster);
      // Same run, same workload: what crossed into zone b against what would have crossed had every
      // bundle gone as its members (the bundler's own account of each bundle). The run without
      // fan-out is a second workload whose size varies with scheduling, so it is only reported.
      long unbundled = with + counter(cluster, "fanout.bytes_saved") - counter(cluster, "fanout.bytes_added");
      double ratio = (double) with / unbundled;
      assertTrue(ratio < 0.6, "APPEND bytes a->b with fan-out " + with + " vs " + unbundled + " had its bundles gone "
          + "unbundled (ratio " + ratio + "; a separate run without fan-out sent " + without + "), fallbacks "
          + fallbacks(cluster));
      assertTrue(counter(cluster, "fanout.batches") > 0);

      // A concurrent history while zone b's agent is killed mid-run.
      StoreId agent = StoreId.of(agentOf(cluster, "b"));
      assertTrue(agent.value() == 2 || agent.value() == 3, "zone b's agent is in zone b: " + agent);
      List<String> keys = List.of("x", "y");
      try (KvClient client = cluster.client()) {
        client.put(bytes("x"), bytes("init"), Priority.REGULAR);
      }
      ConcurrentHistory history = new ConcurrentHistory(keys, true);
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        workers.add(history.start(cluster::client, w, 16));
      }
      await().atMost(WAIT).until(() -> history.ops.size() >= 12);
      cluster.stop(agent); // zone b's agent dies mid-history
      CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])).get(150, TimeUnit.SECONDS);
      history.assertLinearizable("init");
      StoreId successor = StoreId.of(5 - agent.value()); // the other store of zone b
      assertEquals(successor.value(), agentOf(cluster, "b"), "zone b's other store took over as its agent");
      assertTrue(counter(cluster, "fanout.agent_changes") >= 1);

      // Nothing acknowledged was lost: every store still running holds every acknowledged write,
      // and so does the killed agent once it is back.
      cluster.start(agent);
      long batchesBefore = counter(cluster, "fanout.batches");
      try (KvClient client = cluster.client()) {
        for (int i = 0; i < 20; i++) {
          client.put(bytes("after-" + i), VALUE, Priority.REGULAR);
        }
      }
      for (KvNode node : cluster.nodes()) {
        await().atMost(WAIT).untilAsserted(() -> {
          for (Map.Entry<String, String> e : history.acknowledgedSideWrites.entrySet()) {
            assertArrayEquals(bytes(e.getValue()), node.localGet(bytes(e.getKey())).orElse(null),
                node.store() + " lacks " + e.getKey());
          }
        });
      }
      assertTrue(counter(cluster, "fanout.batches") > batchesBefore, "bundles flow to zone b again");
      assertNotEquals(agent.value(), agentOf(cluster, "b"), "the agent stays with its successor (sticky)");
    }
  }

  private static String fallbacks(LocalCluster cluster) {
    StringBuilder sb = new StringBuilder();
    cluster.metrics().getCounters((name, m) -> name.startsWith("raftwire.s1.sender.fanout."))
        .forEach((name, c) -> sb.append(name.substring("raftwire.s1.sender.fanout.".length())).append('=')
            .append(c.getCount()).append(' '));
    return sb.toString();
  }
}
