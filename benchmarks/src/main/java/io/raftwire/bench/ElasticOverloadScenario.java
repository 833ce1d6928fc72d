package io.raftwire.bench;

import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.cluster.PhaseMetrics;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * S3 and S3b: elastic overload on the example cluster (three stores, MicroRaft, RocksDB, every
 * store's disk throttled to {@value #SLOW_DISK_BYTES_PER_SECOND} B/s for the whole run). Each run
 * measures, on one cluster, an unloaded phase (1 KiB regular puts at {@value #REGULAR_PER_SECOND}/s
 * only) and then an overload phase (the same regular puts plus {@value #ELASTIC_WORKERS} elastic
 * writers of 16 KiB back to back, far more than the disks take), and reports the overload phase's
 * regular p50 and p99 divided by the unloaded phase's, the elections, and the elastic throughput
 * as a fraction of what the disks allow. S3 puts regular and elastic writes on ranges of their own
 * (they share only the disks); S3b ("shared range") on the same ranges, where a regular entry is
 * appended behind the elastic entries already in its range's log. With admission control, elastic
 * proposals wait for the followers' credits and the leader's IO tokens; without it (the same
 * transport, its lanes and budgets still on) every proposal is replicated at once.
 */
final class ElasticOverloadScenario implements Scenario {
  static final String WITH = "with admission";
  static final String WITHOUT = "without admission";
  // Package-private: S10 (AvailabilityScenario) runs the same overload.
  static final int RANGES = 8;
  static final int REGULAR_PER_SECOND = 200;
  static final int ELASTIC_WORKERS = 64;
  static final int ELASTIC_VALUE_BYTES = 16 * 1024;
  static final long SLOW_DISK_BYTES_PER_SECOND = 4_000_000;
  static final int SLOW_STORES = 3;

  private final boolean sharedRanges;

  ElasticOverloadScenario(boolean sharedRanges) {
    this.sharedRanges = sharedRanges;
  }

  @Override
  public String id() {
    return sharedRanges ? "S3b" : "S3";
  }

  @Override
  public String title() {
    return String.format(java.util.Locale.ROOT, "elastic overload on the example cluster%s: %d regular puts/s + %d "
        + "elastic writers of 16 KiB, every disk at %d MB/s, loaded / unloaded in the same run",
        sharedRanges ? ", regular and elastic on the same ranges" : ", regular and elastic on ranges of their own",
        REGULAR_PER_SECOND, ELASTIC_WORKERS, SLOW_DISK_BYTES_PER_SECOND / 1_000_000);
  }

  @Override
  public List<String> transports() {
    return List.of(WITH, WITHOUT);
  }

  @Override
  public List<String> figures() {
    return List.of("regular p99 loaded/unloaded", "regular p50 loaded/unloaded", "unloaded p50 ms", "unloaded p99 ms",
        "loaded p50 ms", "loaded p99 ms", "regular failed", "elections", "elastic ok/s", "elastic MB/s",
        "elastic / disk-allowed", "disk busy", "heartbeat queue wait p99 ms", "L0 files max");
  }

  @Override
  public List<Plot> plots() {
    return List.of(
        new Plot("regular latency ms", "worst regular put latency per 250 ms, ms", "regular-latency", true),
        new Plot("elastic IO tokens MB", "lowest elastic IO tokens per interval of any store, MB", "io-tokens", false),
        new Plot("L0 files", "most RocksDB L0 files of any store", "l0-files", false));
  }

  @Override
  public List<String> notes() {
    return List.of(
        "Plots: second 0 is the start of the unloaded phase; the overload phase starts one measure time later.",
        "Disk-allowed elastic rate: each store's log disk moves " + SLOW_DISK_BYTES_PER_SECOND / 1_000_000
            + " MB/s and every entry is written once to each store's disk (3 replicas, 3 disks), so the cluster's "
            + "elastic bytes/s can at most be one disk's speed less the regular bytes per disk and second (measured "
            + "in the unloaded phase). The throttle charges encoded log entries only: RocksDB's WAL, flushes and "
            + "compactions are not charged (write amplification 1 in this model; not measured).",
        sharedRanges
            ? "Shared range: the entries of both priorities share one log per range, so a regular entry is "
                + "replicated and persisted after the elastic entries appended before it. Admission can only keep "
                + "elastic entries out of the log ahead of regular ones; the floor of a regular put's latency under "
                + "load is about one elastic entry's replication and persistence (16 KiB at 4 MB/s is ~4 ms per disk)."
            : "Separate ranges: odd ranges take regular writes, even ranges elastic; they share the stores' disks.");
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    try (LocalCluster cluster = LocalCluster.start(RANGES, SLOW_DISK_BYTES_PER_SECOND, SLOW_STORES, transport.equals(WITH))) {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        throw new IllegalStateException("not every range elected a leader within 60 s");
      }
      cluster.slowDisks(true);
      PhaseMetrics metrics = PhaseMetrics.of(cluster);
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      try (KvClient client = cluster.client(); LoadGenerator load = sharedRanges ? new LoadGenerator(client, 10_000)
          : new LoadGenerator(client, 10_000, r -> r.value() % 2 == 1, r -> r.value() % 2 == 0)) {
        // Warm-up: regular load only, on the slow disks (not reported).
        load.openLoop(Priority.REGULAR, REGULAR_PER_SECOND, 1024, 256, System.nanoTime() + settings.warmupNanos,
            new LoadGenerator.Stats(Priority.REGULAR));
        long unloadedStart = System.nanoTime();
        timeline.restartAt(unloadedStart);
        metrics.begin(unloadedStart);
        var unused = sampler.scheduleAtFixedRate(() -> {
          PhaseMetrics.Sample s = metrics.sample(System.nanoTime());
          s.minTokensPerInterval().ifPresent(t -> {
            if (t != Long.MAX_VALUE) {
              timeline.record("elastic IO tokens MB", s.nowNanos(), t / 1e6);
            }
          });
          s.maxL0Files().ifPresent(l0 -> timeline.record("L0 files", s.nowNanos(), (double) l0));
        }, 250, 250, TimeUnit.MILLISECONDS);
        LoadGenerator.Stats unloaded = phase(load, 0, settings.measureNanos, timeline, new LoadGenerator.Stats(Priority.ELASTIC));
        PhaseMetrics.Phase quiet = metrics.end("unloaded", System.nanoTime());
        metrics.begin(System.nanoTime());
        LoadGenerator.Stats elastic = new LoadGenerator.Stats(Priority.ELASTIC);
        LoadGenerator.Stats loaded = phase(load, ELASTIC_WORKERS, settings.measureNanos, timeline, elastic);
        PhaseMetrics.Phase overload = metrics.end("overload", System.nanoTime());
        sampler.shutdownNow();
        cluster.slowDisks(false);
        double regularDiskBytesPerSecond = quiet.slowDiskBytes() / (double) SLOW_STORES / quiet.seconds();
        double allowed = Math.max(1, SLOW_DISK_BYTES_PER_SECOND - regularDiskBytesPerSecond);
        double elasticBytesPerSecond = elastic.count() * (double) ELASTIC_VALUE_BYTES / overload.seconds();
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("regular p99 loaded/unloaded", loaded.percentileMillis(0.99) / unloaded.percentileMillis(0.99));
        figures.put("regular p50 loaded/unloaded", loaded.percentileMillis(0.5) / unloaded.percentileMillis(0.5));
        figures.put("unloaded p50 ms", unloaded.percentileMillis(0.5));
        figures.put("unloaded p99 ms", unloaded.percentileMillis(0.99));
        figures.put("loaded p50 ms", loaded.percentileMillis(0.5));
        figures.put("loaded p99 ms", loaded.percentileMillis(0.99));
        figures.put("regular failed", (double) (unloaded.failed() + loaded.failed()));
        figures.put("elections", 1.0 * (quiet.elections() + overload.elections()));
        figures.put("elastic ok/s", elastic.count() / overload.seconds());
        figures.put("elastic MB/s", elasticBytesPerSecond / 1e6);
        figures.put("elastic / disk-allowed", elasticBytesPerSecond / allowed);
        figures.put("disk busy", overload.slowDiskBytes() / (double) SLOW_STORES / overload.seconds() / SLOW_DISK_BYTES_PER_SECOND);
        figures.put("heartbeat queue wait p99 ms",
            overload.timerMillis(PhaseMetrics.HEARTBEAT_QUEUE_WAIT, 0.99).orElse(Double.NaN));
        figures.put("L0 files max", overload.maxL0Files().isPresent() ? overload.maxL0Files().getAsLong() : Double.NaN);
        return figures;
      } finally {
        sampler.shutdownNow();
      }
    }
  }

  /** Regular puts at the rate for {@code nanos}, with {@code workers} elastic writers beside them; the regular stats. */
  static LoadGenerator.Stats phase(LoadGenerator load, int workers, long nanos, Timeline timeline,
      LoadGenerator.Stats elastic) throws InterruptedException {
    LoadGenerator.Stats regular = new LoadGenerator.Stats(Priority.REGULAR,
        (start, latency) -> timeline.record("regular latency ms", start + latency, latency / 1e6));
    long deadline = System.nanoTime() + nanos;
    CompletableFuture<Void> bulk = CompletableFuture.runAsync(() -> {
      try {
        load.closedLoop(Priority.ELASTIC, workers, ELASTIC_VALUE_BYTES, deadline, elastic);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    load.openLoop(Priority.REGULAR, REGULAR_PER_SECOND, 1024, 256, deadline, regular);
    bulk.join();
    return regular;
  }
}
