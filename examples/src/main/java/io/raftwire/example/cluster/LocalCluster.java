package io.raftwire.example.cluster;

import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.MessageLite;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.OperationCodec;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.security.ClusterCertificates;
import io.raftwire.example.security.TlsDirectory;
import io.raftwire.example.storage.ThrottledDisk;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.ServerLimits;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KV stores in this process on 127.0.0.1, one per zone by default ({@code region=demo,zone=a|b|c}),
 * each range replicated on every store, RocksDB in a temporary directory that {@link #close()}
 * deletes. The disks of the last {@code slowStores} stores can be throttled ({@link
 * #slowDisks(boolean)}), each its own disk: the situation admission control is for. Stores can be
 * stopped (or crashed, {@link #crash}) and restarted on their data. Used by the {@code demo}
 * command (store 3 slow, or the snapshot scenario's zones a, b, b), benchmark S3 (every store
 * slow), benchmark S10 (crashes and restarts; a FIFO baseline through {@link
 * Builder#transportFactory}) and the example's tests.
 *
 * <p>The stores talk plaintext unless told otherwise: {@link Builder#mutualTls} makes a throwaway
 * CA and a certificate per store in the cluster's directory and runs every store over mutual TLS;
 * {@link Builder#security} takes each store's security from elsewhere (the demo's TLS flags).
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
  /** How long the certificates of {@link Builder#mutualTls} are valid: a day, far longer than any run. */
  private static final Duration THROWAWAY_VALIDITY = Duration.ofDays(1);

  private final Path dir;
  private final MetricRegistry metrics = new PhaseRegistry();
  /** The share of a slow disk's speed elastic work may use, once regular work has its part. */
  static final double SLOW_DISK_ELASTIC_SHARE = 0.9;

  private final List<ThrottledDisk> slowDisks = new ArrayList<>();
  private final Map<StoreId, KvNode.Config> configs = new TreeMap<>();
  private final Map<StoreId, KvNode> nodes = new java.util.concurrent.ConcurrentSkipListMap<>();
  private final Map<StoreId, InetSocketAddress> raft = new java.util.concurrent.ConcurrentSkipListMap<>();
  private final int ranges;
  private final TlsDirectory tls; // null: not made here

  private LocalCluster(Builder b) throws IOException {
    this.ranges = b.ranges;
    this.dir = Files.createTempDirectory("raftwire-cluster");
    // Port 0 until each store has bound one (see KvNode.Config.builder).
    Map<StoreId, Locality> zones = new TreeMap<>();
    for (int s = 1; s <= b.zones.size(); s++) {
      raft.put(StoreId.of(s), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      zones.put(StoreId.of(s), Locality.parse("region=demo,zone=" + b.zones.get(s - 1)));
    }
    java.util.function.Function<StoreId, PeerSecurity> security = b.security;
    TlsDirectory made = null;
    try {
      if (b.tlsClusterId != null) {
        String clusterId = b.tlsClusterId;
        TlsDirectory files = ClusterCertificates.of(clusterId, raft.keySet(), THROWAWAY_VALIDITY)
            .writeTo(dir.resolve("tls"), false);
        made = files;
        security = store -> files.files(store).security(clusterId);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    this.tls = made;
    try {
      for (StoreId store : List.copyOf(raft.keySet())) {
        KvNode.Config.Builder config = KvNode.Config.builder(store, raft, dir.resolve(store.toString()))
            .localities(zones).rangeCount(ranges).metrics(metrics).admissionControl(b.admissionControl)
            .replicas(b.zones.size()).raftConfig(b.raftConfig).snapshots(b.snapshots)
            .security(security.apply(store))
            .transport(t -> t.fanOut(b.fanOut).serverLimits(b.serverLimits))
            // The slow disk moves a few MB/s: 1 MiB of elastic credits per stream keeps at most
            // about a second of bulk work queued on it (the 8 MiB default suits disks of hundreds
            // of MB/s).
            .admission(a -> a.elasticCreditBytes(1L << 20).regularCreditBytes(8L << 20));
        if (store.value() > b.zones.size() - b.slowStores) {
          ThrottledDisk disk = new ThrottledDisk(b.slowDiskBytesPerSecond, new MicroRaftCodec(new SizeOnlyCodec()));
          slowDisks.add(disk);
          config.storeWrapper((range, s) -> disk.wrap(s));
          // The cluster knows its slow disk's speed: tell admission, so that elastic tokens never
          // rise past what the disk moves (the health signal alone overshoots it between cuts, and
          // regular flushes then queue behind the excess).
          config.admission(a -> a.elasticCreditBytes(1L << 20).regularCreditBytes(8L << 20)
              .provisionedWriteBytesPerSecond(b.slowDiskBytesPerSecond).elasticBandwidthShare(SLOW_DISK_ELASTIC_SHARE));
        }
        if (b.transportFactory != null) {
          config.transportFactory(b.transportFactory);
        }
        configs.put(store, config.build());
        start(store);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts the cluster: three stores in zones a, b and c.
   *
   * @param ranges ranges, each on all three stores
   * @param slowDiskBytesPerSecond the slow disks' speed while {@link #slowDisks(boolean)} is on
   * @param slowStores how many stores have a slow disk, counted from store 3 down
   * @param admissionControl see {@link KvNode.Config.Builder#admissionControl(boolean)}
   */
  public static LocalCluster start(int ranges, long slowDiskBytesPerSecond, int slowStores, boolean admissionControl)
      throws IOException {
    return builder().ranges(ranges).slowDisks(slowDiskBytesPerSecond, slowStores).admissionControl(admissionControl)
        .start();
  }

  /** A builder; see its setters for the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts {@code store} (again, on its data and its port, if it ran before); returns its node. */
  public KvNode start(StoreId store) throws IOException {
    KvNode.Config config = configs.get(store);
    if (config == null || nodes.containsKey(store)) {
      throw new IllegalArgumentException(store + " is not a stopped store of this cluster");
    }
    KvNode node = KvNode.start(config);
    nodes.put(store, node);
    raft.put(store, node.raftListenAddress());
    return node;
  }

  /** Stops {@code store}, keeping its data (and its port) for {@link #start(StoreId)}. */
  public void stop(StoreId store) {
    KvNode node = nodes.remove(store);
    if (node == null) {
      throw new IllegalArgumentException(store + " is not a running store of this cluster");
    }
    node.close();
  }

  /**
   * Fault injection: crashes {@code store} as {@code kill -9} looks to its peers ({@link
   * KvNode#crash()}: no leadership transfer, its server and connections shut at once), keeping its
   * data (and its port) for {@link #start(StoreId)}. For failover benchmarks and tests; {@link
   * #stop(StoreId)} is the orderly way.
   */
  public void crash(StoreId store) {
    KvNode node = nodes.remove(store);
    if (node == null) {
      throw new IllegalArgumentException(store + " is not a running store of this cluster");
    }
    node.crash();
  }

  /** The running store {@code store}. */
  public KvNode node(StoreId store) {
    KvNode node = nodes.get(store);
    if (node == null) {
      throw new IllegalArgumentException(store + " is not a running store of this cluster");
    }
    return node;
  }

  /**
   * Makes {@code store} the leader of every range (MicroRaft's leadership transfer), waiting up
   * to {@code timeoutNanos}; false if some range is led elsewhere after that.
   */
  public boolean lead(StoreId store, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    KvNode target = node(store);
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (RangeId range : target.hostedRanges()) {
        RaftNode local = target.node(range).orElseThrow();
        RaftEndpoint leader = local.getTerm().getLeaderEndpoint();
        if (leader != null && leader.equals(local.getLocalEndpoint())) {
          continue;
        }
        all = false;
        if (leader != null) {
          KvNode current = leader instanceof StoreEndpoint ? nodes.get(((StoreEndpoint) leader).store()) : null;
          if (current != null) {
            current.node(range).ifPresent(n -> {
              var unused = n.transferLeadership(local.getLocalEndpoint());
            });
          }
        }
      }
      if (all) {
        return true;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    return false;
  }

  /** Where the throwaway certificates of {@link Builder#mutualTls} are; empty for other clusters. */
  public Optional<TlsDirectory> tlsDirectory() {
    return Optional.ofNullable(tls);
  }

  /** Whether every running store authenticates its peers with mutual TLS. */
  public boolean mutualTls() {
    return !nodes.isEmpty() && nodes.values().stream().noneMatch(n -> n.security().isInsecure());
  }

  /** How to start a {@link LocalCluster}. */
  public static final class Builder {
    private int ranges = 16;
    private List<String> zones = List.of("a", "b", "c");
    private long slowDiskBytesPerSecond = 2_000_000;
    private int slowStores;
    private boolean admissionControl = true;
    private io.microraft.RaftConfig raftConfig = io.microraft.RaftConfig.newBuilder()
        .setLeaderElectionTimeoutMillis(1000).setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(2)
        .setCommitCountToTakeSnapshot(10_000).build();
    private java.util.function.UnaryOperator<io.raftwire.grpc.SnapshotConfig.Builder> snapshots = x -> x;
    private boolean fanOut = true;
    private java.util.function.Function<StoreId, PeerSecurity> security = store -> PeerSecurity.insecure();
    private boolean securityGiven;
    private String tlsClusterId; // null: no throwaway certificates
    private ServerLimits serverLimits = ServerLimits.defaults();
    private io.raftwire.example.kv.RaftTransportFactory transportFactory; // null: raftwire

    private Builder() {}

    /**
     * Default none: every store runs on raftwire. Given, every store's Raft traffic goes through
     * the factory's transport instead (a comparison baseline; benchmark S10 runs the FIFO one):
     * see {@link KvNode.Config.Builder#transportFactory} for what then does not apply. Such a
     * transport has no flow control, so {@link #admissionControl} must be off.
     */
    public Builder transportFactory(io.raftwire.example.kv.RaftTransportFactory factory) {
      this.transportFactory = java.util.Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * Default: plaintext. Runs every store over mutual TLS with a throwaway CA made at start and
     * one certificate per store (valid for a day) naming it in cluster {@code clusterId}, written
     * into the cluster's directory ({@link LocalCluster#tlsDirectory}) and deleted with it.
     */
    public Builder mutualTls(String clusterId) {
      this.tlsClusterId = java.util.Objects.requireNonNull(clusterId, "clusterId");
      return this;
    }

    /** Default: plaintext. The security of each store, e.g. from certificate files of your own. */
    public Builder security(java.util.function.Function<StoreId, PeerSecurity> perStore) {
      this.security = java.util.Objects.requireNonNull(perStore, "perStore");
      this.securityGiven = true;
      return this;
    }

    /** Default {@link ServerLimits#defaults()}: what every store's server allows a connection and a peer. */
    public Builder serverLimits(ServerLimits limits) {
      this.serverLimits = java.util.Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Default true: zone fan-out (see {@code GrpcTransportConfig.Builder#fanOut}). */
    public Builder fanOut(boolean on) {
      this.fanOut = on;
      return this;
    }

    /** Default 16: ranges, each replicated on every store. */
    public Builder ranges(int count) {
      this.ranges = count;
      return this;
    }

    /** Default a, b, c: one store per entry, store i in {@code region=demo,zone=<entry i>}. */
    public Builder zones(String... zones) {
      this.zones = List.of(zones);
      return this;
    }

    /** Default none: the last {@code stores} stores get disks throttled to this speed while slowed. */
    public Builder slowDisks(long bytesPerSecond, int stores) {
      this.slowDiskBytesPerSecond = bytesPerSecond;
      this.slowStores = stores;
      return this;
    }

    /** Default true; see {@link KvNode.Config.Builder#admissionControl(boolean)}. */
    public Builder admissionControl(boolean on) {
      this.admissionControl = on;
      return this;
    }

    /** Default: 1 s election timeout and heartbeats, 2 s leader heartbeat timeout, a snapshot every 10k commits. */
    public Builder raftConfig(io.microraft.RaftConfig config) {
      this.raftConfig = java.util.Objects.requireNonNull(config);
      return this;
    }

    /** Adjusts every store's snapshot transfer settings. */
    public Builder snapshots(java.util.function.UnaryOperator<io.raftwire.grpc.SnapshotConfig.Builder> adjust) {
      this.snapshots = java.util.Objects.requireNonNull(adjust);
      return this;
    }

    public LocalCluster start() throws IOException {
      if (ranges < 1 || zones.isEmpty() || slowStores < 0 || slowStores > zones.size() || slowDiskBytesPerSecond < 1) {
        throw new IllegalArgumentException("need ranges >= 1, at least one zone, 0 <= slowStores <= stores and a "
            + "slow disk speed >= 1; were " + ranges + ", " + zones + ", " + slowStores + ", " + slowDiskBytesPerSecond);
      }
      if (securityGiven && tlsClusterId != null) {
        throw new IllegalArgumentException("choose either mutualTls (throwaway certificates) or security (your own)");
      }
      return new LocalCluster(this);
    }
  }

  /** The running stores, by id. */
  public List<KvNode> nodes() {
    return List.copyOf(nodes.values());
  }

  /**
   * Every store's metrics, in one registry. Its timers hold the values since the last phase
   * boundary of a {@link PhaseMetrics} (exact percentiles per phase), not a decaying sample.
   */
  public MetricRegistry metrics() {
    return metrics;
  }

  /** Slows the slow stores' disks down (on) or lets them run at full speed (off, the start). */
  public void slowDisks(boolean on) {
    slowDisks.forEach(d -> d.enable(on));
  }

  /** How many stores have a throttleable disk. */
  public int slowDiskCount() {
    return slowDisks.size();
  }

  /** The speed of each slow disk while slowed. */
  public long slowDiskBytesPerSecond() {
    return slowDisks.isEmpty() ? 0 : slowDisks.get(0).bytesPerSecond();
  }

  /** Bytes the slow disks were charged since start, all of them together (see {@link ThrottledDisk#chargedBytes()}). */
  public long slowDiskBytes() {
    return slowDisks.stream().mapToLong(ThrottledDisk::chargedBytes).sum();
  }

  public Path dataDirectory() {
    return dir;
  }

  /** A client of the cluster; the caller closes it. */
  public KvClient client() {
    Map<StoreId, InetSocketAddress> clients = new TreeMap<>();
    nodes.values().forEach(n -> clients.put(n.store(), n.clientAddress()));
    return new KvClient(clients, ranges);
  }

  /** Waits until every range has a leader; false if some range has none after {@code timeoutNanos}. */
  public boolean awaitLeaders(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (leaders() < ranges) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return true;
  }

  private int leaders() {
    int count = 0;
    for (RangeId range : nodes.values().iterator().next().hostedRanges()) {
      for (KvNode node : nodes.values()) {
        RaftNode raft = node.node(range).orElse(null);
        if (raft != null && raft.getLocalEndpoint().equals(raft.getTerm().getLeaderEndpoint())) {
          count++;
          break;
        }
      }
    }
    return count;
  }

  /** The sum over ranges of the highest term any replica knows: its difference counts elections. */
  public long terms() {
    long terms = 0;
    for (RangeId range : nodes.values().iterator().next().hostedRanges()) {
      int term = 0;
      for (KvNode node : nodes.values()) {
        RaftNode raft = node.node(range).orElse(null);
        if (raft != null) {
          term = Math.max(term, raft.getTerm().getTerm());
        }
      }
      terms += term;
    }
    return terms;
  }

  /** Stops every store (none hands its ranges off; see {@link KvNode#closeWithoutHandoff()}) and deletes the data. */
  @Override
  public void close() {
    // Every store stops: handing ranges between stores that all stop would only time out at one
    // that lags (the demo's slow disk), so none is handed off.
    nodes.values().forEach(KvNode::closeWithoutHandoff);
    nodes.clear();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}", dir, e);
    }
  }

  /** The throttle only measures entry sizes; it never decodes. */
  private static final class SizeOnlyCodec implements OperationCodec {
    @Override
    public byte[] encode(Object operation) {
      return ((MessageLite) operation).toByteArray();
    }

    @Override
    public Object decode(byte[] bytes) {
      throw new UnsupportedOperationException("the throttle only measures sizes");
    }
  }
}
