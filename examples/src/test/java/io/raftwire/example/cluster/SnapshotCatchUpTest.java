package io.raftwire.example.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.RaftConfig;
import io.raftwire.topology.StoreId;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A MicroRaft replica that fell behind its range's log truncation catches up by snapshot through
 * raftwire's snapshot path, sent from its own zone: the leader is in zone a, the lagging and a
 * healthy replica in zone b, over real gRPC on 127.0.0.1.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SnapshotCatchUpTest {

  @Test
  void aLaggingReplicaCatchesUpBySnapshotFromItsOwnZoneAndNoSnapshotBytesCrossFromTheLeadersZone() throws Exception {
    RaftConfig snapshotOften = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(500)
        .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(3).setCommitCountToTakeSnapshot(40).build();
    try (LocalCluster cluster = LocalCluster.builder().zones("a", "b", "b").ranges(4).raftConfig(snapshotOften).start()) {
      SnapshotCatchUp.Result result = new SnapshotCatchUp(cluster, StoreId.of(1), StoreId.of(3), line -> {})
          .run(600, 512, TimeUnit.SECONDS.toNanos(150));

      assertEquals(result.keysWritten, result.keysPresent, "the lagging replica holds every key written while it was down");
      assertTrue(result.installs >= 1, "it caught up by snapshot: " + result.installs + " installs");
      assertEquals(0, result.zoneBytes("a", "b"), "no snapshot bytes from the leader's zone: " + result.snapshotZoneBytes + ", delegation " + result.delegation);
      assertTrue(result.zoneBytes("b", "b") > 0, "the healthy replica in zone b sent them: " + result.snapshotZoneBytes);
      assertEquals(result.installs, result.delegated, "every snapshot was delegated");
      assertEquals(0, result.leaderSends);
    }
  }
}
