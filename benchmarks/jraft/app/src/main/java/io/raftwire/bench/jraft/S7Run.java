package io.raftwire.bench.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.entity.codec.LogEntryCodecFactory;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.RaftMetaStorage;
import com.alipay.sofa.jraft.storage.SnapshotStorage;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.Utils;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * One S7 run in a fresh JVM: the same jraft application on whichever transport this JVM's class
 * path gives jraft. Three stores in this process, 16 groups, a counter state machine; every group is
 * led by store 1 (leadership is moved there before the warm-up). Prints one {@code S7RESULT} line
 * of figures and writes the run's timeline (CSV) for the plot.
 *
 * <p>Arguments: {@code scenario payloadBytes warmupMillis measureMillis dataDir timelineCsv}, with
 * scenario {@code starvation}, {@code memory} or {@code throughput}.
 */
public final class S7Run {
  static final int STORES = 3;
  static final int GROUPS = 16;
  /** The slow follower's disk in the starvation and memory scenarios. */
  static final long SLOW_DISK_BYTES_PER_SECOND = 512L << 10;
  /** Offered load of the memory scenario: four times the slow disk, within what the majority commits. */
  static final long OFFERED_BYTES_PER_SECOND = 2L << 20;

  private final AtomicLong elections = new AtomicLong();
  private final Map<Integer, List<Node>> nodes = new LinkedHashMap<>();
  private final List<AutoCloseable> setups = new ArrayList<>();
  private final List<RpcServer> servers = new ArrayList<>();
  private volatile long peakHeapAfterGc;
  private volatile long lastHeapAfterGc;
  private final AtomicLong gcs = new AtomicLong();

  private S7Run() {}

  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    int payload = Integer.parseInt(args[1]);
    long warmupMillis = Long.parseLong(args[2]);
    long measureMillis = Long.parseLong(args[3]);
    Path data = Path.of(args[4]);
    Path timeline = Path.of(args[5]);
    S7Run run = new S7Run();
    Map<String, Double> figures = run.run(scenario, payload, warmupMillis, measureMillis, data, timeline);
    StringBuilder line = new StringBuilder("S7RESULT ");
    figures.forEach((k, v) -> line.append(k).append('=').append(v).append(';'));
    System.out.println(line);
    System.out.flush();
    Runtime.getRuntime().halt(0); // jraft's and Bolt's non-daemon threads would keep the JVM alive
  }

  private Map<String, Double> run(String scenario, int payload, long warmupMillis, long measureMillis, Path data,
      Path timelineFile) throws Exception {
    boolean slow = !scenario.equals("throughput");
    StoreSetup setup = ServiceLoader.load(StoreSetup.class).findFirst().orElse(null);
    Map<Integer, Endpoint> endpoints = new LinkedHashMap<>();
    for (int s = 1; s <= STORES; s++) {
      endpoints.put(s, new Endpoint("127.0.0.1", setup != null ? 17300 + s : freePort()));
    }
    List<PeerId> peers = new ArrayList<>();
    endpoints.values().forEach(e -> peers.add(new PeerId(e, 0)));
    PacedLogStorage.Pace slowDisk = new PacedLogStorage.Pace(SLOW_DISK_BYTES_PER_SECOND);
    for (int s = 1; s <= STORES; s++) {
      if (setup != null) {
        setups.add(setup.beforeStore(s, endpoints));
      }
      RpcServer server = RaftRpcServerFactory.createRaftRpcServer(endpoints.get(s));
      server.init(null);
      servers.add(server);
      List<Node> storeNodes = new ArrayList<>();
      for (int g = 0; g < GROUPS; g++) {
        Path dir = Files.createDirectories(data.resolve("s" + s).resolve("g" + g));
        NodeOptions options = new NodeOptions();
        options.setElectionTimeoutMs(1000);
        options.setInitialConf(new Configuration(peers));
        options.setFsm(new Counter());
        options.setLogUri(dir.resolve("log").toString());
        options.setRaftMetaUri(dir.resolve("meta").toString());
        options.setSnapshotUri(dir.resolve("snapshot").toString());
        options.setSnapshotIntervalSecs(0);
        if (slow && s == STORES) {
          options.setServiceFactory(paced(slowDisk));
        }
        // Nodes are created the way RaftGroupService does it, without asking the server whether it
        // runs: jraft's gRPC extension 1.3.14 predates RpcServer.isStarted() (jraft 1.4).
        NodeManager.getInstance().addAddress(endpoints.get(s));
        storeNodes.add(RaftServiceFactory.createAndInitRaftNode("s7-" + g, new PeerId(endpoints.get(s), 0), options));
      }
      nodes.put(s, storeNodes);
    }
    leadEverythingFromStore1(endpoints.get(1));
    watchGc();

    Sampler sampler = new Sampler();
    ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
    var unused = sampling.scheduleAtFixedRate(sampler::sample, 0, 50, TimeUnit.MILLISECONDS);
    Load load = new Load(nodes.get(1), payload);
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
    long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMillis);
    sampler.measureFrom = measureFrom;
    load.measureFrom = measureFrom;
    long electionsBefore = -1;
    if (scenario.equals("memory")) {
      long interval = TimeUnit.SECONDS.toNanos(1) * payload / OFFERED_BYTES_PER_SECOND;
      int i = 0;
      for (long next = start; next < end; next += interval) {
        LockSupport.parkNanos(next - System.nanoTime());
        if (electionsBefore < 0 && System.nanoTime() >= measureFrom) {
          electionsBefore = elections.get();
          peakHeapAfterGc = 0;
        }
        load.submitOpen(i++ % GROUPS);
      }
    } else {
      int window = payload >= 16 * 1024 ? 4 : 32;
      load.startClosed(window);
      LockSupport.parkNanos(measureFrom - System.nanoTime());
      electionsBefore = elections.get();
      peakHeapAfterGc = 0;
      LockSupport.parkNanos(end - System.nanoTime());
      load.stop();
    }
    long electionsDuring = elections.get() - electionsBefore;
    // What the process still holds at the end (queues, buffers, in-flight entries): one full
    // collection, whose after-GC figure also stands in if no collection ran while measuring.
    long gcsBefore = gcs.get();
    System.gc();
    for (int i = 0; i < 200 && gcs.get() == gcsBefore; i++) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    long retained = lastHeapAfterGc;
    sampling.shutdown();
    sampling.awaitTermination(1, TimeUnit.SECONDS);
    double seconds = measureMillis / 1000.0;

    Map<String, Double> f = new LinkedHashMap<>();
    f.put("elections", (double) electionsDuring);
    f.put("heartbeat_gap_p99_ms", sampler.gapQuantile(0.99));
    f.put("heartbeat_gap_max_ms", sampler.gapQuantile(1.0));
    f.put("ok_per_s", load.ok.get() / seconds);
    f.put("mb_per_s", load.okBytes.get() / seconds / 1e6);
    f.put("failed", (double) load.failed.get());
    f.put("peak_heap_after_gc_mib", peakHeapAfterGc / 1048576.0);
    f.put("heap_retained_at_end_mib", retained / 1048576.0);
    f.put("peak_direct_mib", sampler.directCounted ? sampler.peakDirect / 1048576.0 : Double.NaN);
    f.put("slow_follower_lag_entries", (double) lag());
    if (setup != null) {
      f.putAll(setup.figures());
    }
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(timelineFile))) {
      out.println("seconds,heartbeat_gap_ms,heap_used_mib");
      for (double[] p : sampler.timeline) {
        out.printf(Locale.ROOT, "%.3f,%.1f,%.1f%n", (p[0] - start) / 1e9, p[1], p[2]);
      }
    }
    return f;
  }

  /** Moves the leadership of every group to store 1, so every run starts from the same layout. */
  private void leadEverythingFromStore1(Endpoint store1) {
    PeerId target = new PeerId(store1, 0);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (int g = 0; g < GROUPS; g++) {
      while (true) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("group " + g + " has no leader on store 1 after 120 s");
        }
        Node onStore1 = nodes.get(1).get(g);
        if (onStore1.isLeader()) {
          break;
        }
        for (List<Node> storeNodes : nodes.values()) {
          Node n = storeNodes.get(g);
          if (n.isLeader()) {
            n.transferLeadershipTo(target);
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
  }

  private long lag() {
    long lag = 0;
    for (int g = 0; g < GROUPS; g++) {
      long leader = nodes.get(1).get(g).getLastCommittedIndex();
      long slow = nodes.get(STORES).get(g).getLastCommittedIndex();
      lag += Math.max(0, leader - slow);
    }
    return lag;
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

  private static JRaftServiceFactory paced(PacedLogStorage.Pace pace) {
    DefaultJRaftServiceFactory delegate = DefaultJRaftServiceFactory.newInstance();
    return new JRaftServiceFactory() {
      @Override
      public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
        return new PacedLogStorage(delegate.createLogStorage(uri, raftOptions), pace);
      }

      @Override
      public SnapshotStorage createSnapshotStorage(NodeOptions nodeOptions) {
        return delegate.createSnapshotStorage(nodeOptions);
      }

      @Override
      public RaftMetaStorage createRaftMetaStorage(String uri, RaftOptions raftOptions) {
        return delegate.createRaftMetaStorage(uri, raftOptions);
      }

      @Override
      public LogEntryCodecFactory createLogEntryCodecFactory() {
        return delegate.createLogEntryCodecFactory();
      }
    };
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Applies entries (nothing to keep: the benchmark measures replication); counts leader starts (elections). */
  private final class Counter extends StateMachineAdapter {
    @Override
    public void onApply(Iterator it) {
      while (it.hasNext()) {
        if (it.done() != null) {
          it.done().run(Status.OK());
        }
        it.next();
      }
    }

    @Override
    public void onLeaderStart(long term) {
      elections.incrementAndGet();
    }
  }

  /** Proposals at store 1's leaders: a closed loop with a window per group, or single open-loop ones. */
  private static final class Load {
    final List<Node> leaders;
    final byte[] payload;
    final AtomicLong ok = new AtomicLong();
    final AtomicLong okBytes = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    volatile long measureFrom;
    volatile boolean stopped;

    Load(List<Node> leaders, int payloadBytes) {
      this.leaders = leaders;
      this.payload = new byte[payloadBytes];
      Arrays.fill(payload, (byte) 7);
    }

    void submitOpen(int group) {
      submit(group, null);
    }

    void startClosed(int window) {
      for (int g = 0; g < leaders.size(); g++) {
        Semaphore unused = new Semaphore(0);
        for (int w = 0; w < window; w++) {
          submit(g, unused);
        }
      }
    }

    void stop() {
      stopped = true;
    }

    private void submit(int group, Semaphore closedLoop) {
      if (stopped) {
        return;
      }
      long sentAt = System.nanoTime();
      Closure done = status -> {
        boolean counted = sentAt >= measureFrom;
        if (status.isOk()) {
          if (counted) {
            ok.incrementAndGet();
            okBytes.addAndGet(payload.length);
          }
        } else if (counted) {
          failed.incrementAndGet();
        }
        if (closedLoop != null) {
          if (!status.isOk()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // no busy loop on a failing group
          }
          submit(group, closedLoop);
        }
      };
      leaders.get(group).apply(new Task(ByteBuffer.wrap(payload), done));
    }
  }

  /** Every 50 ms: the followers' time since their leader's last contact, heap and direct memory. */
  private final class Sampler {
    final List<double[]> timeline = new ArrayList<>();
    final List<Double> gaps = new ArrayList<>();
    volatile long measureFrom = Long.MAX_VALUE;
    long peakDirect;
    boolean directCounted;
    private final Field lastLeaderTimestamp;
    private final List<Method> directMemory = new ArrayList<>();

    Sampler() throws NoSuchFieldException {
      lastLeaderTimestamp = NodeImpl.class.getDeclaredField("lastLeaderTimestamp");
      lastLeaderTimestamp.setAccessible(true);
      for (String netty : List.of("io.netty.util.internal.PlatformDependent",
          "io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent")) {
        try {
          directMemory.add(Class.forName(netty).getMethod("usedDirectMemory"));
        } catch (ReflectiveOperationException | LinkageError absent) {
          // that Netty is not on this column's class path
        }
      }
    }

    synchronized void sample() {
      try {
        long now = System.nanoTime();
        long nowMs = Utils.monotonicMs();
        double worst = 0;
        for (int s = 2; s <= STORES; s++) {
          for (Node n : nodes.get(s)) {
            double gap = nowMs - lastLeaderTimestamp.getLong(n);
            worst = Math.max(worst, gap);
            if (now >= measureFrom) {
              gaps.add(gap);
            }
          }
        }
        long direct = 0;
        boolean counted = false;
        for (Method m : directMemory) {
          long used = (Long) m.invoke(null); // -1: that Netty does not count its direct memory
          if (used >= 0) {
            direct += used;
            counted = true;
          }
        }
        if (now >= measureFrom && counted) {
          peakDirect = Math.max(peakDirect, direct);
          directCounted = true;
        }
        timeline.add(new double[] {now, worst, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0});
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }

    synchronized double gapQuantile(double q) {
      if (gaps.isEmpty()) {
        return Double.NaN;
      }
      double[] sorted = gaps.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      int i = q >= 1.0 ? sorted.length - 1 : Math.max(0, (int) Math.ceil(q * sorted.length) - 1);
      return sorted[i];
    }
  }
}
