package io.raftwire.bench.ratis;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.raftwire.adapter.ratis.RaftwireRatis;
import io.raftwire.adapter.ratis.RatisOptions;
import io.raftwire.adapter.ratis.RatisStores;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.TimeDuration;

/**
 * One S8 run in a fresh JVM: the same Ratis application on the transport its first argument names
 * ({@code raftwire} or {@code ratis-grpc}). Three Ratis servers in this process, 16 groups, a
 * counter state machine; every group is led by server 1 (leadership is transferred there before the
 * warm-up). Prints one {@code S8RESULT} line of figures, one {@code S8COUNTERS} line (raftwire's
 * non-zero adapter and refusal counters) and writes the run's timeline (CSV) for the plot.
 *
 * <p>Arguments: {@code column scenario payloadBytes warmupMillis measureMillis dataDir timelineCsv},
 * with scenario {@code starvation}, {@code memory} or {@code throughput}.
 */
public final class S8Run {
  static final int SERVERS = 3;
  static final int GROUPS = 16;
  /** Server 3's state machine applies at most this many payload bytes per second, all groups together. */
  static final long SLOW_APPLY_BYTES_PER_SECOND = 512L << 10;
  /** Offered load of the memory scenario: four times the slow apply rate. */
  static final long OFFERED_BYTES_PER_SECOND = 2L << 20;

  private final String column;
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final RatisStores stores = new RatisStores();
  private final Map<Integer, Integer> ports = new LinkedHashMap<>();
  private final List<GrpcTransport> transports = new ArrayList<>();
  private final Map<Integer, RaftServer> servers = new LinkedHashMap<>();
  /** divisions.get(server).get(group). */
  private final Map<Integer, List<RaftServer.Division>> divisions = new LinkedHashMap<>();
  private final List<RaftGroup> groups = new ArrayList<>();
  private final List<RaftClient> clients = new ArrayList<>();
  private volatile long peakHeapAfterGc;
  private volatile long lastHeapAfterGc;
  private final AtomicLong gcs = new AtomicLong();

  private S8Run(String column) {
    this.column = column;
  }

  /**
   * Runs one column of one scenario and halts the JVM.
   *
   * @param args {@code column scenario payloadBytes warmupMillis measureMillis dataDir timelineCsv}
   * @throws Exception if the cluster cannot be set up
   */
  public static void main(String[] args) throws Exception {
    S8Run run = new S8Run(args[0]);
    Map<String, Double> figures = run.run(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]),
        Long.parseLong(args[4]), Path.of(args[5]), Path.of(args[6]));
    StringBuilder line = new StringBuilder("S8RESULT ");
    figures.forEach((k, v) -> line.append(k).append('=').append(v).append(';'));
    System.out.println(line);
    System.out.println("S8COUNTERS " + run.counters());
    System.out.flush();
    Runtime.getRuntime().halt(0); // Ratis's non-daemon threads would keep the JVM alive
  }

  private Map<String, Double> run(String scenario, int payload, long warmupMillis, long measureMillis, Path data,
      Path timelineFile) throws Exception {
    boolean slow = !scenario.equals("throughput");
    Pace slowApply = slow ? new Pace(SLOW_APPLY_BYTES_PER_SECOND) : null;
    ExitUtils.disableSystemExit(); // a server that cannot start fails this run instead of ending the JVM
    for (int s = 1; s <= SERVERS; s++) {
      stores.put(peerId(s), StoreId.of(s), Locality.UNKNOWN);
      ports.put(s, freePort());
    }
    for (int s = 1; s <= SERVERS; s++) {
      start(s, data, s == SERVERS ? slowApply : null);
    }
    List<RaftPeer> peers = new ArrayList<>();
    for (int s = 1; s <= SERVERS; s++) {
      peers.add(RaftPeer.newBuilder().setId(peerId(s)).setAddress("127.0.0.1:" + ports.get(s)).build());
    }
    for (int g = 0; g < GROUPS; g++) {
      RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(new UUID(0x5338_0000_0000_0000L + g, g)), peers);
      for (Map.Entry<Integer, RaftServer> server : servers.entrySet()) {
        RaftClientReply reply = server.getValue().groupManagement(GroupManagementRequest.newAdd(ClientId.randomId(),
            server.getValue().getId(), g, group));
        if (!reply.isSuccess()) {
          throw new IOException("adding " + group + " to " + server.getKey() + " failed: " + reply);
        }
        divisions.computeIfAbsent(server.getKey(), k -> new ArrayList<>())
            .add(server.getValue().getDivision(group.getGroupId()));
      }
      groups.add(group);
      clients.add(client(group));
    }
    leadEverythingFromServer1();
    // Fresh clients aimed at server 1: the transfers' redirects left some old ones aimed elsewhere.
    for (int g = 0; g < GROUPS; g++) {
      clients.get(g).close();
      clients.set(g, client(groups.get(g)));
    }
    watchGc();

    Sampler sampler = new Sampler();
    ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
    var unused = sampling.scheduleAtFixedRate(sampler::sample, 0, 10, TimeUnit.MILLISECONDS);
    Load load = new Load(payload);
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
    long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMillis);
    sampler.start = start;
    sampler.measureFrom = measureFrom;
    load.measureFrom = measureFrom;
    load.end = end;
    long[] termsBefore = null;
    if (scenario.equals("memory")) {
      long interval = TimeUnit.SECONDS.toNanos(1) * payload / OFFERED_BYTES_PER_SECOND;
      int i = 0;
      for (long next = start; next < end; next += interval) {
        LockSupport.parkNanos(next - System.nanoTime());
        if (termsBefore == null && System.nanoTime() >= measureFrom) {
          termsBefore = terms();
          peakHeapAfterGc = 0;
        }
        load.submitOpen(i++ % GROUPS);
      }
    } else {
      int window = payload >= 16 * 1024 ? 4 : 32;
      load.startClosed(window);
      LockSupport.parkNanos(measureFrom - System.nanoTime());
      termsBefore = terms();
      peakHeapAfterGc = 0;
      LockSupport.parkNanos(end - System.nanoTime());
      load.stop();
    }
    long[] termsAfter = terms();
    long elections = 0;
    for (int g = 0; g < GROUPS; g++) {
      elections += termsAfter[g] - (termsBefore == null ? termsAfter[g] : termsBefore[g]);
    }
    long lag = lag();
    sampling.shutdown();
    if (!sampling.awaitTermination(2, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the sampler did not stop");
    }
    // What the process still holds at the end: one full collection, whose after-GC figure also
    // stands in if no collection ran while measuring.
    long gcsBefore = gcs.get();
    System.gc();
    for (int i = 0; i < 200 && gcs.get() == gcsBefore; i++) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    double seconds = measureMillis / 1000.0;

    Map<String, Double> f = new LinkedHashMap<>();
    f.put("elections", (double) elections);
    f.put("heartbeat_gap_p99_ms", sampler.gapQuantile(0.99));
    f.put("heartbeat_gap_max_ms", sampler.gapQuantile(1.0));
    f.put("ok_per_s", load.ok.get() / seconds);
    f.put("mb_per_s", load.okBytes.get() / seconds / 1e6);
    f.put("failed", (double) load.failed.get());
    f.put("peak_heap_after_gc_mib", Math.max(peakHeapAfterGc, lastHeapAfterGc) / 1048576.0);
    f.put("heap_retained_at_end_mib", lastHeapAfterGc / 1048576.0);
    f.put("peak_direct_mib", sampler.peakDirect / 1048576.0);
    f.put("slow_follower_lag_entries", (double) lag);
    if (column.equals("raftwire")) {
      f.put("raftwire_refused", (double) sumCounters(".ratis.requests.refused.", ".ratis.answers.refused."));
      f.put("raftwire_dropped", (double) sumCounters(".ratis.requests.dropped.", ".ratis.answers.dropped."));
      f.put("append_lane_budget_mib", transports.get(0).limits().appendLaneBytes() / 1048576.0);
    }
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(timelineFile))) {
      out.println("seconds,heartbeat_gap_ms,heap_used_mib");
      for (double[] p : sampler.timelineCopy()) {
        out.printf(Locale.ROOT, "%.3f,%.1f,%.1f%n", p[0], p[1], p[2]);
      }
    }
    return f;
  }

  /** Starts server {@code s}: for raftwire a gRPC transport first, then the Ratis server with no group. */
  private void start(int s, Path data, Pace slowApply) throws IOException {
    RaftProperties properties = new RaftProperties();
    Path dir = Files.createDirectories(data.resolve("s" + s));
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setPort(properties, ports.get(s));
    // The same for both columns: elections slow enough for a 2-core machine running three servers.
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
    Parameters parameters = new Parameters();
    switch (column) {
      case "raftwire": {
        StoreId id = StoreId.of(s);
        GrpcTransport transport = GrpcTransport.start(
            GrpcTransportConfig.builder(id, StoreResolver.of(addresses)).security(PeerSecurity.insecure()).build());
        addresses.put(id, transport.listenAddress());
        transports.add(transport);
        RaftwireRatis.configure(properties, parameters, transport, stores,
            RatisOptions.builder().metricRegistry(transport.metrics()).build());
        break;
      }
      case "ratis-grpc":
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
        break;
      default:
        throw new IllegalArgumentException("unknown column " + column);
    }
    RaftServer server = RaftServer.newBuilder()
        .setServerId(peerId(s))
        .setProperties(properties)
        .setParameters(parameters)
        .setStateMachineRegistry(group -> new Counter(slowApply))
        .setOption(RaftStorage.StartupOption.FORMAT)
        .build();
    server.start();
    servers.put(s, server);
  }

  private static RaftPeerId peerId(int s) {
    return RaftPeerId.valueOf("s" + s);
  }

  /** A client of {@code group} on Ratis's gRPC client protocol (the same in both columns), aimed at server 1. */
  private static RaftClient client(RaftGroup group) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setLeaderId(peerId(1))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** Transfers the leadership of every group to server 1, so every run starts from the same layout. */
  private void leadEverythingFromServer1() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (int g = 0; g < GROUPS; g++) {
      RaftServer.Division onServer1 = divisions.get(1).get(g);
      while (!(onServer1.getInfo().isLeader() && onServer1.getInfo().isLeaderReady())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("group " + g + " has no leader on server 1 after 120 s");
        }
        boolean led = false;
        for (List<RaftServer.Division> d : divisions.values()) {
          led |= d.get(g).getInfo().isLeader() && d.get(g).getInfo().isLeaderReady();
        }
        if (led) {
          try {
            RaftClientReply reply = clients.get(g).admin().transferLeadership(peerId(1), 5_000);
            if (!reply.isSuccess()) {
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
          } catch (IOException e) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // no leader yet, or the transfer timed out: again
          }
        } else {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // the first election is still running
        }
      }
    }
    // Followers must know the leader before the heartbeat gap means anything.
    for (int s = 2; s <= SERVERS; s++) {
      for (RaftServer.Division d : divisions.get(s)) {
        while (!peerId(1).equals(d.getInfo().getLeaderId())) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(d.getMemberId() + " does not follow server 1 after 120 s");
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
      }
    }
  }

  /** Each group's highest term on any server. */
  private long[] terms() {
    long[] t = new long[GROUPS];
    for (List<RaftServer.Division> d : divisions.values()) {
      for (int g = 0; g < GROUPS; g++) {
        t[g] = Math.max(t[g], d.get(g).getInfo().getCurrentTerm());
      }
    }
    return t;
  }

  /** Entries committed at server 1 and not yet applied at server 3, all groups. */
  private long lag() {
    long lag = 0;
    for (int g = 0; g < GROUPS; g++) {
      long committed = divisions.get(1).get(g).getRaftLog().getLastCommittedIndex();
      long applied = divisions.get(SERVERS).get(g).getInfo().getLastAppliedIndex();
      lag += Math.max(0, committed - applied);
    }
    return lag;
  }

  private long sumCounters(String... infixes) {
    long sum = 0;
    for (GrpcTransport t : transports) {
      for (var e : t.metrics().getCounters().entrySet()) {
        for (String infix : infixes) {
          if (e.getKey().contains(infix)) {
            sum += e.getValue().getCount();
          }
        }
      }
    }
    return sum;
  }

  /** raftwire's non-zero adapter counters and transport refusals/drops, summed over the servers. */
  private String counters() {
    Map<String, Long> sums = new TreeMap<>();
    for (GrpcTransport t : transports) {
      String prefix = "raftwire." + t.localStore() + ".";
      for (var e : t.metrics().getCounters().entrySet()) {
        String name = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : e.getKey();
        boolean interesting = (name.startsWith("ratis.") && !name.startsWith("ratis.requests.received."))
            || name.startsWith("sender.refused.") || name.startsWith("sender.dropped.")
            || name.contains("reconnects") || name.contains(".saturated");
        if (interesting && e.getValue().getCount() != 0) {
          sums.merge(name.replaceAll("sender\\.[^.]+\\.", "sender.*."), e.getValue().getCount(), Long::sum);
        }
      }
    }
    return sums.toString();
  }

  private void watchGc() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter) {
        ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long used = 0;
            for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
              used += u.getUsed();
            }
            lastHeapAfterGc = used;
            if (used > peakHeapAfterGc) {
              peakHeapAfterGc = used;
            }
            gcs.incrementAndGet();
          }
        }, null, null);
      }
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A rate shared by the threads that wait on it: each {@link #pay} returns once its bytes fit the rate. */
  static final class Pace {
    private final long bytesPerSecond;
    private long nextFree = System.nanoTime();

    Pace(long bytesPerSecond) {
      this.bytesPerSecond = bytesPerSecond;
    }

    void pay(long bytes) {
      long until;
      synchronized (this) {
        long now = System.nanoTime();
        nextFree = Math.max(nextFree, now) + TimeUnit.SECONDS.toNanos(1) * bytes / bytesPerSecond;
        until = nextFree;
      }
      for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
    }
  }

  /**
   * Counts applied entries (nothing else to keep: the benchmark measures replication). With a pace,
   * each applied entry first waits for its bytes to fit the pace: the slow follower's apply lags.
   * No snapshots (the log is never purged, so no follower needs one).
   */
  static final class Counter extends BaseStateMachine {
    private final Pace pace;
    private final AtomicLong applied = new AtomicLong();

    Counter(Pace pace) {
      this.pace = pace;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
      super.initialize(server, groupId, raftStorage);
      getLifeCycle().startAndTransition(() -> { });
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      LogEntryProto entry = trx.getLogEntry();
      if (pace != null) {
        pace.pay(entry.getStateMachineLogEntry().getLogData().size());
      }
      long n = applied.incrementAndGet();
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.valueOf(Long.toString(n)));
    }
  }

  /** Proposals through each group's client: a closed loop with a window per group, or single open-loop ones. */
  private final class Load {
    final Message message;
    final int bytes;
    final AtomicLong ok = new AtomicLong();
    final AtomicLong okBytes = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    volatile long measureFrom;
    volatile long end;
    volatile boolean stopped;

    Load(int payloadBytes) {
      byte[] payload = new byte[payloadBytes];
      Arrays.fill(payload, (byte) 7);
      this.message = Message.valueOf(ByteString.copyFrom(payload));
      this.bytes = payloadBytes;
    }

    void submitOpen(int group) {
      submit(group, false);
    }

    void startClosed(int window) {
      for (int g = 0; g < GROUPS; g++) {
        for (int w = 0; w < window; w++) {
          submit(g, true);
        }
      }
    }

    void stop() {
      stopped = true;
    }

    private void submit(int group, boolean closedLoop) {
      if (stopped) {
        return;
      }
      long sentAt = System.nanoTime();
      var unused = clients.get(group).async().send(message).whenComplete((reply, error) -> {
        long now = System.nanoTime();
        boolean counted = sentAt >= measureFrom && now <= end;
        boolean success = error == null && reply.isSuccess();
        if (counted) {
          if (success) {
            ok.incrementAndGet();
            okBytes.addAndGet(bytes);
          } else {
            failed.incrementAndGet();
          }
        }
        if (closedLoop) {
          if (!success) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // no busy loop on a failing group
          }
          submit(group, true);
        }
      });
    }
  }

  /**
   * Every 10 ms: each follower's time since its leader's last RPC (Ratis's own follower state, the
   * same for both transports); every 50 ms also heap and direct memory (the JDK's direct buffers
   * plus what both shaded Netty copies count).
   */
  private final class Sampler {
    private final List<double[]> timeline = new ArrayList<>();
    private final List<Long> gaps = new ArrayList<>();
    private final List<Method> nettyDirect = new ArrayList<>();
    private final BufferPoolMXBean jdkDirect;
    volatile long start;
    volatile long measureFrom = Long.MAX_VALUE;
    long peakDirect;
    private long ticks;
    private long worstSinceLast;

    Sampler() {
      for (String netty : List.of("io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent",
          "org.apache.ratis.thirdparty.io.netty.util.internal.PlatformDependent")) {
        try {
          nettyDirect.add(Class.forName(netty).getMethod("usedDirectMemory"));
        } catch (ReflectiveOperationException | LinkageError absent) {
          // that Netty is not on the class path
        }
      }
      BufferPoolMXBean direct = null;
      for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
        if (pool.getName().equals("direct")) {
          direct = pool;
        }
      }
      jdkDirect = direct;
    }

    synchronized void sample() {
      try {
        long now = System.nanoTime();
        boolean measuring = now >= measureFrom;
        for (int s = 2; s <= SERVERS; s++) {
          for (RaftServer.Division d : divisions.get(s)) {
            RoleInfoProto role = d.getInfo().getRoleInfoProto();
            if (role.hasFollowerInfo()) {
              long gap = role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
              worstSinceLast = Math.max(worstSinceLast, gap);
              if (measuring) {
                gaps.add(gap);
              }
            }
          }
        }
        if (ticks++ % 5 != 0) {
          return;
        }
        long direct = jdkDirect == null ? 0 : jdkDirect.getMemoryUsed();
        for (Method m : nettyDirect) {
          direct += Math.max(0, (Long) m.invoke(null)); // -1: that Netty does not count its direct memory
        }
        if (measuring) {
          peakDirect = Math.max(peakDirect, direct);
        }
        timeline.add(new double[] {(now - start) / 1e9, worstSinceLast,
            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0});
        worstSinceLast = 0;
      } catch (ReflectiveOperationException | RuntimeException e) {
        System.out.println("sampler: " + e); // one missed sample; the run goes on
      }
    }

    synchronized List<double[]> timelineCopy() {
      return new ArrayList<>(timeline);
    }

    synchronized double gapQuantile(double q) {
      if (gaps.isEmpty()) {
        return Double.NaN;
      }
      long[] sorted = gaps.stream().mapToLong(Long::longValue).sorted().toArray();
      int i = q >= 1.0 ? sorted.length - 1 : Math.max(0, (int) Math.ceil(q * sorted.length) - 1);
      return sorted[i];
    }
  }
}
