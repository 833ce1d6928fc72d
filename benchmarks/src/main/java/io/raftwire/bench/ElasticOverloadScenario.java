package io.raftwire.bench;

import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * S3: elastic overload on the example cluster (three stores, MicroRaft, RocksDB). Regular puts of
 * 1 KiB at a fixed 200/s, plus 8 elastic writers of 16 KiB back to back, while store 3's disk moves
 * only 2 MB/s, i.e. less than the elastic writers offer. With admission control, elastic proposals
 * wait for the followers' credits and the leader's IO tokens; without it (the same transport, its
 * lanes and budgets still on) every proposal is replicated at once, as Raft libraries do. Reports
 * the regular writes' latency, the elastic throughput and the elections during the run.
 */
final class ElasticOverloadScenario implements Scenario {
  static final String WITH = "with admission";
  static final String WITHOUT = "without admission";
  private static final int RANGES = 8;
  private static final double REGULAR_PER_SECOND = 200;
  private static final int ELASTIC_WORKERS = 64;
  private static final long SLOW_DISK_BYTES_PER_SECOND = 4_000_000;

  @Override
  public String id() {
    return "S3";
  }

  @Override
  public String title() {
    return "elastic overload on the example cluster: 200 regular puts/s + 8 elastic writers, one disk at 2 MB/s";
  }

  @Override
  public List<String> transports() {
    return List.of(WITH, WITHOUT);
  }

  @Override
  public List<String> figures() {
    return List.of("regular p50 ms", "regular p99 ms", "regular ok/s", "regular failed", "elastic ok/s", "elections");
  }

  @Override
  public List<Plot> plots() {
    return List.of(new Plot("regular latency ms", "worst regular put latency per 250 ms, ms", "regular-latency", true));
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    try (LocalCluster cluster = LocalCluster.start(RANGES, SLOW_DISK_BYTES_PER_SECOND, 3, transport.equals(WITH))) {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        throw new IllegalStateException("not every range elected a leader within 60 s");
      }
      try (KvClient client = cluster.client(); LoadGenerator load = new LoadGenerator(client, 10_000)) {
        // Warm-up: regular load only, full-speed disks (not reported).
        load.openLoop(Priority.REGULAR, REGULAR_PER_SECOND, 1024, 256, System.nanoTime() + settings.warmupNanos,
            new LoadGenerator.Stats(Priority.REGULAR));
        long terms = cluster.terms();
        LoadGenerator.Stats regular = new LoadGenerator.Stats(Priority.REGULAR,
            (start, nanos) -> timeline.record("regular latency ms", start + nanos, nanos / 1e6));
        LoadGenerator.Stats elastic = new LoadGenerator.Stats(Priority.ELASTIC);
        cluster.slowDisks(true);
        long start = System.nanoTime();
        long deadline = start + settings.measureNanos;
        CompletableFuture<Void> bulk = CompletableFuture.runAsync(() -> {
          try {
            load.closedLoop(Priority.ELASTIC, ELASTIC_WORKERS, 16 * 1024, deadline, elastic);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        load.openLoop(Priority.REGULAR, REGULAR_PER_SECOND, 1024, 256, deadline, regular);
        bulk.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        cluster.slowDisks(false);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("regular p50 ms", regular.percentileMillis(0.5));
        figures.put("regular p99 ms", regular.percentileMillis(0.99));
        figures.put("regular ok/s", regular.count() / seconds);
        figures.put("regular failed", (double) regular.failed());
        figures.put("elastic ok/s", elastic.count() / seconds);
        figures.put("elections", (double) (cluster.terms() - terms));
        return figures;
      }
    }
  }
}
