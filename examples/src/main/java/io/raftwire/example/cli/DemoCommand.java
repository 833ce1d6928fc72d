package io.raftwire.example.cli;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.cluster.SnapshotCatchUp;
import io.raftwire.topology.StoreId;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
 * Starts three stores (zones a, b, c) on loopback in this process, runs a foreground phase, then
 * an elastic-overload phase with store 3's disk throttled, and prints what the clients saw and
 * what the transport did. Exits 0 if every regular write succeeded. The stores talk plaintext, or
 * mutual TLS with {@code --tls} (a throwaway CA made for the run) or the {@link TlsOptions} flags;
 * the report says which.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a 3-zone cluster in this process and show the transport under overload.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--ranges", defaultValue = "16", description = "Ranges (default ${DEFAULT-VALUE}).")
  int ranges;

  @Option(names = "--foreground-seconds", defaultValue = "15", description = "Phase 1 length (default ${DEFAULT-VALUE}).")
  int foregroundSeconds;

  @Option(names = "--overload-seconds", defaultValue = "20", description = "Phase 2 length (default ${DEFAULT-VALUE}).")
  int overloadSeconds;

  @Option(names = "--warmup-seconds", defaultValue = "3", description = "Unreported warm-up (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--rate", defaultValue = "200", description = "Regular puts per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--elastic-workers", defaultValue = "8", description = "Elastic writers in phase 2 (default ${DEFAULT-VALUE}).")
  int elasticWorkers;

  @Option(names = "--slow-disk-mb", defaultValue = "2", description = "Store 3's disk in phase 2, MB/s (default ${DEFAULT-VALUE}).")
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
        .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(5).setCommitCountToTakeSnapshot(100).build();
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
    List<Report.Row> rows = new ArrayList<>();
    List<Figures> figures = new ArrayList<>();
    LocalCluster cluster = secured(LocalCluster.builder().ranges(ranges).slowDisks(slowDiskMb * 1_000_000L, 1)
        .admissionControl(true)).start();
    System.out.printf("raftwire demo: 3 stores in zones a, b, c on 127.0.0.1, %d ranges x 3 replicas, RocksDB in %s%n",
        ranges, cluster.dataDirectory());
    System.out.println("peers talk over " + security(cluster));
    String securityReport;
    try {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        System.err.println("demo failed: not every range elected a leader within 60 s");
        return 2;
      }
      try (KvClient client = cluster.client(); LoadGenerator load = new LoadGenerator(client, 10_000)) {
        System.out.printf("warming up for %d s (not reported)%n", warmupSeconds);
        phase("warm-up", load, warmupSeconds, 0);
        Figures before = Figures.of(cluster);
        System.out.printf("%nphase 1: foreground, %.0f regular puts/s of 1 KiB for %d s%n", rate, foregroundSeconds);
        rows.addAll(phase("foreground", load, foregroundSeconds, 0));
        Figures afterForeground = Figures.of(cluster);
        figures.add(afterForeground.minus(before, "foreground"));

        System.out.printf("%nphase 2: elastic overload, + %d elastic writers of 16 KiB, store 3's disk at %d MB/s%n",
            elasticWorkers, slowDiskMb);
        cluster.slowDisks(true);
        rows.addAll(phase("elastic overload", load, overloadSeconds, elasticWorkers));
        cluster.slowDisks(false);
        figures.add(Figures.of(cluster).minus(afterForeground, "elastic overload"));
      }
    } finally {
      securityReport = securityReport(cluster);
      System.out.println("\nstopping the cluster");
      cluster.close();
    }
    System.out.println();
    System.out.println("what the clients saw");
    System.out.print(Report.clientTable(rows));
    System.out.println();
    System.out.println("what the transport did");
    System.out.print(Figures.table(figures));
    System.out.println();
    System.out.println(securityReport);
    long regularFailures = rows.stream().filter(r -> r.stats.priority() == Priority.REGULAR).mapToLong(r -> r.stats.failed()).sum();
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

  private List<Report.Row> phase(String name, LoadGenerator load, int seconds, int elasticWorkers) throws Exception {
    LoadGenerator.Stats regular = new LoadGenerator.Stats(Priority.REGULAR);
    LoadGenerator.Stats elastic = new LoadGenerator.Stats(Priority.ELASTIC);
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
    var unused = progress.scheduleAtFixedRate(() -> System.out.print("\r" + Report.progress(start, regular, elastic)), 1, 1, TimeUnit.SECONDS);
    CompletableFuture<Void> bulk = CompletableFuture.runAsync(() -> {
      try {
        load.closedLoop(Priority.ELASTIC, elasticWorkers, 16 * 1024, deadline, elastic);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    load.openLoop(Priority.REGULAR, rate, 1024, 256, deadline, regular);
    bulk.join();
    progress.shutdownNow();
    System.out.println("\r" + Report.progress(start, regular, elastic));
    double elapsed = (System.nanoTime() - start) / 1e9;
    return List.of(new Report.Row(name, regular, elapsed), new Report.Row(name, elastic, elapsed));
  }

  /** Transport figures of a phase, from the stores' metrics. */
  static final class Figures {
    final String phase;
    final Map<String, Long> counters;
    final long elections;
    final Map<String, Double> p99Millis;

    private Figures(String phase, Map<String, Long> counters, long elections, Map<String, Double> p99Millis) {
      this.phase = phase;
      this.counters = counters;
      this.elections = elections;
      this.p99Millis = p99Millis;
    }

    static Figures of(LocalCluster cluster) {
      MetricRegistry metrics = cluster.metrics();
      Map<String, Long> counters = new TreeMap<>();
      for (Map.Entry<String, Counter> e : metrics.getCounters().entrySet()) {
        String name = e.getKey();
        String[] p = name.split("\\.", -1);
        if (name.contains(".zone_bytes.") && p.length >= 2) {
          String from = p[p.length - 2];
          String to = p[p.length - 1];
          counters.merge(from.equals(to) ? "bytes within zones" : "bytes across zones", e.getValue().getCount(), Long::sum);
        } else if ((name.contains(".dropped.") || name.contains(".refused.")) && e.getValue().getCount() > 0) {
          counters.merge((name.contains(".receiver.") ? "receiver dropped " : name.contains(".refused.") ? "refused by send " : "dropped after send ")
              + p[p.length - 1], e.getValue().getCount(), Long::sum);
        }
      }
      Map<String, Double> p99 = new TreeMap<>();
      for (Map.Entry<String, Timer> e : metrics.getTimers().entrySet()) {
        String name = e.getKey();
        String key = name.endsWith(".control.queue_wait") ? "heartbeat send-queue wait p99 ms"
            : name.endsWith(".receiver.deliver_latency") ? "inbound delivery latency p99 ms"
            : name.endsWith(".credits.wait.regular") ? "credit wait p99 ms, regular"
            : name.endsWith(".credits.wait.elastic") ? "credit wait p99 ms, elastic"
            : name.endsWith(".io.admission_delay.elastic") ? "logical admission delay p99 ms, elastic"
            : null;
        if (key != null && e.getValue().getCount() > 0) {
          p99.merge(key, e.getValue().getSnapshot().get99thPercentile() / 1e6, Math::max);
        }
      }
      long terms = cluster.terms();
      return new Figures("", counters, terms, p99);
    }

    Figures minus(Figures earlier, String phase) {
      Map<String, Long> delta = new TreeMap<>();
      counters.forEach((k, v) -> {
        long d = v - earlier.counters.getOrDefault(k, 0L);
        if (d != 0 || k.startsWith("bytes")) {
          delta.put(k, d);
        }
      });
      return new Figures(phase, delta, elections - earlier.elections, p99Millis);
    }

    static String table(List<Figures> phases) {
      List<String> keys = new ArrayList<>();
      keys.add("leader elections (term changes)");
      keys.add("messages dropped or refused (all reasons)");
      for (Figures f : phases) {
        f.counters.keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add);
        f.p99Millis.keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add);
      }
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-42s", ""));
      phases.forEach(f -> sb.append(String.format(Locale.ROOT, "%18s", f.phase)));
      sb.append('\n');
      for (String key : keys) {
        sb.append(String.format(Locale.ROOT, "%-42s", key.startsWith("bytes") ? key + " (MB)" : key));
        for (Figures f : phases) {
          String cell;
          if (key.startsWith("leader")) {
            cell = Long.toString(f.elections);
          } else if (key.startsWith("messages dropped")) {
            cell = Long.toString(f.counters.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("bytes")).mapToLong(Map.Entry::getValue).sum());
          } else if (f.p99Millis.containsKey(key)) {
            cell = String.format(Locale.ROOT, "%.1f", f.p99Millis.get(key));
          } else if (key.startsWith("bytes")) {
            cell = String.format(Locale.ROOT, "%.1f", f.counters.getOrDefault(key, 0L) / 1e6);
          } else {
            cell = Long.toString(f.counters.getOrDefault(key, 0L));
          }
          sb.append(String.format(Locale.ROOT, "%18s", cell));
        }
        sb.append('\n');
      }
      return sb.toString();
    }
  }
}
