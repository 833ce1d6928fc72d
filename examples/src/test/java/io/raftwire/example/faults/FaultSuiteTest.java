package io.raftwire.example.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.example.faults.Workload.Op;
import io.raftwire.example.faults.Workload.Outcome;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.link.LinkProxy;
import io.raftwire.message.Priority;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite: one nemesis per test against a fresh three-process cluster under a concurrent
 * register workload (healthy for a while, the fault, then healed), each run checked for
 * linearizability, lost acknowledged writes and replica agreement, and its figures printed: ops,
 * longest outage, recovery after the fault ended, elections, peak heap and queued bytes, WARN/ERROR
 * lines.
 *
 * <p>In {@code mvn -B verify} it runs its short profile. The long mode ({@code
 * -Draftwire.faults.long=true}) holds every fault and phase longer, as the README's reliability
 * table states, writes 10k+ entries for the snapshot fault, and appends a row per fault to the
 * Markdown table named by {@code -Draftwire.faults.results=<file>}.
 */
class FaultSuiteTest {
  private static final boolean LONG = Boolean.getBoolean("raftwire.faults.long");
  private static final String RESULTS = System.getProperty("raftwire.faults.results", "");
  private static final int RANGES = 4;
  private static final int WORKERS = 6;
  private static final Duration WARM = Duration.ofSeconds(LONG ? 10 : 5);
  private static final Duration AFTER = Duration.ofSeconds(LONG ? 20 : 8);
  private static final Duration TIMEOUT = Duration.ofSeconds(LONG ? 900 : 150);
  /** Commits per range between snapshots in the snapshot fault; it writes 2.5 times as many. */
  private static final int SNAPSHOT_EVERY = LONG ? 10_000 : 1_000;
  private static final List<String> KEYS = IntStream.range(0, 8).mapToObj(i -> "k" + i).toList();

  @TempDir
  Path dir;

  private FaultCluster cluster;
  private Workload workload;

  /** One fault: injects it, holds it, and heals it; returns what it saw, for the report (or ""). */
  interface Nemesis {
    String run(FaultCluster cluster, long leader, String key) throws Exception;
  }

  private static Duration seconds(int shortProfile, int longMode) {
    return Duration.ofSeconds(LONG ? longMode : shortProfile);
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
    Duration down = seconds(4, 10);
    String report = run("kill -9 of the leader, restart after " + down.toSeconds() + " s", FaultCluster.Options.of(RANGES),
        (c, leader, key) -> {
          c.store(leader).kill();
          hold(down);
          c.store(leader).start(); // on the same data directory and ports
          return "";
        });
    assertTrue(!report.contains("elections (rise of the ranges' terms): 0\n"),
        "a killed leader's ranges elect a new leader, and the figures count it: " + report);
  }

  @Test
  void pauseOneStoreWithSigstop() throws Exception {
    Duration paused = seconds(4, 8);
    run("SIGSTOP of the leader for " + paused.toSeconds() + " s", FaultCluster.Options.of(RANGES), (c, leader, key) -> {
      c.store(leader).pause();
      try {
        hold(paused);
      } finally {
        c.store(leader).resume();
      }
      return "";
    });
  }

  @Test
  void partitionOneStoreBothWays() throws Exception {
    Duration cut = seconds(8, 10);
    run("two-way partition of the leader for " + cut.toSeconds() + " s", FaultCluster.Options.of(RANGES), (c, leader, key) -> {
      c.outbound(leader).forEach(l -> l.mode(LinkProxy.Mode.DROP));
      c.inbound(leader).forEach(l -> l.mode(LinkProxy.Mode.DROP));
      hold(cut);
      c.heal();
      return "";
    });
  }

  @Test
  void partitionOnlyTheOutboundOfOneStore() throws Exception {
    Duration cut = seconds(8, 10);
    run("one-way partition (outbound of the leader dropped) for " + cut.toSeconds() + " s", FaultCluster.Options.of(RANGES),
        (c, leader, key) -> {
          c.outbound(leader).forEach(l -> l.mode(LinkProxy.Mode.DROP));
          hold(cut);
          c.heal();
          return "";
        });
  }

  @Test
  void partitionOnlyTheInboundOfOneStore() throws Exception {
    Duration cut = seconds(8, 10);
    run("one-way partition (inbound of the leader blocked) for " + cut.toSeconds() + " s", FaultCluster.Options.of(RANGES),
        (c, leader, key) -> {
          c.inbound(leader).forEach(l -> l.mode(LinkProxy.Mode.BLOCK));
          hold(cut);
          c.heal();
          return "";
        });
  }

  @Test
  void slowLinksOnAndOff() throws Exception {
    Duration slow = seconds(8, 30);
    run("slow links (+50 ± 20 ms) out of and into the leader for " + slow.toSeconds() + " s", FaultCluster.Options.of(RANGES),
        (c, leader, key) -> {
          c.outbound(leader).forEach(l -> l.delay(50, 20));
          c.inbound(leader).forEach(l -> l.delay(50, 20));
          hold(slow);
          c.heal();
          return "";
        });
  }

  @Test
  void stallTheDiskOfAFollower() throws Exception {
    Duration stalled = seconds(5, 8);
    run("disk of a follower stalled for " + stalled.toSeconds() + " s", FaultCluster.Options.of(RANGES), (c, leader, key) -> {
      long follower = leader % FaultCluster.STORES + 1;
      c.admin(follower, "disk.stalled", "true"); // what raftwire-kv admin set does
      try {
        hold(stalled);
      } finally {
        c.admin(follower, "disk.stalled", "false");
      }
      return "stalled s" + follower;
    });
  }

  @Test
  void aFollowerThatMissedACompactedLogCatchesUpBySnapshot() throws Exception {
    int entries = SNAPSHOT_EVERY * 5 / 2;
    String report = run("follower killed while " + entries + " entries go to one range (snapshot every " + SNAPSHOT_EVERY
            + " commits), then restarted", new FaultCluster.Options(RANGES, SNAPSHOT_EVERY, true),
        (c, busiestLeader, busiestKey) -> {
          // s2 is zone a, s1 and s3 zone b: with the leader in a, the zone-b follower left is the
          // nearest replica of the one killed and gets to send it the snapshot. So a range s2 leads
          // is chosen if there is one.
          String key = busiestKey;
          long leader = busiestLeader;
          try (KvClient probe = c.client()) {
            java.util.Set<Object> tried = new java.util.HashSet<>();
            for (int i = 0; i < 1000 && leader != 2 && tried.size() < RANGES; i++) {
              String k = "probe" + i;
              if (tried.add(probe.rangeOf(k.getBytes(StandardCharsets.UTF_8))) && c.leaderOf(k) == 2) {
                key = k;
                leader = 2;
              }
            }
          }
          long follower = leader == 3 ? 1 : 3;
          long before = (long) c.sum(follower, "raftwire_microraft_snapshots_installed");
          c.store(follower).kill();
          List<String> written = bulkWrite(c, key, entries);
          long leaderNow = c.leaderOf(key);
          c.store(follower).start();
          long installed = await("s" + follower + " installs a snapshot").atMost(Duration.ofMinutes(2))
              .pollInterval(Duration.ofMillis(250))
              .until(() -> (long) c.sum(follower, "raftwire_microraft_snapshots_installed"), n -> n > before) - before;
          bulk.addAll(written);
          double delegated = 0;
          List<String> delegation = new ArrayList<>();
          for (long id = 1; id <= FaultCluster.STORES; id++) {
            delegated += c.sum(id, "raftwire_snapshot_delegation_delegated_total");
            for (String line : c.metrics(id, "delegat")) {
              if (!line.endsWith(" 0.0")) {
                delegation.add("s" + id + " " + line);
              }
            }
          }
          return "s" + follower + " (zone b) killed, " + written.size() + " bulk writes acknowledged, snapshots installed on it: "
              + installed + ", by a delegate: " + (delegated > 0 ? "yes" : "no") + " (leader of the range s" + leaderNow
              + ", zone " + (leaderNow == 2 ? "a" : "b") + (leaderNow == 2 ? ": a delegate was expected" : ": the leader is the nearest") + ")" + (delegation.isEmpty() ? "" : "; delegation metrics " + delegation);
        });
    assertTrue(report.contains("snapshots installed on it: "), report);
  }

  /** Bulk keys acknowledged in this run, each written once with its own name as value. */
  private final List<String> bulk = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Writes {@code count} new keys that fall in {@code key}'s range, 8 at a time, and returns those
   * acknowledged; the outcome of the others is unknown (they may or may not be applied).
   */
  private static List<String> bulkWrite(FaultCluster c, String key, int count) throws Exception {
    List<String> acknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(8);
    try (KvClient client = c.client()) {
      Object range = client.rangeOf(key.getBytes(StandardCharsets.UTF_8));
      List<String> keys = IntStream.iterate(0, i -> i + 1).mapToObj(i -> "bulk" + i)
          .filter(k -> client.rangeOf(k.getBytes(StandardCharsets.UTF_8)).equals(range)).limit(count).toList();
      List<java.util.concurrent.Future<?>> running = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        running.add(writers.submit(() -> {
          try (KvClient own = c.client()) {
            for (int i = next.getAndIncrement(); i < keys.size(); i = next.getAndIncrement()) {
              String k = keys.get(i);
              try {
                own.put(k.getBytes(StandardCharsets.UTF_8), k.getBytes(StandardCharsets.UTF_8), Priority.REGULAR);
                acknowledged.add(k);
              } catch (io.grpc.StatusRuntimeException e) {
                // unknown outcome: not counted as acknowledged
              }
            }
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : running) {
        f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      writers.shutdownNow();
    }
    return acknowledged;
  }

  private String run(String name, FaultCluster.Options options, Nemesis nemesis) {
    return assertTimeoutPreemptively(TIMEOUT, () -> runChecked(name, options, nemesis), name + " took too long");
  }

  private String runChecked(String name, FaultCluster.Options options, Nemesis nemesis) throws Exception {
    long begun = System.nanoTime();
    cluster = FaultCluster.started(dir, options);
    workload = new Workload(KEYS, WORKERS);
    String busiest;
    try (KvClient probe = cluster.client()) {
      Map<Object, List<String>> byRange = new TreeMap<>(Comparator.comparing(Object::toString));
      for (String key : KEYS) {
        byRange.computeIfAbsent(probe.rangeOf(key.getBytes(StandardCharsets.UTF_8)),
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
    String seen = nemesis.run(cluster, target, busiest);
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
    Map<Long, long[]> peaks = cluster.peaks();
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
    anomalies.addAll(bulkKept(contents));

    String outage = Figures.longestOutage(history, KEYS, start, end);
    String recovery = Figures.recovery(history, KEYS, faultEnd);
    StringBuilder report = new StringBuilder("FAULT ").append(name).append(" (target s").append(target).append(")\n");
    if (!seen.isEmpty()) {
      report.append("  ").append(seen).append('\n');
    }
    report.append("  ops ok=").append(workload.count(Outcome.OK)).append(" failed=").append(workload.count(Outcome.FAIL))
        .append(" unknown=").append(workload.count(Outcome.UNKNOWN)).append('\n');
    report.append("  longest outage ").append(outage)
        .append("; recovery after the fault ended ").append(recovery).append("; fault held ")
        .append(Figures.ms(faultEnd - faultStart)).append(" ms, from ")
        .append(HistoryCheck.micros(faultStart, start)).append(" to ").append(HistoryCheck.micros(faultEnd, start))
        .append(" µs after the workload began\n");
    report.append("  elections (rise of the ranges' terms): ").append(elections).append('\n');
    report.append("  peak heap / bytes queued in the transport:");
    peaks.forEach((id, p) -> report.append(" s").append(id).append(' ').append(mib(p[0])).append(" / ").append(mib(p[1])));
    report.append('\n');
    report.append("  WARN/ERROR lines from the workload's start to the stop:");
    long warnings = 0;
    long errors = 0;
    for (StoreProcess store : cluster.stores()) {
      long w = linesAfter.get(store.id)[0] - linesBefore.get(store.id)[0];
      long e = linesAfter.get(store.id)[1] - linesBefore.get(store.id)[1];
      warnings += w;
      errors += e;
      report.append(" s").append(store.id).append(' ').append(w).append('/').append(e);
    }
    report.append("; kinds, over the stores' whole lives: ").append(problems.stream().distinct().sorted().toList()).append('\n');
    String verdict = anomalies.isEmpty() ? "linearizable, nothing lost, replicas agree" : anomalies.size() + " anomalies";
    report.append("  verdict: ").append(anomalies.isEmpty() ? verdict : anomalies)
        .append("; took ").append(Figures.ms(System.nanoTime() - begun)).append(" ms");
    System.out.println(report);
    if (!RESULTS.isEmpty()) {
      long heapPeak = peaks.values().stream().mapToLong(p -> p[0]).max().orElse(0);
      long queuedPeak = peaks.values().stream().mapToLong(p -> p[1]).max().orElse(0);
      appendResult("| " + String.join(" | ", name, Long.toString(workload.count(Outcome.OK)),
          Long.toString(workload.count(Outcome.FAIL)), Long.toString(workload.count(Outcome.UNKNOWN)), verdict,
          Integer.toString(lostWrites(anomalies)), outage, recovery, Long.toString(elections),
          mib(heapPeak) + " / " + mib(queuedPeak), warnings + " / " + errors, seen.isEmpty() ? "" : seen) + " |");
    }
    if (!anomalies.isEmpty() || Boolean.getBoolean("raftwire.faults.keepLogs")) {
      keepLogs(name);
    }
    assertTrue(anomalies.isEmpty(), name + ": " + String.join("\n", anomalies));
    return report.toString();
  }

  /** Every acknowledged bulk write, with its value, on every replica. */
  private List<String> bulkKept(Map<Long, Map<String, String>> contents) {
    List<String> missing = new ArrayList<>();
    for (String key : bulk) {
      for (Map.Entry<Long, Map<String, String>> store : contents.entrySet()) {
        boolean kept = store.getValue().entrySet().stream()
            .anyMatch(e -> e.getKey().endsWith("/" + key) && e.getValue().equals(key));
        if (!kept && missing.size() < 10) {
          missing.add("lost: the acknowledged bulk write of " + key + " is not on s" + store.getKey());
        }
      }
    }
    return missing;
  }

  private static int lostWrites(List<String> anomalies) {
    return (int) anomalies.stream().filter(a -> a.startsWith("lost")).count();
  }

  private static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  /** Appends {@code row} to the results table, writing its header first if the file is new. */
  private static synchronized void appendResult(String row) throws java.io.IOException {
    Path file = Path.of(RESULTS);
    if (!java.nio.file.Files.exists(file)) {
      java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
      java.nio.file.Files.writeString(file, "| fault | ops ok | failed | unknown | verdict | lost writes | longest outage "
          + "| recovery | elections | peak heap / queued | WARN / ERROR | seen |\n|---|---:|---:|---:|---|---:|---|---|---:|---|---|---|\n");
    }
    java.nio.file.Files.writeString(file, row + "\n", java.nio.file.StandardOpenOption.APPEND);
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
