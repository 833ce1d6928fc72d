package io.raftwire.example.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.example.faults.Workload.Outcome;
import io.raftwire.example.faults.Workload.Op;
import io.raftwire.example.kv.KvClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short profile of the fault suite: one nemesis per test against a fresh three-process cluster
 * under a concurrent register workload (a few seconds healthy, the fault, then healed), each run
 * checked for linearizability, lost acknowledged writes and replica agreement, and its figures
 * printed: ops, longest outage, recovery after the fault ended, elections, WARN/ERROR lines.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FaultSuiteTest {
  private static final int RANGES = 4;
  private static final int WORKERS = 6;
  private static final Duration WARM = Duration.ofSeconds(5);
  private static final Duration AFTER = Duration.ofSeconds(8);
  private static final List<String> KEYS = IntStream.range(0, 8).mapToObj(i -> "k" + i).toList();

  @TempDir
  Path dir;

  private FaultCluster cluster;
  private Workload workload;

  /** One fault: injects it, holds it, and heals it. */
  interface Nemesis {
    void run(FaultCluster cluster, long target) throws Exception;
  }

  @AfterEach
  void cleanUp() {
    if (workload != null) {
      workload.close();
    }
    if (cluster != null) {
      cluster.close(); // kill -9 of whatever the harness started and still runs
    }
  }

  @Test
  void killTheLeaderOfTheBusiestRangeThenRestartIt() throws Exception {
    run("kill -9 of the leader, restart after 4 s", (c, leader) -> {
      c.store(leader).kill();
      hold(Duration.ofSeconds(4));
      c.store(leader).start(); // on the same data directory and ports
    });
  }

  @Test
  void pauseOneStoreWithSigstop() throws Exception {
    run("SIGSTOP of the leader for 4 s", (c, leader) -> {
      c.store(leader).pause();
      try {
        hold(Duration.ofSeconds(4));
      } finally {
        c.store(leader).resume();
      }
    });
  }

  @Test
  void partitionOneStoreBothWays() throws Exception {
    run("two-way partition of the leader for 8 s", (c, leader) -> {
      c.outbound(leader).forEach(l -> l.mode(LinkProxy.Mode.DROP));
      c.inbound(leader).forEach(l -> l.mode(LinkProxy.Mode.DROP));
      hold(Duration.ofSeconds(8));
      c.heal();
    });
  }

  @Test
  void partitionOnlyTheOutboundOfOneStore() throws Exception {
    run("one-way partition (outbound of the leader dropped) for 8 s", (c, leader) -> {
      c.outbound(leader).forEach(l -> l.mode(LinkProxy.Mode.DROP));
      hold(Duration.ofSeconds(8));
      c.heal();
    });
  }

  @Test
  void partitionOnlyTheInboundOfOneStore() throws Exception {
    run("one-way partition (inbound of the leader blocked) for 8 s", (c, leader) -> {
      c.inbound(leader).forEach(l -> l.mode(LinkProxy.Mode.BLOCK));
      hold(Duration.ofSeconds(8));
      c.heal();
    });
  }

  @Test
  void slowLinksOnAndOff() throws Exception {
    run("slow links (+50 ± 20 ms) out of and into the leader for 8 s", (c, leader) -> {
      c.outbound(leader).forEach(l -> l.delay(50, 20));
      c.inbound(leader).forEach(l -> l.delay(50, 20));
      hold(Duration.ofSeconds(8));
      c.heal();
    });
  }

  private void run(String name, Nemesis nemesis) throws Exception {
    long begun = System.nanoTime();
    cluster = FaultCluster.started(dir, RANGES);
    workload = new Workload(KEYS, WORKERS);
    String busiest;
    try (KvClient probe = cluster.client()) {
      Map<Object, List<String>> byRange = new TreeMap<>(Comparator.comparing(Object::toString));
      for (String key : KEYS) {
        byRange.computeIfAbsent(probe.rangeOf(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            r -> new ArrayList<>()).add(key);
      }
      busiest = byRange.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow().get(0);
    }
    Map<Long, long[]> linesBefore = problemLines();
    long start = System.nanoTime();
    workload.start(cluster::client, WORKERS);
    hold(WARM);
    long target = cluster.leaderOf(busiest);
    long termsBefore = cluster.terms();
    long faultStart = System.nanoTime();
    nemesis.run(cluster, target);
    long faultEnd = System.nanoTime();
    hold(AFTER);
    workload.stop();
    long end = System.nanoTime();

    Map<String, Optional<String>> finalValues = new TreeMap<>();
    try (KvClient reader = cluster.client()) {
      for (String key : KEYS) {
        finalValues.put(key, await("the final read of " + key).atMost(Duration.ofSeconds(60))
            .until(() -> workload.read(reader, key), Optional::isPresent).orElseThrow());
      }
    }
    long elections = cluster.terms() - termsBefore;
    hold(Duration.ofSeconds(2)); // the followers learn the last commits from the next heartbeat
    Map<Long, long[]> linesAfter = problemLines();
    List<String> problems = new ArrayList<>();
    for (StoreProcess store : cluster.stores()) {
      problems.addAll(store.distinctProblems(20));
    }
    cluster.stopAll();
    Map<Long, Map<String, String>> contents = new TreeMap<>();
    for (StoreProcess store : cluster.stores()) {
      contents.put(store.id, cluster.contents(store.id));
    }

    List<Op> history = new ArrayList<>(workload.history);
    List<String> anomalies = new ArrayList<>();
    anomalies.addAll(HistoryCheck.linearizable(history, KEYS, start));
    anomalies.addAll(HistoryCheck.nothingLost(history, finalValues));
    anomalies.addAll(HistoryCheck.replicasAgree(contents));

    StringBuilder report = new StringBuilder("FAULT ").append(name).append(" (target s").append(target).append(")\n");
    report.append("  ops ok=").append(workload.count(Outcome.OK)).append(" failed=").append(workload.count(Outcome.FAIL))
        .append(" unknown=").append(workload.count(Outcome.UNKNOWN)).append('\n');
    report.append("  longest outage ").append(Figures.longestOutage(history, KEYS, start, end))
        .append("; recovery after the fault ended ").append(Figures.recovery(history, KEYS, faultEnd))
        .append("; fault held ").append(Figures.ms(faultEnd - faultStart)).append(" ms, from ")
        .append(HistoryCheck.micros(faultStart, start)).append(" to ").append(HistoryCheck.micros(faultEnd, start))
        .append(" µs after the workload began\n");
    report.append("  elections (rise of the ranges' terms): ").append(elections).append('\n');
    report.append("  WARN/ERROR lines from the workload's start to the stop:");
    for (StoreProcess store : cluster.stores()) {
      report.append(" s").append(store.id).append(' ').append(linesAfter.get(store.id)[0] - linesBefore.get(store.id)[0])
          .append('/').append(linesAfter.get(store.id)[1] - linesBefore.get(store.id)[1]);
    }
    report.append("; kinds, over the stores' whole lives: ").append(problems.stream().distinct().sorted().toList()).append('\n');
    report.append("  verdict: ").append(anomalies.isEmpty() ? "linearizable, nothing lost, replicas agree" : anomalies)
        .append("; took ").append(Figures.ms(System.nanoTime() - begun)).append(" ms");
    System.out.println(report);
    if (!anomalies.isEmpty()) {
      keepLogs(name);
    }
    assertTrue(anomalies.isEmpty(), name + ": " + String.join("\n", anomalies));
  }

  /** Copies the stores' logs to {@code target/fault-logs/<fault>/}, where they outlive the test's directory. */
  private void keepLogs(String name) throws java.io.IOException {
    Path kept = Path.of("target", "fault-logs", name.replaceAll("[^A-Za-z0-9]+", "-"));
    java.nio.file.Files.createDirectories(kept);
    try (java.util.stream.Stream<Path> logs = java.nio.file.Files.list(cluster.logs())) {
      for (Path log : logs.toList()) {
        java.nio.file.Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    System.out.println("  the stores' logs are kept in " + kept.toAbsolutePath());
  }

  /** Per store, its WARN and ERROR lines so far. */
  private Map<Long, long[]> problemLines() {
    Map<Long, long[]> lines = new TreeMap<>();
    for (StoreProcess store : cluster.stores()) {
      lines.put(store.id, new long[] {store.warnings(), store.errors()});
    }
    return lines;
  }

  /** Lets {@code duration} pass (a fault's length, or a phase of the workload). */
  private static void hold(Duration duration) {
    await().pollDelay(duration).atMost(duration.plusSeconds(5)).until(() -> true);
  }
}
