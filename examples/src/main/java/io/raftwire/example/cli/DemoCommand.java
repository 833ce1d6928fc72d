package io.raftwire.example.cli;

import com.codahale.metrics.Counter;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.cluster.PhaseMetrics;
import io.raftwire.example.cluster.SnapshotCatchUp;
import io.raftwire.topology.StoreId;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Starts three stores (zones a, b, c) on loopback in this process with store 3's disk throttled,
 * runs an unloaded phase (regular puts only), an elastic-overload phase (the same regular puts
 * plus elastic writers back to back) and a recovery phase (regular only again), and prints each
 * phase's figures alone: the regular latency and its ratio to the unloaded phase, elections,
 * elastic throughput against what the slow disk allows, and what admission control did (IO
 * tokens, RocksDB L0 files). Exits 0 if every regular write succeeded. The stores talk plaintext, or
 * mutual TLS with {@code --tls} (a throwaway CA made for the run) or the {@link TlsOptions} flags;
 * the report says which.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a 3-zone cluster in this process and show the transport under overload.")
final class DemoCommand implements Callable<Integer> {
  /** The value size of an elastic put. */
  static final int ELASTIC_VALUE_BYTES = 16 * 1024;

  @Option(names = "--ranges", defaultValue = "16", description = "Ranges (default ${DEFAULT-VALUE}).")
  int ranges;

  @Option(names = {"--unloaded-seconds", "--foreground-seconds"}, defaultValue = "15",
      description = "Phase 1 (regular puts only) length (default ${DEFAULT-VALUE}).")
  int unloadedSeconds;

  @Option(names = "--overload-seconds", defaultValue = "20", description = "Phase 2 length (default ${DEFAULT-VALUE}).")
  int overloadSeconds;

  @Option(names = "--recovery-seconds", defaultValue = "10",
      description = "Phase 3 (regular puts only, after the overload) length; 0: none (default ${DEFAULT-VALUE}).")
  int recoverySeconds;

  @Option(names = "--shared-ranges", description = "Regular and elastic writes on the same ranges (by default each "
      + "priority writes ranges of its own: odd ranges regular, even ranges elastic).")
  boolean sharedRanges;

  @Option(names = "--warmup-seconds", defaultValue = "3", description = "Unreported warm-up (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--rate", defaultValue = "200", description = "Regular puts per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--elastic-workers", defaultValue = "8", description = "Elastic writers in phase 2 (default ${DEFAULT-VALUE}).")
  int elasticWorkers;

  @Option(names = "--slow-disk-mb", defaultValue = "2", description = "Store 3's disk, MB/s (default ${DEFAULT-VALUE}).")
  int slowDiskMb;

  @Option(names = "--scenario", defaultValue = "overload",
      description = "overload: foreground then elastic overload with a slow disk; snapshot: a replica that was "
          + "down catches up by a snapshot sent from its own zone (default ${DEFAULT-VALUE}).")
  Scenario scenario;

  /** The demo's scenarios (lower case: they are typed on the command line). */
  enum Scenario {
    overload,
    snapshot
  }

  @Option(names = "--snapshot-keys", defaultValue = "2000",
      description = "Snapshot scenario: 1 KiB keys written while the replica is down (default ${DEFAULT-VALUE}).")
  int snapshotKeys;

  @Option(names = "--tls", description = "Run over mutual TLS with a throwaway CA and store certificates made for "
      + "this run (in the cluster's temporary directory).")
  boolean throwawayTls;

  @Mixin
  TlsOptions tls;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return scenario == Scenario.snapshot ? snapshot() : overload();
  }

  /**
   * Zones a, b, b: store 1 leads every range, store 3 is stopped, the ranges move on and compact
   * their logs (a snapshot every 100 commits), store 3 returns and catches up by snapshot.
   */
  private int snapshot() throws Exception {
    io.microraft.RaftConfig raft = io.microraft.RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(1000)
        .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(2).setCommitCountToTakeSnapshot(100).build();
    try (LocalCluster cluster = secured(LocalCluster.builder().zones("a", "b", "b").ranges(ranges).raftConfig(raft)).start()) {
      System.out.printf("raftwire demo, snapshot scenario: store 1 in zone a, stores 2 and 3 in zone b, %d ranges x 3 "
          + "replicas, a snapshot every 100 commits, RocksDB in %s%n", ranges, cluster.dataDirectory());
      System.out.println("peers talk over " + security(cluster));
      SnapshotCatchUp.Result r = new SnapshotCatchUp(cluster, StoreId.of(1), StoreId.of(3), System.out::println)
          .run(snapshotKeys, 1024, TimeUnit.MINUTES.toNanos(5));
      System.out.println();
      System.out.println("how store 3 caught up");
      System.out.printf("  snapshots installed on store 3        %8d%n", r.installs);
      System.out.printf("  sent by a delegate in zone b          %8d%n", r.delegated);
      System.out.printf("  sent by the leader in zone a          %8d%n", r.leaderSends);
      System.out.printf("  time from restart to caught up        %8.1f s%n", r.catchUpMillis / 1000.0);
      System.out.printf("  keys store 3 holds of those written   %8d of %d%n", r.keysPresent, r.keysWritten);
      System.out.println();
      System.out.println("snapshot bytes across zones (MB)");
      for (String[] pair : new String[][] {{"a", "b"}, {"b", "b"}, {"a", "a"}, {"b", "a"}}) {
        System.out.printf("  %s -> %s   %10.3f%n", pair[0], pair[1], r.zoneBytes(pair[0], pair[1]) / 1e6);
      }
      System.out.println();
      System.out.println(securityReport(cluster));
      if (r.keysPresent != r.keysWritten || r.installs < 1) {
        System.err.println("demo failed: store 3 did not catch up by snapshot with every key");
        return 1;
      }
      System.out.println("\ndemo finished: store 3 caught up by snapshot from its own zone");
      return 0;
    }
  }

  private int overload() throws Exception {
    if (!sharedRanges && ranges < 2) {
      throw new ParameterException(spec.commandLine(), "regular and elastic writes on their own ranges need --ranges >= 2"
          + " (or --shared-ranges)");
    }
    List<Report.PhaseResult> results = new ArrayList<>();
    LocalCluster cluster = secured(LocalCluster.builder().ranges(ranges).slowDisks(slowDiskMb * 1_000_000L, 1)
        .admissionControl(true)).start();
    System.out.printf("raftwire demo: 3 stores in zones a, b, c on 127.0.0.1, %d ranges x 3 replicas, RocksDB in %s%n",
        ranges, cluster.dataDirectory());
    System.out.println("peers talk over " + security(cluster));
    System.out.printf("store 3's disk moves %d MB/s in every phase; regular and elastic writes go to %s%n", slowDiskMb,
        sharedRanges ? "the same ranges (--shared-ranges)" : "ranges of their own (odd ranges regular, even elastic)");
    String securityReport;
    try {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        System.err.println("demo failed: not every range elected a leader within 60 s");
        return 2;
      }
      cluster.slowDisks(true);
      PhaseMetrics metrics = PhaseMetrics.of(cluster);
      try (KvClient client = cluster.client(); LoadGenerator load = sharedRanges ? new LoadGenerator(client, 10_000)
          : new LoadGenerator(client, 10_000, r -> r.value() % 2 == 1, r -> r.value() % 2 == 0)) {
        System.out.printf("warming up for %d s (not reported)%n", warmupSeconds);
        var unused = phase("warm-up", load, warmupSeconds, 0, metrics);
        System.out.printf("%nphase 1: unloaded, %.0f regular puts/s of 1 KiB for %d s%n", rate, unloadedSeconds);
        results.add(phase("unloaded", load, unloadedSeconds, 0, metrics));
        System.out.printf("%nphase 2: elastic overload, + %d elastic writers of 16 KiB back to back for %d s%n",
            elasticWorkers, overloadSeconds);
        results.add(phase("elastic overload", load, overloadSeconds, elasticWorkers, metrics));
        if (recoverySeconds > 0) {
          System.out.printf("%nphase 3: recovery, regular puts only for %d s%n", recoverySeconds);
          results.add(phase("recovery", load, recoverySeconds, 0, metrics));
        }
      }
      cluster.slowDisks(false);
    } finally {
      securityReport = securityReport(cluster);
      System.out.println("\nstopping the cluster");
      cluster.close();
    }
    System.out.println();
    System.out.println("each phase alone (ratios to the unloaded phase; n/a: not reported by this build)");
    System.out.print(Report.phaseTable(results, new Report.Disk(slowDiskMb * 1_000_000L, 1, ELASTIC_VALUE_BYTES)));
    System.out.println();
    System.out.println(securityReport);
    long regularFailures = results.stream().mapToLong(r -> r.regular.failed()).sum();
    if (regularFailures > 0) {
      System.err.println("demo failed: " + regularFailures + " regular writes failed");
      return 1;
    }
    System.out.println("\ndemo finished: every regular write succeeded");
    return 0;
  }

  /** The cluster builder with the security the flags ask for. */
  private LocalCluster.Builder secured(LocalCluster.Builder cluster) {
    if (throwawayTls) {
      if (tls.given()) {
        throw new ParameterException(spec.commandLine(),
            "--tls makes its own certificates: leave out --tls-dir, --tls-cert, --tls-key and --tls-ca");
      }
      return cluster.mutualTls(tls.clusterId);
    }
    if (tls.given()) {
      tls.requirePerStoreFiles();
      return cluster.security(tls::security);
    }
    return cluster;
  }

  /** How the stores talk, for the report's first lines. */
  private String security(LocalCluster cluster) {
    if (!cluster.mutualTls()) {
      return "plaintext: no peer is authenticated (--tls runs the demo over mutual TLS)";
    }
    String files = cluster.tlsDirectory().map(d -> "a throwaway CA and certificates in " + d)
        .orElse("certificates of cluster " + tls.clusterId + " from the --tls flags");
    return "mutual TLS: each store is authenticated by its certificate (" + files + ")";
  }

  /** Whether the run was over mutual TLS, and what the stores refused. */
  private static String securityReport(LocalCluster cluster) {
    if (!cluster.mutualTls()) {
      return "transport security: plaintext, no peer was authenticated";
    }
    long handshakes = 0;
    long calls = 0;
    for (Map.Entry<String, Counter> e : cluster.metrics().getCounters().entrySet()) {
      if (e.getKey().contains(".security.handshake_refused.")) {
        handshakes += e.getValue().getCount();
      } else if (e.getKey().contains(".security.call_refused.")) {
        calls += e.getValue().getCount();
      }
    }
    return String.format(Locale.ROOT, "transport security: mutual TLS, every store authenticated by its certificate;"
        + " peers refused: %d at the handshake, %d calls", handshakes, calls);
  }

  /** Runs one phase: regular puts at the rate, elastic writers beside them; every figure covers this phase only. */
  private Report.PhaseResult phase(String name, LoadGenerator load, int seconds, int elasticWorkers, PhaseMetrics metrics)
      throws Exception {
    LoadGenerator.Stats regular = new LoadGenerator.Stats(Priority.REGULAR);
    LoadGenerator.Stats elastic = new LoadGenerator.Stats(Priority.ELASTIC);
    long start = System.nanoTime();
    metrics.begin(start);
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
    var printing = progress.scheduleAtFixedRate(() -> System.out.print("\r" + Report.progress(start, regular, elastic)), 1, 1, TimeUnit.SECONDS);
    var sampling = progress.scheduleAtFixedRate(() -> metrics.sample(System.nanoTime()), 250, 250, TimeUnit.MILLISECONDS);
    try {
      CompletableFuture<Void> bulk = CompletableFuture.runAsync(() -> {
        try {
          load.closedLoop(Priority.ELASTIC, elasticWorkers, ELASTIC_VALUE_BYTES, deadline, elastic);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      load.openLoop(Priority.REGULAR, rate, 1024, 256, deadline, regular);
      bulk.join();
    } finally {
      printing.cancel(false);
      sampling.cancel(false);
      progress.shutdown();
      progress.awaitTermination(5, TimeUnit.SECONDS);
    }
    System.out.println("\r" + Report.progress(start, regular, elastic));
    return new Report.PhaseResult(regular, elastic, metrics.end(name, System.nanoTime()));
  }
}
