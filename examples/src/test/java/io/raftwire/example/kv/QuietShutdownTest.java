package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counter;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ordinary stop logs no WARN or ERROR line, neither at the store that stops nor at its peers,
 * which see it go (it said goodbye) and keep trying to reach it: one store of a running cluster,
 * and a whole cluster as the demo stops it. The lines are read through {@link LogLines}; each run
 * also finds the store's INFO summary, so the capture saw the stop.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QuietShutdownTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);

  @TempDir Path dir;
  private KvCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String keyIn(RangeId range, String prefix) {
    return KvCluster.keyIn(new Ranges(KvCluster.RANGES, List.of(S1, S2, S3), 3), range, prefix);
  }

  private static void writeEveryRange(KvClient client, String prefix) {
    for (int r = 1; r <= KvCluster.RANGES; r++) {
      client.put(bytes(keyIn(RangeId.of(r), prefix)), bytes(prefix), Priority.REGULAR);
    }
  }

  /** The WARN and ERROR lines among {@code lines} (slf4j-simple: "time [thread] LEVEL logger - text"). */
  private static List<String> warnings(List<String> lines) {
    return lines.stream().filter(l -> l.contains("] WARN ") || l.contains("] ERROR ")).toList();
  }

  /** How often {@code store}'s breaker towards {@code peer} opened: a goodbye, or a failed attempt to reach it. */
  private long breakerOpenings(StoreId store, StoreId peer) {
    Counter c = cluster.nodes.get(store).transport().metrics().getCounters().get(GrpcMetrics.SENDER_RECONNECTS.of(store, peer));
    return c == null ? 0 : c.getCount();
  }

  @Test
  void stoppingOneStoreOfARunningClusterLogsNoWarningThereOrAtItsPeers() {
    cluster = new KvCluster(dir);
    try (KvClient client = cluster.client()) {
      writeEveryRange(client, "before");
    }
    // s1 has a range to hand off, and both peers lead a range of which s1 is a follower, so both
    // keep sending to it after it stops.
    cluster.lead(S1, RangeId.of(1));
    cluster.lead(S2, RangeId.of(2));
    cluster.lead(S3, RangeId.of(3));
    long s2Before = breakerOpenings(S2, S1);
    long s3Before = breakerOpenings(S3, S1);
    List<String> lines;
    try (LogLines log = new LogLines()) {
      cluster.stop(S1);
      // The goodbye, then at least two attempts each that found s1 away: the lines that warned.
      await().atMost(WAIT).until(() -> breakerOpenings(S2, S1) >= s2Before + 3 && breakerOpenings(S3, S1) >= s3Before + 3);
      try (KvClient client = cluster.client(S2, S3)) {
        writeEveryRange(client, "after");
      }
      lines = log.lines();
    }
    assertEquals(List.of(), warnings(lines), "a store that stops, and its peers that see it go, warn of nothing");
    List<String> summary = lines.stream().filter(l -> l.contains("INFO") && l.contains("s1 shut down in")).toList();
    assertEquals(1, summary.size(), "the capture saw the stop: " + lines);
    assertTrue(summary.get(0).contains("failed 0;"), summary.get(0));
  }

  @Test
  void stoppingAWholeClusterAsTheDemoDoesLogsNoWarning() throws Exception {
    List<String> lines;
    // As the demo runs it: store 3's disk is slow; close() stops the stores one after the other,
    // and the last one has nobody left to hand its ranges to.
    LocalCluster local = LocalCluster.builder().ranges(4).slowDisks(2_000_000, 1).start();
    try {
      assertTrue(local.awaitLeaders(TimeUnit.SECONDS.toNanos(60)), "every range has a leader");
      try (KvClient client = local.client()) {
        for (int i = 0; i < 40; i++) {
          client.put(bytes("k" + i), bytes("v" + i), Priority.REGULAR);
        }
      }
    } finally {
      try (LogLines log = new LogLines()) {
        local.close();
        lines = log.lines();
      }
    }
    assertEquals(List.of(), warnings(lines), "stopping every store warns of nothing");
    assertEquals(3, lines.stream().filter(l -> l.contains("INFO") && l.matches(".* s[123] shut down in .*")).count(),
        "the capture saw the three stops: " + lines);
  }
}
