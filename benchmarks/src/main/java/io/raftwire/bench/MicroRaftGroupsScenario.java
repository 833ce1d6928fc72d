package io.raftwire.bench;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.executor.RaftNodeExecutor;
import io.microraft.persistence.NopRaftStore;
import io.microraft.statemachine.StateMachine;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.MicroRaftNodes;
import io.raftwire.adapter.microraft.OperationCodec;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S9M: how many idle MicroRaft groups a store carries before their heartbeats come late, with
 * MicroRaft's heartbeats as one envelope each and as the transport's coalesced heartbeat records.
 * Three stores in one process on loopback, each a real {@link GrpcTransport} and one {@link
 * MicroRaftNodes}; N groups (the variant), each with a replica on every store, on {@link
 * NopRaftStore} and a state machine that does nothing. The leaders are spread over the stores by
 * leadership transfers. Then nothing is proposed: over the measured window, every group's only
 * traffic is its leader's heartbeat appends and their answers. A heartbeat that comes too late
 * shows up as an election, counted as the increase of the groups' terms.
 *
 * <p>MicroRaft gives each node a thread of its own unless told otherwise ({@code
 * RaftNodeBuilder.setExecutor}); here every store's nodes share {@value #RAFT_THREADS_PER_STORE}
 * single-threaded schedulers, a node keeping one for life, so that each node's tasks still run one
 * at a time and in order, as MicroRaft requires, while thousands of groups need no thousands of
 * threads.
 */
final class MicroRaftGroupsScenario implements Scenario {
  private static final Logger log = LoggerFactory.getLogger(MicroRaftGroupsScenario.class);
  static final String COALESCED = "coalesced";
  static final String ENVELOPES = "envelopes";
  private static final int STORES = 3;
  static final int RAFT_THREADS_PER_STORE = 2;
  private static final int HEARTBEAT_PERIOD_SECS = 1;
  private static final int HEARTBEAT_TIMEOUT_SECS = 5;
  private static final int ELECTION_TIMEOUT_MILLIS = 1000;
  /**
   * MicroRaft allocates each replica's log up front as an array of commitCountToTakeSnapshot plus
   * maxPendingLogEntryCount entries (by default 50,000 + 5,000); idle groups need few.
   */
  private static final int LOG_ENTRIES = 100;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  static final String CPU = "CPU % of a core per store";
  static final String LED = "groups led";
  static final String MOST_LED = "most led by a store";
  static final String ELECTIONS = "elections in window";
  static final String WATCHDOG = "watchdog elections";
  static final String LEADERLESS = "leaderless at end";
  static final String HB_SENT = "heartbeat records sent/s";
  static final String HB_DELIVERED = "heartbeat records delivered/s";
  static final String HB_MESSAGES = "heartbeat messages/s";
  static final String ENVELOPES_PER_SEC = "envelopes/s";
  static final String HEAP = "heap per replica KiB";
  static final String THREADS = "threads";

  private final List<String> notes = new ArrayList<>();

  @Override
  public String id() {
    return "S9M";
  }

  @Override
  public String title() {
    return "idle MicroRaft groups per store before heartbeats are late (heartbeat 1 s, leader timeout 5 s), "
        + "heartbeats as envelopes and coalesced";
  }

  @Override
  public List<String> transports() {
    return List.of(COALESCED, ENVELOPES);
  }

  @Override
  public List<String> variants(Settings settings) {
    return settings.quick ? List.of("10") : List.of("100", "500", "1000", "2000", "5000", "10000", "20000");
  }

  @Override
  public String variantColumn() {
    return "groups";
  }

  @Override
  public String variantLabel(String variant) {
    return variant + " groups";
  }

  @Override
  public List<String> figures() {
    return List.of(CPU, LED, MOST_LED, ELECTIONS, WATCHDOG, LEADERLESS, HB_SENT, HB_DELIVERED, HB_MESSAGES,
        ENVELOPES_PER_SEC, HEAP, THREADS);
  }

  @Override
  public List<Ratio> ratios() {
    return List.of(new Ratio(COALESCED, ENVELOPES));
  }

  @Override
  public List<String> notes() {
    List<String> all = new ArrayList<>(List.of(
        "Every group has a replica on each of the 3 stores, which run in one process on loopback, each with "
            + "its own GrpcTransport (plaintext) and MicroRaftNodes (leader watchdog on, no admission). MicroRaft "
            + "0.7, heartbeat period 1 s, leader heartbeat timeout 5 s, election timeout 1 s, a log of 100 + 100 entries (MicroRaft allocates commitCountToTakeSnapshot + maxPendingLogEntryCount slots per replica up front, by default 50,000 + 5,000); NopRaftStore; a state "
            + "machine that does nothing. coalesced: MicroRaftNodes.coalescedHeartbeats(true), MicroRaft's empty "
            + "appends and all append responses go as coalesced heartbeat records; envelopes: false, one envelope "
            + "each.",
        String.format(Locale.ROOT, "Each store's nodes share %d single-threaded schedulers "
            + "(RaftNodeBuilder.setExecutor; a node keeps one for life), instead of MicroRaft's default thread per "
            + "node.", RAFT_THREADS_PER_STORE),
        "Groups led: groups whose three replicas named the same leader after the set-up (bounded wait of "
            + "30 s plus 10 ms per group, twice: before and after the leadership transfers that spread the "
            + "leaders, group i to store i mod 3). Most led by a store: the largest number of those leaders on "
            + "one store.",
        "Measured over the window after the warm-up, with no proposals: CPU is the process's CPU time "
            + "(OperatingSystemMXBean.getProcessCpuTime) over the window's wall time, divided by 3 for the 3 stores, "
            + "in % of one core. Elections: the increase, over the window, of the sum over groups of the highest "
            + "term among the group's replicas (a vote that elected nobody counts too); watchdog elections: those "
            + "the adapter's leader watchdog started. Leaderless at end: groups whose replicas do not name one "
            + "leader at the end of the window.",
        "Heartbeat records sent/s: the adapter's raftwire.<store>.microraft.heartbeats.sent; delivered/s: the "
            + "transport's raftwire.<store>.receiver.heartbeats.delivered; messages/s: its "
            + "receiver.heartbeats.deliveries (one per arriving wire message of records); envelopes/s: its "
            + "sender.<destination>.<lane>.accepted. All summed over the 3 stores. An idle group costs 4 "
            + "records or envelopes per heartbeat period (2 appends, 2 answers).",
        "Heap per replica: heap used after a full GC with the groups running, minus the same before they "
            + "started (the transports running), over 3 N replicas. Threads: the process's live threads in the "
            + "window."));
    all.addAll(notes);
    return all;
  }

  private static RaftConfig raftConfig() {
    return RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(ELECTION_TIMEOUT_MILLIS)
        .setLeaderHeartbeatPeriodSecs(HEARTBEAT_PERIOD_SECS).setLeaderHeartbeatTimeoutSecs(HEARTBEAT_TIMEOUT_SECS)
        .setCommitCountToTakeSnapshot(LOG_ENTRIES).setMaxPendingLogEntryCount(LOG_ENTRIES).build();
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    int groups = Integer.parseInt(variant);
    boolean coalesced = transport.equals(COALESCED);
    try (Cluster cluster = new Cluster(coalesced)) {
      long heapBefore = heapAfterGc();
      List<RangeId> ranges = new ArrayList<>();
      for (long r = 1; r <= groups; r++) {
        ranges.add(RangeId.of(r));
      }
      for (RangeId range : ranges) {
        for (Store store : cluster.stores) {
          store.start(range);
        }
      }
      long waitNanos = TimeUnit.SECONDS.toNanos(30) + TimeUnit.MILLISECONDS.toNanos(10) * groups;
      awaitLeaders(cluster, ranges, waitNanos);
      spreadLeaders(cluster, ranges);
      int led = awaitLeaders(cluster, ranges, waitNanos);
      int[] perStore = new int[STORES];
      for (RangeId range : ranges) {
        RaftEndpoint leader = cluster.leader(range);
        if (leader != null) {
          perStore[(int) ((StoreEndpoint) leader).store().value() - 1]++;
        }
      }
      long heapAfter = heapAfterGc();
      if (!settings.quick && led < groups) {
        notes.add(String.format(Locale.ROOT, "%s, %d groups: only %d groups had a leader after the set-up.",
            transport, groups, led));
      }

      LockSupport.parkNanos(settings.warmupNanos);
      long termsBefore = cluster.termSum(ranges);
      Snapshot before = cluster.snapshot();
      long cpuBefore = processCpuNanos();
      long startNanos = System.nanoTime();
      int threads = 0;
      long end = startNanos + settings.measureNanos;
      while (System.nanoTime() < end) {
        LockSupport.parkNanos(Math.min(POLL_NANOS * 10, Math.max(1, end - System.nanoTime())));
        threads = Math.max(threads, ManagementFactory.getThreadMXBean().getThreadCount());
      }
      long cpuAfter = processCpuNanos();
      long elapsedNanos = System.nanoTime() - startNanos;
      Snapshot after = cluster.snapshot();
      long termsAfter = cluster.termSum(ranges);
      int leaderless = 0;
      for (RangeId range : ranges) {
        if (cluster.leader(range) == null) {
          leaderless++;
        }
      }
      double seconds = elapsedNanos / 1e9;
      Map<String, Double> figures = new LinkedHashMap<>();
      figures.put(CPU, 100.0 * (cpuAfter - cpuBefore) / elapsedNanos / STORES);
      figures.put(LED, (double) led);
      figures.put(MOST_LED, (double) Arrays.stream(perStore).max().orElse(0));
      figures.put(ELECTIONS, (double) (termsAfter - termsBefore));
      figures.put(WATCHDOG, (double) (after.watchdog - before.watchdog));
      figures.put(LEADERLESS, (double) leaderless);
      figures.put(HB_SENT, (after.heartbeatsSent - before.heartbeatsSent) / seconds);
      figures.put(HB_DELIVERED, (after.heartbeatsDelivered - before.heartbeatsDelivered) / seconds);
      figures.put(HB_MESSAGES, (after.heartbeatMessages - before.heartbeatMessages) / seconds);
      figures.put(ENVELOPES_PER_SEC, (after.envelopes - before.envelopes) / seconds);
      figures.put(HEAP, Math.max(0, heapAfter - heapBefore) / 1024.0 / (STORES * (double) groups));
      figures.put(THREADS, (double) threads);
      long fallbacks = after.fallbacks - before.fallbacks;
      if (fallbacks > 0) {
        notes.add(String.format(Locale.ROOT, "%s, %d groups: %d heartbeats fell back to envelopes in the window "
            + "(heartbeat budget full).", transport, groups, fallbacks));
      }
      log.info("S9M {} {} groups: {}", transport, groups, figures);
      return figures;
    }
  }

  /** Waits until every range's replicas name one leader, or {@code limitNanos}; returns how many do. */
  private static int awaitLeaders(Cluster cluster, List<RangeId> ranges, long limitNanos) {
    long deadline = System.nanoTime() + limitNanos;
    List<RangeId> waiting = new ArrayList<>(ranges);
    while (true) {
      waiting.removeIf(range -> cluster.leader(range) != null);
      if (waiting.isEmpty() || System.nanoTime() > deadline) {
        return ranges.size() - waiting.size();
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /** Asks the leader of group i to hand its leadership to store i mod 3 + 1, and waits for the answers. */
  private static void spreadLeaders(Cluster cluster, List<RangeId> ranges) {
    List<CompletableFuture<?>> transfers = new ArrayList<>();
    for (RangeId range : ranges) {
      RaftEndpoint leader = cluster.leader(range);
      RaftEndpoint target = StoreEndpoint.of(range.value() % STORES + 1);
      if (leader == null || leader.equals(target)) {
        continue;
      }
      RaftNode node = cluster.stores.get((int) ((StoreEndpoint) leader).store().value() - 1).nodes.node(range).orElseThrow();
      transfers.add(node.transferLeadership(target).exceptionally(failure -> null));
    }
    try {
      CompletableFuture.allOf(transfers.toArray(CompletableFuture[]::new))
          .get(30 + ranges.size() / 100, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      log.warn("S9M: not every leadership transfer answered in time");
    } catch (Exception e) {
      log.warn("S9M: leadership transfers", e);
    }
  }

  private static long heapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** The counters of all stores at one time. */
  private record Snapshot(long heartbeatsSent, long heartbeatsDelivered, long heartbeatMessages, long envelopes,
      long fallbacks, long watchdog) {}

  /** The three stores. */
  private static final class Cluster implements AutoCloseable {
    final List<Store> stores = new ArrayList<>();

    Cluster(boolean coalesced) {
      Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
      try {
        for (long s = 1; s <= STORES; s++) {
          StoreId id = StoreId.of(s);
          GrpcTransport transport = GrpcTransport.start(
              GrpcTransportConfig.builder(id, StoreResolver.of(addresses)).security(PeerSecurity.insecure()).build());
          addresses.put(id, transport.listenAddress());
          stores.add(new Store(id, transport, coalesced));
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    /** {@return the leader all replicas of {@code range} name, or null if they name none or not one} */
    RaftEndpoint leader(RangeId range) {
      RaftEndpoint leader = null;
      for (Store store : stores) {
        RaftEndpoint named = store.nodes.node(range).map(n -> n.getTerm().getLeaderEndpoint()).orElse(null);
        if (named == null || (leader != null && !leader.equals(named))) {
          return null;
        }
        leader = named;
      }
      return leader;
    }

    /** {@return the sum over {@code ranges} of the highest term among each range's replicas} */
    long termSum(List<RangeId> ranges) {
      long sum = 0;
      for (RangeId range : ranges) {
        int highest = 0;
        for (Store store : stores) {
          highest = Math.max(highest, store.nodes.node(range).map(n -> n.getTerm().getTerm()).orElse(0));
        }
        sum += highest;
      }
      return sum;
    }

    Snapshot snapshot() {
      long sent = 0;
      long delivered = 0;
      long messages = 0;
      long envelopes = 0;
      long fallbacks = 0;
      long watchdog = 0;
      for (Store s : stores) {
        sent += s.nodes.raftTransport().heartbeatsSent();
        fallbacks += s.nodes.raftTransport().heartbeatFallbacks();
        watchdog += s.nodes.watchdogElections();
        MetricRegistry metrics = s.transport.metrics();
        delivered += metrics.counter("raftwire." + s.id + ".receiver.heartbeats.delivered").getCount();
        messages += metrics.counter("raftwire." + s.id + ".receiver.heartbeats.deliveries").getCount();
        Pattern lane = Pattern.compile(Pattern.quote("raftwire." + s.id + ".sender.") + "[^.]+\\.[^.]+\\.accepted");
        for (Map.Entry<String, Counter> c : metrics.getCounters((name, metric) -> lane.matcher(name).matches()).entrySet()) {
          envelopes += c.getValue().getCount();
        }
      }
      return new Snapshot(sent, delivered, messages, envelopes, fallbacks, watchdog);
    }

    @Override
    public void close() {
      List<CompletableFuture<?>> terminations = new ArrayList<>();
      for (Store store : stores) {
        for (RangeId range : store.nodes.ranges()) {
          store.nodes.node(range).ifPresent(n -> terminations.add(n.terminate().exceptionally(f -> null)));
        }
      }
      try {
        CompletableFuture.allOf(terminations.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("S9M: not every node terminated", e);
      }
      for (Store store : stores) {
        store.close();
      }
    }
  }

  /** One store: its transport, its MicroRaft nodes and the schedulers they share. */
  private static final class Store implements AutoCloseable {
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    final StoreId id;
    final GrpcTransport transport;
    final MicroRaftNodes nodes;
    final List<ScheduledExecutorService> schedulers = new ArrayList<>();
    private int started;

    Store(StoreId id, GrpcTransport transport, boolean coalesced) {
      this.id = id;
      this.transport = transport;
      this.nodes = MicroRaftNodes.builder(transport, new MicroRaftCodec(new Strings())).coalescedHeartbeats(coalesced)
          .build();
      ThreadFactory threads = task -> {
        Thread t = new Thread(task, "s9m-raft-" + id + "-" + THREAD_IDS.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
      for (int i = 0; i < RAFT_THREADS_PER_STORE; i++) {
        schedulers.add(Executors.newSingleThreadScheduledExecutor(threads));
      }
    }

    void start(RangeId range) {
      ScheduledExecutorService scheduler = schedulers.get(started++ % schedulers.size());
      List<RaftEndpoint> members = new ArrayList<>();
      for (long s = 1; s <= STORES; s++) {
        members.add(StoreEndpoint.of(s));
      }
      nodes.start(range, RaftNode.newBuilder().setGroupId(range).setLocalEndpoint(StoreEndpoint.of(id))
          .setInitialGroupMembers(members).setConfig(raftConfig()).setStateMachine(new Idle())
          .setExecutor(new Shared(scheduler)).setRaftNodeReportListener(report -> {}), new NopRaftStore());
    }

    @Override
    public void close() {
      nodes.close();
      transport.close();
      schedulers.forEach(ScheduledExecutorService::shutdownNow);
    }
  }

  /** A node's executor: one of its store's single-threaded schedulers, shared with other nodes. */
  private record Shared(ScheduledExecutorService scheduler) implements RaftNodeExecutor {
    @Override
    public void execute(Runnable task) {
      scheduler.execute(task);
    }

    @Override
    public void submit(Runnable task) {
      scheduler.execute(task);
    }

    @Override
    public void schedule(Runnable task, long delay, TimeUnit unit) {
      var unused = scheduler.schedule(task, delay, unit);
    }
  }

  /** A state machine with nothing in it; its new-term operation is the empty string. */
  private static final class Idle implements StateMachine {
    @Override
    public Object runOperation(long commitIndex, Object operation) {
      return null;
    }

    @Override
    public void takeSnapshot(long snapshotIndex, Consumer<Object> chunks) {
      chunks.accept("");
    }

    @Override
    public void installSnapshot(long snapshotIndex, List<Object> chunks) {}

    @Override
    public Object getNewTermOperation() {
      return "";
    }
  }

  /** Operations that are strings. */
  private static final class Strings implements OperationCodec {
    @Override
    public byte[] encode(Object operation) {
      return ((String) operation).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Object decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
