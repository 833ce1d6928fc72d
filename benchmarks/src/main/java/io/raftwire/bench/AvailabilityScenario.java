package io.raftwire.bench;

import io.microraft.RaftConfig;
import io.microraft.RaftNode;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S10: availability after faults, on the example cluster (three stores, MicroRaft on RocksDB,
 * heartbeats every second and a leader declared dead after two), in three parts per run:
 *
 * <ol>
 *   <li><b>Failover</b>: {@value #RANGES} ranges, one writer per range ({@link KeyWriters}); store
 *       1 is made the leader of every range and then crashed ({@link LocalCluster#crash}: as {@code
 *       kill -9} looks to its peers). Per range it led: the time from the crash until a write sent
 *       after it succeeds (which needs a new leader), and until a survivor calls itself leader.
 *       Then the store restarts, catches up, leads again and is crashed again, {@value #ROUNDS}
 *       rounds a run.
 *   <li><b>Spurious elections under overload</b>: S3's overload ({@link ElasticOverloadScenario})
 *       with the same Raft timeouts; the elections (term changes) during the overload phase, on
 *       raftwire with admission and on the FIFO baseline ({@link BaselineTransport}) without.
 *   <li><b>Rolling restart</b>: on the failover cluster, each store in turn is stopped the
 *       normal way ({@link LocalCluster#stop}), restarted and waited for until it has caught up;
 *       the longest time any key went without a successful write.
 * </ol>
 *
 * <p>Parts 1 and 3 run for raftwire only; the fifo "transport" runs part 2 alone.
 */
final class AvailabilityScenario implements Scenario {
  private static final Logger log = LoggerFactory.getLogger(AvailabilityScenario.class);
  static final String RAFTWIRE = "raftwire";
  static final String FIFO = "fifo";
  private static final int RANGES = 16;
  private static final int ROUNDS = 3;
  private static final StoreId CRASHED = StoreId.of(1);
  private static final long RECOVERY_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long CATCH_UP_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long WRITE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  static final String FAILOVER_RANGES = "failover ranges";
  static final String FAILOVER_P50 = "failover p50 ms";
  static final String FAILOVER_P99 = "failover p99 ms";
  static final String FAILOVER_MAX = "failover max ms";
  static final String NOT_RECOVERED = "not recovered in 30 s";
  static final String ELECTED_P50 = "new leader p50 ms";
  static final String ELECTED_P99 = "new leader p99 ms";
  static final String ELECTIONS = "elections in overload";
  static final String OVERLOAD_P99 = "regular p99 ms";
  static final String OVERLOAD_FAILED = "regular failed";
  static final String OVERLOAD_ELASTIC = "elastic MB/s";
  static final String GAP_MAX = "max write gap ms";
  static final String GAP_MEDIAN_KEY = "median key's max gap ms";
  static final String CATCH_UP_MAX = "catch-up max s";
  static final String CATCH_UP_TIMEOUTS = "not caught up in 60 s";

  @Override
  public String id() {
    return "S10";
  }

  @Override
  public String title() {
    return "availability after faults on the example cluster (heartbeat 1 s, leader timeout 2 s): failover after "
        + "a leader store's crash, elections under S3's overload, a rolling restart";
  }

  @Override
  public List<String> transports() {
    return List.of(RAFTWIRE, FIFO);
  }

  @Override
  public List<String> figures() {
    return List.of(FAILOVER_RANGES, FAILOVER_P50, FAILOVER_P99, FAILOVER_MAX, NOT_RECOVERED, ELECTED_P50, ELECTED_P99,
        ELECTIONS, OVERLOAD_P99, OVERLOAD_FAILED, OVERLOAD_ELASTIC, GAP_MAX, GAP_MEDIAN_KEY, CATCH_UP_MAX, CATCH_UP_TIMEOUTS);
  }

  @Override
  public List<Table> tables() {
    return List.of(
        new Table(String.format(Locale.ROOT, "(a) Failover after a crash of the store leading all %d ranges "
            + "(%d crash rounds per run, over all ranges it led)", RANGES, ROUNDS), List.of(RAFTWIRE),
            List.of(FAILOVER_RANGES, FAILOVER_P50, FAILOVER_P99, FAILOVER_MAX, NOT_RECOVERED, ELECTED_P50, ELECTED_P99)),
        new Table("(b) Elections during S3's overload phase", List.of(RAFTWIRE, FIFO),
            List.of(ELECTIONS, OVERLOAD_P99, OVERLOAD_FAILED, OVERLOAD_ELASTIC)),
        new Table(String.format(Locale.ROOT, "(c) Rolling restart of the 3 stores, writes on %d keys (one per range)",
            RANGES), List.of(RAFTWIRE), List.of(GAP_MAX, GAP_MEDIAN_KEY, CATCH_UP_MAX, CATCH_UP_TIMEOUTS)));
  }

  @Override
  public List<String> notes() {
    return List.of(
        "Raft timeouts, set by S10 itself: MicroRaft heartbeat period 1 s, leader heartbeat timeout 2 s, "
            + "election timeout 1 s.",
        "(a) One writer per range puts its key every 20 ms and never gives up (on an error it tries the store "
            + "named as leader, or the next store, at once). A range's failover time runs from the start of the "
            + "crash to the answer of the first successful write sent after it; such a write can only have been "
            + "committed by a new leader. A range that took no write within 30 s is counted as not recovered and "
            + "enters the percentiles at 30 s. New leader: the first 10 ms poll at which a surviving replica "
            + "calls itself leader. Between rounds the crashed store restarts on its data, catches up and "
            + "takes the leadership of every range back.",
        "(b) raftwire runs with admission control; fifo cannot (it has no flow control), so it runs without. "
            + "Elections are the increase of the sum over ranges of the highest term, during the overload "
            + "phase only (after the warm-up); a vote that elected nobody counts too.",
        "(c) Max write gap: over all keys, the longest time between the answers of two successive successful "
            + "writes on one key during the rolling restart (including the wait from its start to the first and "
            + "from the last to its end). Caught up: every range's replica on the restarted store knows a leader "
            + "and has a commit index at least the one its leader had when asked.");
  }

  private static RaftConfig raftConfig() {
    return RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(1000).setLeaderHeartbeatPeriodSecs(1)
        .setLeaderHeartbeatTimeoutSecs(2).setCommitCountToTakeSnapshot(10_000).build();
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    Map<String, Double> figures = new LinkedHashMap<>();
    if (transport.equals(RAFTWIRE)) {
      failoverAndRollingRestart(settings, figures);
    }
    overload(transport, settings, figures);
    return figures;
  }

  private void failoverAndRollingRestart(Settings settings, Map<String, Double> figures) throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().ranges(RANGES).raftConfig(raftConfig()).start()) {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        throw new IllegalStateException("not every range elected a leader within 60 s");
      }
      List<byte[]> keys = new ArrayList<>();
      List<RangeId> rangeOfKey = new ArrayList<>();
      try (KvClient client = cluster.client()) {
        for (int i = 0; keys.size() < RANGES && i < 100_000; i++) {
          byte[] key = ("s10-" + i).getBytes(StandardCharsets.UTF_8);
          if (!rangeOfKey.contains(client.rangeOf(key))) {
            keys.add(key);
            rangeOfKey.add(client.rangeOf(key));
          }
        }
      }
      try (KeyWriters writers = new KeyWriters(keys, WRITE_INTERVAL_NANOS, () -> clientAddresses(cluster))) {
        LockSupport.parkNanos(settings.warmupNanos);
        List<Double> recoveries = new ArrayList<>();
        List<Double> elected = new ArrayList<>();
        int notRecovered = 0;
        int rounds = settings.quick ? 1 : ROUNDS;
        for (int round = 1; round <= rounds; round++) {
          if (!cluster.lead(CRASHED, TimeUnit.SECONDS.toNanos(30))) {
            log.warn("S10 round {}: {} did not take the lead of every range within 30 s", round, CRASHED);
          }
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // the writers find the leader
          List<RangeId> led = new ArrayList<>();
          for (RangeId range : cluster.node(CRASHED).hostedRanges()) {
            if (leaderOf(cluster, range).filter(CRASHED::equals).isPresent()) {
              led.add(range);
            }
          }
          long crashNanos = System.nanoTime();
          CompletableFuture<Void> crash = CompletableFuture.runAsync(() -> cluster.crash(CRASHED));
          Map<RangeId, Long> electedNanos = awaitNewLeaders(cluster, led, crashNanos);
          // Every range's writes get the full limit: wait until each recovered or the limit passed.
          while (System.nanoTime() - crashNanos < RECOVERY_LIMIT_NANOS
              && !led.stream().allMatch(r -> recovery(writers, rangeOfKey, r, crashNanos).isPresent())) {
            LockSupport.parkNanos(POLL_NANOS);
          }
          for (RangeId range : led) {
            OptionalLong recovered = recovery(writers, rangeOfKey, range, crashNanos);
            if (recovered.isEmpty()) {
              notRecovered++;
            }
            recoveries.add(recovered.orElse(RECOVERY_LIMIT_NANOS) / 1e6);
            Long e = electedNanos.get(range);
            elected.add((e == null ? RECOVERY_LIMIT_NANOS : e - crashNanos) / 1e6);
          }
          crash.join();
          log.info("S10 round {}: crashed {}, which led {} ranges; {} not recovered so far", round, CRASHED, led.size(),
              notRecovered);
          cluster.start(CRASHED);
          if (awaitCaughtUp(cluster, CRASHED).isEmpty()) {
            log.warn("S10 round {}: {} did not catch up within 60 s after its restart", round, CRASHED);
          }
        }
        figures.put(FAILOVER_RANGES, (double) recoveries.size());
        figures.put(FAILOVER_P50, Availability.percentile(recoveries, 0.5));
        figures.put(FAILOVER_P99, Availability.percentile(recoveries, 0.99));
        figures.put(FAILOVER_MAX, Availability.percentile(recoveries, 1.0));
        figures.put(NOT_RECOVERED, (double) notRecovered);
        figures.put(ELECTED_P50, Availability.percentile(elected, 0.5));
        figures.put(ELECTED_P99, Availability.percentile(elected, 0.99));
        rollingRestart(cluster, writers, figures);
      }
    }
  }

  /** Stops, restarts and waits for each store in turn; the gaps of the writers meanwhile. */
  private static void rollingRestart(LocalCluster cluster, KeyWriters writers, Map<String, Double> figures) {
    List<StoreId> stores = cluster.nodes().stream().map(KvNode::store).toList();
    long from = System.nanoTime();
    double catchUpMax = 0;
    int timeouts = 0;
    for (StoreId store : stores) {
      cluster.stop(store);
      try {
        cluster.start(store);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(store + " did not restart", e);
      }
      long restarted = System.nanoTime();
      OptionalLong caughtUp = awaitCaughtUp(cluster, store);
      if (caughtUp.isEmpty()) {
        timeouts++;
        log.warn("S10 rolling restart: {} did not catch up within 60 s", store);
      }
      catchUpMax = Math.max(catchUpMax, (caughtUp.orElse(restarted + CATCH_UP_LIMIT_NANOS) - restarted) / 1e9);
    }
    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // a store's last restart may still be felt
    long to = System.nanoTime();
    List<Double> perKey = new ArrayList<>();
    for (int k = 0; k < writers.keyCount(); k++) {
      perKey.add(Availability.maxGapNanos(writers.ends(k), from, to) / 1e6);
    }
    figures.put(GAP_MAX, Availability.percentile(perKey, 1.0));
    figures.put(GAP_MEDIAN_KEY, Availability.percentile(perKey, 0.5));
    figures.put(CATCH_UP_MAX, catchUpMax);
    figures.put(CATCH_UP_TIMEOUTS, (double) timeouts);
  }

  /** S3's overload on a cluster with S10's timeouts: elections in its overload phase. */
  private static void overload(String transport, Settings settings, Map<String, Double> figures) throws Exception {
    LocalCluster.Builder builder = LocalCluster.builder().ranges(ElasticOverloadScenario.RANGES)
        .slowDisks(ElasticOverloadScenario.SLOW_DISK_BYTES_PER_SECOND, ElasticOverloadScenario.SLOW_STORES)
        .raftConfig(raftConfig()).admissionControl(transport.equals(RAFTWIRE));
    if (transport.equals(FIFO)) {
      builder.transportFactory(BaselineTransport.factory(BaselineTransport.Mode.FIFO));
    }
    try (LocalCluster cluster = builder.start()) {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        throw new IllegalStateException("not every range elected a leader within 60 s");
      }
      cluster.slowDisks(true);
      try (KvClient client = cluster.client();
          LoadGenerator load = new LoadGenerator(client, 10_000, r -> r.value() % 2 == 1, r -> r.value() % 2 == 0)) {
        load.openLoop(Priority.REGULAR, ElasticOverloadScenario.REGULAR_PER_SECOND, 1024, 256,
            System.nanoTime() + settings.warmupNanos, new LoadGenerator.Stats(Priority.REGULAR));
        long termsBefore = cluster.terms();
        long start = System.nanoTime();
        LoadGenerator.Stats elastic = new LoadGenerator.Stats(Priority.ELASTIC);
        LoadGenerator.Stats regular = ElasticOverloadScenario.phase(load, ElasticOverloadScenario.ELASTIC_WORKERS,
            settings.measureNanos, new Timeline(start, TimeUnit.MILLISECONDS.toNanos(250)), elastic);
        double seconds = (System.nanoTime() - start) / 1e9;
        figures.put(ELECTIONS, (double) (cluster.terms() - termsBefore));
        figures.put(OVERLOAD_P99, regular.percentileMillis(0.99));
        figures.put(OVERLOAD_FAILED, (double) regular.failed());
        figures.put(OVERLOAD_ELASTIC, elastic.count() * (double) ElasticOverloadScenario.ELASTIC_VALUE_BYTES / seconds / 1e6);
      } finally {
        cluster.slowDisks(false);
      }
    }
  }

  private static Map<StoreId, InetSocketAddress> clientAddresses(LocalCluster cluster) {
    Map<StoreId, InetSocketAddress> addresses = new TreeMap<>();
    for (KvNode node : cluster.nodes()) {
      try {
        addresses.put(node.store(), node.clientAddress());
      } catch (RuntimeException e) {
        // the store is stopping: its server is gone
      }
    }
    return addresses;
  }

  /** The store whose replica of {@code range} calls itself leader, if a running one does. */
  private static Optional<StoreId> leaderOf(LocalCluster cluster, RangeId range) {
    for (KvNode node : cluster.nodes()) {
      Optional<RaftNode> raft = node.node(range);
      if (raft.isPresent() && raft.get().getLocalEndpoint().equals(raft.get().getTerm().getLeaderEndpoint())) {
        return Optional.of(node.store());
      }
    }
    return Optional.empty();
  }

  /**
   * Polls until a store other than the crashed one leads each of {@code ranges}, or the recovery
   * limit passed; when each was first seen so.
   */
  private static Map<RangeId, Long> awaitNewLeaders(LocalCluster cluster, List<RangeId> ranges, long crashNanos) {
    Map<RangeId, Long> seen = new TreeMap<>();
    while (seen.size() < ranges.size() && System.nanoTime() - crashNanos < RECOVERY_LIMIT_NANOS) {
      for (RangeId range : ranges) {
        if (!seen.containsKey(range) && leaderOf(cluster, range).filter(s -> !s.equals(CRASHED)).isPresent()) {
          seen.put(range, System.nanoTime());
        }
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    return seen;
  }

  private static OptionalLong recovery(KeyWriters writers, List<RangeId> rangeOfKey, RangeId range, long crashNanos) {
    List<List<Availability.Write>> writes = new ArrayList<>();
    for (int k = 0; k < rangeOfKey.size(); k++) {
      if (rangeOfKey.get(k).equals(range)) {
        writes.add(writers.writes(k));
      }
    }
    return Availability.recoveryNanos(writes, crashNanos, RECOVERY_LIMIT_NANOS);
  }

  /**
   * Waits until every range's replica on {@code store} knows a leader and has a commit index at
   * least the one its leader had when asked; when it had, or empty after {@link #CATCH_UP_LIMIT_NANOS}.
   */
  private static OptionalLong awaitCaughtUp(LocalCluster cluster, StoreId store) {
    long deadline = System.nanoTime() + CATCH_UP_LIMIT_NANOS;
    List<RangeId> pending = new ArrayList<>(cluster.node(store).hostedRanges());
    while (System.nanoTime() < deadline) {
      pending.removeIf(range -> caughtUp(cluster, store, range));
      if (pending.isEmpty()) {
        return OptionalLong.of(System.nanoTime());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    return OptionalLong.empty();
  }

  private static boolean caughtUp(LocalCluster cluster, StoreId store, RangeId range) {
    Optional<StoreId> leader = leaderOf(cluster, range);
    if (leader.isEmpty()) {
      return false;
    }
    try {
      long leaderCommit = commitIndex(cluster.node(leader.get()).node(range).orElseThrow());
      RaftNode local = cluster.node(store).node(range).orElseThrow();
      return local.getTerm().getLeaderEndpoint() != null && commitIndex(local) >= leaderCommit;
    } catch (RuntimeException e) {
      return false; // a store stopping under us: ask again
    }
  }

  private static long commitIndex(RaftNode node) {
    try {
      return node.getReport().get(5, TimeUnit.SECONDS).getResult().getLog().getCommitIndex();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no report from " + node.getGroupId(), e);
    }
  }
}
