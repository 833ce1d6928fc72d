package io.raftwire.example.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.RaftConfig;
import io.microraft.RaftNode;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.KvNode;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LocalCluster#crash}, the fault injection of benchmark S10, over real gRPC on 127.0.0.1:
 * the crashed store hands nothing over, the survivors elect a leader of their own and take writes,
 * and the store restarts on its data.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LocalClusterCrashTest {
  private static final StoreId CRASHED = StoreId.of(1);

  @Test
  void aCrashedLeaderHandsNothingOverItsPeersElectAnotherAndItRestartsOnItsData() throws Exception {
    // A leader is declared dead only after 10 s: far longer than crash() takes, so what the
    // survivors believe right after it is what the crash told them (nothing), not their timeout.
    RaftConfig slowToSuspect = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(1000)
        .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(10).setCommitCountToTakeSnapshot(10_000).build();
    try (LocalCluster cluster = LocalCluster.builder().ranges(2).raftConfig(slowToSuspect).start()) {
      assertTrue(cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60)));
      assertTrue(cluster.lead(CRASHED, TimeUnit.SECONDS.toNanos(60)), "store 1 leads every range");
      byte[] before = "before".getBytes(StandardCharsets.UTF_8);
      byte[] during = "during".getBytes(StandardCharsets.UTF_8);
      byte[] value = "v".getBytes(StandardCharsets.UTF_8);
      try (KvClient client = cluster.client()) {
        client.put(before, value, Priority.REGULAR);
        long termsBefore = cluster.terms();

        cluster.crash(CRASHED);

        assertThrows(IllegalArgumentException.class, () -> cluster.node(CRASHED), "the crashed store is not running");
        // No leadership transfer and no goodbye: the survivors still follow the dead store, in the same terms.
        for (KvNode survivor : cluster.nodes()) {
          for (RangeId range : survivor.hostedRanges()) {
            RaftNode raft = survivor.node(range).orElseThrow();
            assertEquals(StoreEndpoint.of(CRASHED), raft.getTerm().getLeaderEndpoint(), survivor.store() + " " + range);
          }
        }
        assertEquals(termsBefore, cluster.terms());

        // After their timeout the survivors elect one of themselves and take writes.
        assertTrue(cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60)), "every range has a leader again");
        assertTrue(cluster.terms() > termsBefore, "a new term for every range the dead store led");
        client.put(during, value, Priority.REGULAR);
      }

      // The store restarts on its data: what it had before the crash, and then what it missed.
      KvNode restarted = cluster.start(CRASHED);
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> restarted.localGet(before).isPresent() && restarted.localGet(during).isPresent());
      assertArrayEquals(value, restarted.localGet(before).orElseThrow());
      assertEquals(Optional.of("v"), restarted.localGet(during).map(b -> new String(b, StandardCharsets.UTF_8)));
    }
  }
}
