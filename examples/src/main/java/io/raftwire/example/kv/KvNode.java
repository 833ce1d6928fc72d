package io.raftwire.example.kv;

import com.codahale.metrics.MetricRegistry;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.MicroRaftSnapshots;
import io.raftwire.adapter.microraft.MicroRaftNodes;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.io.LsmHealth;
import io.raftwire.admission.io.LsmHealthConfig;
import io.raftwire.admission.io.ThroughputHealth;
import io.raftwire.example.storage.RocksStorage;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store of the KV cluster: its RocksDB, its raftwire transport (with admission), one MicroRaft
 * node per hosted range (restored from RocksDB when it has run before), and the client API server.
 * Start with {@link #start(Config)}; {@link #close()} shuts the store down gracefully, handing off
 * the ranges it leads first.
 */
public final class KvNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KvNode.class);
  /** How long {@link #close()} waits for every Raft node to terminate, all together. */
  static final long TERMINATE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** How long {@link #close()} lets client calls in progress finish before cancelling them. */
  static final long CLIENT_DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** What {@link #close()} may take beyond the leadership handoff: node, client and transport shutdown. */
  static final long CLOSE_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final Config config;
  private final RocksStorage storage;
  private final GrpcTransport transport; // null when config.transportFactory made the transport
  private final RaftTransport raftTransport; // the transport the Raft nodes use: this one or the factory's
  private final InetSocketAddress raftListenAddress;
  private final MicroRaftCodec codec;
  private final MicroRaftNodes nodes;
  private final MicroRaftSnapshots snapshots;
  private final Ranges ranges;
  private final Server clientServer;
  private final LsmHealth health;
  private final Map<RangeId, LeaderWatch> watches = new ConcurrentHashMap<>();
  private final Object closeLock = new Object();

  @GuardedBy("closeLock")
  private boolean closed;

  /** Set first thing in {@link #close()}: client requests are refused from then on. */
  private volatile boolean closing;

  private KvNode(Config config) throws IOException {
    this.config = config;
    this.ranges = new Ranges(config.rangeCount, new ArrayList<>(config.raftAddresses.keySet()), config.replicas);
    this.storage = RocksStorage.open(config.dataDir);
    GrpcTransport startedTransport = null;
    RaftTransport startedPlugged = null;
    MicroRaftNodes startedNodes = null;
    try {
      // RocksDB's L0 files and compaction debt cut the measured throughput, elastic work first.
      this.health = new LsmHealth(new RocksLsmStats(storage),
          new ThroughputHealth(AdmissionConfig.DEFAULT_TARGET_WRITE_LATENCY_NANOS, AdmissionConfig.DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND),
          LsmHealthConfig.defaults());
      this.codec = new MicroRaftCodec(new KvOperations(), new DefaultRaftModelFactory(), KvOperations::priorityOf);
      this.snapshots = new MicroRaftSnapshots(codec);
      RaftTransport started;
      if (config.transportFactory != null) {
        // A comparison baseline: no flow control, no snapshot transfers (MicroRaft sends its own
        // snapshot chunks), none of the settings below.
        RaftTransportFactory.Started plugged = config.transportFactory.start(config.store,
            config.listenAddress != null ? config.listenAddress : config.raftAddresses.get(config.store), peers(config));
        startedPlugged = plugged.transport();
        started = plugged.transport();
        this.transport = null;
        this.raftListenAddress = plugged.listenAddress();
      } else {
        startedTransport = GrpcTransport.start(config.transport.apply(
            GrpcTransportConfig.builder(config.store, peers(config)).security(config.security)
                // Snapshots of a range travel as raftwire transfers, sent by the replica nearest the
                // lagging one; the spool stages them on this store's disk.
                .snapshots(config.snapshots.apply(
                    SnapshotConfig.builder(snapshots, snapshots, config.dataDir.resolve("snapshot-spool"))).build())
                .listenAddress(config.listenAddress != null ? config.listenAddress : config.raftAddresses.get(config.store))
                .locality(config.localities.getOrDefault(config.store, Locality.UNKNOWN))
                .metricRegistry(config.metrics)
                .admission(config.admission.apply(AdmissionConfig.builder()
                    // Without admission control nothing reports durability: the receiver returns
                    // credits itself, so their bookkeeping stays bounded although nobody waits on them.
                    .libraryReportsDurability(config.admissionControl)
                    .storeHealth(health)
                    // React within a second: the example's disks change speed in seconds, not minutes.
                    .ioTiming(TimeUnit.SECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(1)))
                    .build()))
                .build());
        this.transport = startedTransport;
        this.raftListenAddress = startedTransport.listenAddress();
        started = startedTransport;
      }
      this.raftTransport = started;
      // One call wires MicroRaft to the transport: flow control (proposals wait for credits,
      // followers report durable entries) and snapshot transfers.
      MicroRaftNodes.Builder wiring = MicroRaftNodes.builder(started, codec)
          .admission(config.admissionControl)
          .metricRegistry(config.metrics); // refusals by reason and refusal feedback, with the transport's
      if (started.snapshots().isPresent()) {
        wiring.snapshots(snapshots);
      }
      startedNodes = wiring.build();
      this.nodes = startedNodes;
      registerSnapshotGauges();
      registerStorageGauges();
      for (RangeId range : ranges.rangesOf(config.store)) {
        startRange(range);
      }
      this.clientServer = NettyServerBuilder.forAddress(config.clientAddress)
          .addService(new KvService(this))
          .build()
          .start();
    } catch (IOException | RuntimeException e) {
      // Leave nothing running or locked behind: the caller may retry on the same data directory.
      // The nodes have terminated before RocksDB closes, or they would write to a closed store.
      if (startedNodes != null) {
        terminate(config.store, startedNodes);
      }
      if (startedTransport != null) {
        startedTransport.close();
      }
      if (startedPlugged != null) {
        startedPlugged.close();
      }
      storage.close();
      throw e;
    }
    log.info("{} serving {} ranges; raft on {}, clients on {}", config.store, nodes.ranges().size(),
        raftListenAddress, clientAddress());
  }

  /**
   * Peers from the live address map; an address with port 0 is a store that has not published
   * where it listens yet, so sends to it fail as unreachable until it has.
   */
  private static StoreResolver peers(Config config) {
    return new StoreResolver() {
      @Override
      public Optional<InetSocketAddress> resolve(StoreId store) {
        return Optional.ofNullable(config.raftAddresses.get(store)).filter(a -> a.getPort() != 0);
      }

      @Override
      public Locality locality(StoreId store) {
        return config.localities.getOrDefault(store, Locality.UNKNOWN);
      }
    };
  }

  /** The storage-health signal's last reading: {@code raftwire.<store>.rocksdb.*}. */
  private void registerStorageGauges() {
    String prefix = MetricRegistry.name("raftwire", config.store.toString(), "rocksdb");
    config.metrics.gauge(MetricRegistry.name(prefix, "l0_files"), () -> () -> health.lastStats().l0Files());
    config.metrics.gauge(MetricRegistry.name(prefix, "pending_compaction_bytes"),
        () -> () -> health.lastStats().pendingCompactionBytes());
    config.metrics.gauge(MetricRegistry.name(prefix, "write_stopped"), () -> () -> health.lastStats().writeStopped() ? 1 : 0);
  }

  private void registerSnapshotGauges() {
    String prefix = MetricRegistry.name("raftwire", config.store.toString(), "microraft", "snapshots");
    config.metrics.gauge(MetricRegistry.name(prefix, "started"), () -> snapshots::started);
    config.metrics.gauge(MetricRegistry.name(prefix, "coalesced"), () -> snapshots::coalesced);
    config.metrics.gauge(MetricRegistry.name(prefix, "completed"), () -> snapshots::completed);
    config.metrics.gauge(MetricRegistry.name(prefix, "failed"), () -> snapshots::failed);
    config.metrics.gauge(MetricRegistry.name(prefix, "installed"), () -> snapshots::installed);
    config.metrics.gauge(MetricRegistry.name(prefix, "refused"), () -> snapshots::refused);
  }

  /** Starts a store. */
  public static KvNode start(Config config) throws IOException {
    return new KvNode(config);
  }

  private void startRange(RangeId range) throws IOException {
    RaftNode.RaftNodeBuilder builder = RaftNode.newBuilder()
        .setGroupId(range)
        .setConfig(config.raftConfig)
        .setStateMachine(new KvStateMachine(storage, range));
    LeaderWatch watch = new LeaderWatch();
    watches.put(range, watch);
    builder.setRaftNodeReportListener(watch);
    Optional<RestoredRaftState> restored = storage.restore(range, codec);
    if (restored.isEmpty()) {
      List<RaftEndpoint> members = new ArrayList<>();
      for (StoreId s : ranges.replicasOf(range)) {
        members.add(StoreEndpoint.of(s));
      }
      builder.setLocalEndpoint(StoreEndpoint.of(config.store)).setInitialGroupMembers(members);
    }
    nodes.start(range, builder, config.storeWrapper.apply(range, storage.raftStore(range, codec)), restored);
    // The term this replica knows, raftwire.<store>.kv.<range>.term: its rise counts elections.
    config.metrics.gauge(MetricRegistry.name("raftwire", config.store.toString(), "kv", range.toString(), "term"),
        () -> () -> nodes.node(range).map(raft -> raft.getTerm().getTerm()).orElse(0));
  }

  public StoreId store() {
    return config.store;
  }

  /** Where the client API listens. */
  public InetSocketAddress clientAddress() {
    return (InetSocketAddress) clientServer.getListenSockets().get(0);
  }

  /** How this store's transport authenticates its peers. */
  public PeerSecurity security() {
    return config.security;
  }

  /**
   * The raftwire transport (its metrics, its flow control).
   *
   * @throws IllegalStateException if the store runs on a transport of {@link
   *     Config.Builder#transportFactory}
   */
  public GrpcTransport transport() {
    if (transport == null) {
      throw new IllegalStateException(config.store + " runs on a transport of its config's transportFactory: " + raftTransport);
    }
    return transport;
  }

  /** Where this store's Raft transport listens (raftwire's or a {@link Config.Builder#transportFactory} one). */
  public InetSocketAddress raftListenAddress() {
    return raftListenAddress;
  }

  /** How this store's MicroRaft snapshots travel (counters of catch-ups and installs). */
  public MicroRaftSnapshots snapshots() {
    return snapshots;
  }

  /** Inbound MicroRaft messages this store dropped because their payload did not decode. */
  public long undecodableMessages() {
    return nodes.decodeFailures();
  }

  /** The MicroRaft node of {@code range} on this store, if hosted here. */
  public Optional<RaftNode> node(RangeId range) {
    return nodes.node(range);
  }

  /**
   * The value of {@code key} in this store's own replica, without asking the leader (it may be
   * behind): how a test or the demo sees what a follower holds.
   */
  public Optional<byte[]> localGet(byte[] key) throws IOException {
    com.google.protobuf.ByteString k = com.google.protobuf.ByteString.copyFrom(key);
    RangeId range = ranges.rangeOf(k);
    RaftNode node = nodes.node(range).orElseThrow(() -> new IOException(config.store + " hosts no replica of " + range));
    io.raftwire.example.kv.proto.KvOp op = io.raftwire.example.kv.proto.KvOp.newBuilder()
        .setGet(io.raftwire.example.kv.proto.Get.newBuilder().setKey(k))
        .setPriority(io.raftwire.example.kv.proto.Priority.REGULAR).build();
    try {
      com.google.protobuf.ByteString value = node.<com.google.protobuf.ByteString>query(op,
          io.microraft.QueryPolicy.EVENTUAL_CONSISTENCY, Optional.empty(), Optional.empty())
          .get(10, TimeUnit.SECONDS).getResult();
      return value == null ? Optional.empty() : Optional.of(value.toByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("local read of " + range + " failed: " + e, e);
    }
  }

  /** The ranges this store hosts. */
  public List<RangeId> hostedRanges() {
    return ranges.rangesOf(config.store);
  }

  Ranges ranges() {
    return ranges;
  }

  /**
   * Replicates {@code operation} on {@code node}: with admission control once the followers'
   * credits (and for elastic work this store's IO tokens) admit it, without it at once.
   */
  <T> java.util.concurrent.CompletableFuture<io.microraft.Ordered<T>> replicate(RaftNode node, Object operation, long bytes) {
    return nodes.replicate(node, operation, bytes);
  }

  long maxValueBytes() {
    return config.maxValueBytes;
  }

  /** What the RocksDB health signal last found: its state and the statistics it read. */
  public String storageHealth() {
    return health.lastState() + " " + health.lastStats();
  }

  /** Whether {@link #close()} has begun: client requests are refused. */
  boolean closing() {
    return closing;
  }

  /**
   * The longest {@link #close()} takes: the leadership transfer timeout plus {@value
   * #CLOSE_MARGIN_NANOS} ns for terminating the Raft nodes, draining client calls and closing the
   * transport (each bounded on its own). What a shutdown hook waits for.
   */
  public long closeTimeoutNanos() {
    return config.shutdownLeadershipTransferTimeoutNanos + CLOSE_MARGIN_NANOS;
  }

  /**
   * Shuts the store down gracefully, in this order: (1) new client requests get {@code
   * UNAVAILABLE} "store sN is shutting down; retry on another store" (with the range's new leader
   * in the {@value KvService#LEADER_KEY} trailer once known); (2) every range this store leads is
   * handed to its reachable voting follower with the highest match index by MicroRaft's leadership
   * transfer, all at once, waiting at most {@link Config.Builder#shutdownLeadershipTransferTimeoutNanos}
   * (a handoff that fails or runs out of time is logged and the shutdown goes on; its followers
   * then elect a leader after their heartbeat timeout); (3) the Raft nodes terminate (at most
   * {@value #TERMINATE_TIMEOUT_NANOS} ns), the client API stops (calls in progress get {@value
   * #CLIENT_DRAIN_TIMEOUT_NANOS} ns), RocksDB closes after syncing its write-ahead log, and the
   * transport closes last. Logs one INFO line: ranges led, handed off, failed, elapsed time.
   * Idempotent and thread-safe: a second call returns once the first has finished.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (claimClose()) {
        shutDown();
      }
    }
  }

  /**
   * {@link #close()} without step (2): the ranges this store leads are left to their followers'
   * heartbeat timeout, as after a crash. For stopping a whole cluster, where every store that could
   * take a range is stopping too (a handoff would only move ranges between stopping stores, and
   * time out at one that lags), and for tests of failover. Idempotent and thread-safe, as {@link
   * #close()}.
   */
  public void closeWithoutHandoff() {
    synchronized (closeLock) {
      if (claimClose()) {
        shutDown(false);
      }
    }
  }

  /** {@return whether this call is the one that closes the store} Marks it closed. */
  @GuardedBy("closeLock")
  private boolean claimClose() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  private void shutDown() {
    shutDown(config.shutdownLeadershipTransferTimeoutNanos > 0);
  }

  private void shutDown(boolean handOff) {
    long start = System.nanoTime();
    closing = true;
    observe(ShutdownStep.CLIENTS_REFUSED);
    Map<RangeId, RaftNode> led = new TreeMap<>();
    for (RangeId range : nodes.ranges()) {
      nodes.node(range).filter(n -> n.getLocalEndpoint().equals(n.getTerm().getLeaderEndpoint()))
          .ifPresent(n -> led.put(range, n));
    }
    List<LeadershipHandoff.Outcome> outcomes = !handOff
        ? led.keySet().stream()
            .map(r -> new LeadershipHandoff.Outcome(r, LeadershipHandoff.Result.NOT_ASKED, "no handoff asked for")).toList()
        : LeadershipHandoff.run(led, watches,
            e -> e instanceof StoreEndpoint && raftTransport.isReachable(((StoreEndpoint) e).store()),
            start + config.shutdownLeadershipTransferTimeoutNanos);
    List<String> handedOff = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (LeadershipHandoff.Outcome o : outcomes) {
      switch (o.result()) {
        case HANDED_OFF -> handedOff.add(o.range() + " " + o.detail());
        case FAILED -> {
          failed.add(o.range().toString());
          log.warn("{}: {} was not handed off ({}); its followers will elect a leader after their heartbeat timeout",
              config.store, o.range(), o.detail());
        }
        // Not a failure: nobody asked for a handoff, or no other voter runs (they stop too, or
        // were down already and their peers warned of that); nothing is lost that a handoff saves.
        case NOBODY_TO_HAND_TO, NOT_ASKED -> kept.add(o.range() + " (" + o.detail() + ")");
      }
    }
    if (!kept.isEmpty()) {
      log.info("{}: not handed off: {}", config.store, kept);
    }
    observe(ShutdownStep.LEADERSHIP_HANDED_OFF);
    terminateNodes();
    observe(ShutdownStep.RAFT_NODES_TERMINATED);
    clientServer.shutdown();
    try {
      if (!clientServer.awaitTermination(CLIENT_DRAIN_TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
        clientServer.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      clientServer.shutdownNow();
    }
    observe(ShutdownStep.CLIENT_API_CLOSED);
    storage.close();
    observe(ShutdownStep.STORAGE_CLOSED);
    raftTransport.close();
    observe(ShutdownStep.TRANSPORT_CLOSED);
    log.info("{} shut down in {} ms: led {} ranges, handed off {}{}, failed {}{}; then closed its Raft nodes, "
            + "storage and transport", config.store, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        led.size(), handedOff.size(), handedOff.isEmpty() ? "" : " " + handedOff, failed.size(),
        failed.isEmpty() ? "" : " " + failed);
  }

  /** Terminates every Raft node at once, waiting for them together; stops routing to them. */
  private void terminateNodes() {
    terminate(config.store, nodes);
  }

  /**
   * Stops routing to every node of {@code nodes}, then terminates them all at once and waits for
   * them together, at most {@value #TERMINATE_TIMEOUT_NANOS} ns; closes {@code nodes}. Routing
   * stops first because MicroRaft warns of every message handed to a terminated node ("will not
   * handle ... because TERMINATED"); a message for a removed range is refused to its sender
   * instead ({@code UNKNOWN_RANGE}, which MicroRaft's side of the adapter logs at DEBUG).
   */
  private static void terminate(StoreId store, MicroRaftNodes nodes) {
    Map<RangeId, RaftNode> removed = new TreeMap<>();
    for (RangeId range : nodes.ranges()) {
      nodes.remove(range).ifPresent(node -> removed.put(range, node));
    }
    Map<RangeId, java.util.concurrent.CompletableFuture<?>> terminations = new TreeMap<>();
    removed.forEach((range, node) -> terminations.put(range, node.terminate()));
    long deadline = System.nanoTime() + TERMINATE_TIMEOUT_NANOS;
    terminations.forEach((range, termination) -> {
      try {
        termination.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("{}: interrupted while {} terminated", store, range);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        log.warn("{}: {} did not terminate cleanly", store, range, e);
      }
    });
    nodes.close();
  }

  private void observe(ShutdownStep step) {
    try {
      config.shutdownObserver.accept(step);
    } catch (RuntimeException e) {
      log.warn("{}: the shutdown observer failed at {}", config.store, step, e);
    }
  }

  /** Whether RocksDB is still open (for tests of the shutdown order). */
  boolean storageOpen() {
    return storage.isOpen();
  }

  /** Whether the transport still accepts registrations, i.e. is not closed (for tests of the shutdown order). */
  boolean transportOpen() {
    try {
      raftTransport.addDropListener(dropped -> { }).close();
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /**
   * Fault injection: stops this store as abruptly as {@code kill -9} looks to its peers, for
   * benchmarks and tests of failover. The client server and the Raft transport go first, at once:
   * the transport drops whatever it has queued (nothing more is sent) and closes its connections,
   * so peers hear nothing more from this store, not even a leadership transfer. Only then are the
   * local Raft nodes terminated (MicroRaft's terminate sends nothing, and could not any more) and
   * RocksDB closed, so that the store can be started again on its data. What it wrote to RocksDB
   * stays (a real crash may also lose the last unsynced writes). Closing the transport completes
   * the streams it receives, so its peers take it for a store that said goodbye and log it at INFO,
   * where a killed process would be a WARN.
   */
  public void crash() {
    synchronized (closeLock) {
      if (!claimClose()) {
        return;
      }
      closing = true;
    }
    clientServer.shutdownNow();
    raftTransport.close();
    terminateNodes();
    storage.close();
    log.info("{} crashed (fault injection)", config.store);
  }

  /** How to start a store. Immutable; build with {@link #builder}. */
  public static final class Config {
    /** The default of {@link Builder#shutdownLeadershipTransferTimeoutNanos}: 5 s. */
    public static final long DEFAULT_SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_NANOS = 5_000_000_000L;

    final StoreId store;
    final Map<StoreId, InetSocketAddress> raftAddresses;
    final Map<StoreId, Locality> localities;
    final InetSocketAddress listenAddress;
    final InetSocketAddress clientAddress;
    final Path dataDir;
    final int rangeCount;
    final int replicas;
    final long maxValueBytes;
    final RaftConfig raftConfig;
    final MetricRegistry metrics;
    final java.util.function.UnaryOperator<AdmissionConfig.Builder> admission;
    final BiFunction<RangeId, RaftStore, RaftStore> storeWrapper;
    final boolean admissionControl;
    final java.util.function.UnaryOperator<SnapshotConfig.Builder> snapshots;
    final java.util.function.UnaryOperator<GrpcTransportConfig.Builder> transport;
    final PeerSecurity security;
    final long shutdownLeadershipTransferTimeoutNanos;
    final java.util.function.Consumer<ShutdownStep> shutdownObserver;
    final RaftTransportFactory transportFactory; // null: raftwire's GrpcTransport

    private Config(Builder b) {
      this.store = b.store;
      // A live view, not a copy: harnesses that bind port 0 publish the bound addresses later.
      this.raftAddresses = java.util.Collections.unmodifiableMap(b.raftAddresses);
      this.localities = Map.copyOf(b.localities);
      this.listenAddress = b.listenAddress;
      this.clientAddress = b.clientAddress;
      this.dataDir = b.dataDir;
      this.rangeCount = b.rangeCount;
      this.replicas = b.replicas;
      this.maxValueBytes = b.maxValueBytes;
      this.raftConfig = b.raftConfig;
      this.metrics = b.metrics;
      this.admission = b.admission;
      this.storeWrapper = b.storeWrapper;
      this.admissionControl = b.admissionControl;
      this.snapshots = b.snapshots;
      this.transport = b.transport;
      this.security = b.security;
      this.shutdownLeadershipTransferTimeoutNanos = b.shutdownLeadershipTransferTimeoutNanos;
      this.shutdownObserver = b.shutdownObserver;
      this.transportFactory = b.transportFactory;
    }

    /**
     * A config for {@code store}, which must be one of {@code raftAddresses}: every store of the
     * cluster with the address its transport listens on. The map is read live, not copied (use a
     * concurrent map if it changes): a store whose entry has port 0 binds a free port, and whoever
     * started it publishes {@code transport().listenAddress()} into the map; until then the others
     * treat it as unreachable and retry. Binding port 0 avoids the race of picking a free port
     * first and binding it later, when an outgoing connection may have taken it.
     */
    public static Builder builder(StoreId store, Map<StoreId, InetSocketAddress> raftAddresses, Path dataDir) {
      return new Builder(store, raftAddresses, dataDir);
    }

    /** Builds a {@link Config}. */
    public static final class Builder {
      private final StoreId store;
      private final Map<StoreId, InetSocketAddress> raftAddresses;
      private final Path dataDir;
      private InetSocketAddress clientAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      private Map<StoreId, Locality> localities = Map.of();
      private InetSocketAddress listenAddress;
      private int rangeCount = 16;
      private int replicas = 3;
      private long maxValueBytes = 1024 * 1024;
      private RaftConfig raftConfig = RaftConfig.newBuilder()
          .setLeaderElectionTimeoutMillis(1000).setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(2)
          .setCommitCountToTakeSnapshot(10_000).build();
      private MetricRegistry metrics = new MetricRegistry();
      private java.util.function.UnaryOperator<AdmissionConfig.Builder> admission = b -> b;
      private BiFunction<RangeId, RaftStore, RaftStore> storeWrapper = (range, store) -> store;
      private boolean admissionControl = true;
      private java.util.function.UnaryOperator<SnapshotConfig.Builder> snapshots = b -> b;
      private java.util.function.UnaryOperator<GrpcTransportConfig.Builder> transport = b -> b;
      private PeerSecurity security = PeerSecurity.insecure();
      private long shutdownLeadershipTransferTimeoutNanos = DEFAULT_SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_NANOS;
      private java.util.function.Consumer<ShutdownStep> shutdownObserver = step -> { };
      private RaftTransportFactory transportFactory;

      private Builder(StoreId store, Map<StoreId, InetSocketAddress> raftAddresses, Path dataDir) {
        this.store = Objects.requireNonNull(store, "store");
        this.raftAddresses = Objects.requireNonNull(raftAddresses, "raftAddresses");
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        if (!raftAddresses.containsKey(store)) {
          throw new IllegalArgumentException(store + " is not among the cluster's stores " + raftAddresses.keySet());
        }
      }

      /** Default 127.0.0.1, a free port. */
      public Builder clientAddress(InetSocketAddress address) {
        this.clientAddress = Objects.requireNonNull(address);
        return this;
      }

      /** Default none known: every store's locality (its own included), e.g. {@code zone=a}. */
      public Builder localities(Map<StoreId, Locality> localities) {
        this.localities = Objects.requireNonNull(localities);
        return this;
      }

      /** Default: this store's address in the cluster map (set to bind elsewhere, e.g. 0.0.0.0). */
      public Builder listenAddress(InetSocketAddress address) {
        this.listenAddress = address;
        return this;
      }

      /** Default 16. */
      public Builder rangeCount(int count) {
        this.rangeCount = count;
        return this;
      }

      /** Default 3 (fewer if the cluster has fewer stores). */
      public Builder replicas(int count) {
        this.replicas = count;
        return this;
      }

      /**
       * How many commits a range takes between snapshots, after which its log up to the snapshot
       * is compacted (MicroRaft's {@code commitCountToTakeSnapshot}); the rest of the Raft
       * configuration stays. Default 10,000.
       */
      public Builder commitCountToTakeSnapshot(int commits) {
        if (commits <= 0) {
          throw new IllegalArgumentException("commitCountToTakeSnapshot must be > 0, was " + commits);
        }
        RaftConfig c = raftConfig;
        this.raftConfig = RaftConfig.newBuilder()
            .setLeaderElectionTimeoutMillis(c.getLeaderElectionTimeoutMillis())
            .setLeaderHeartbeatTimeoutSecs(c.getLeaderHeartbeatTimeoutSecs())
            .setLeaderHeartbeatPeriodSecs(c.getLeaderHeartbeatPeriodSecs())
            .setMaxPendingLogEntryCount(c.getMaxPendingLogEntryCount())
            .setAppendEntriesRequestBatchSize(c.getAppendEntriesRequestBatchSize())
            .setCommitCountToTakeSnapshot(commits)
            .setTransferSnapshotsFromFollowersEnabled(c.isTransferSnapshotsFromFollowersEnabled())
            .setRaftNodeReportPublishPeriodSecs(c.getRaftNodeReportPublishPeriodSecs())
            .build();
        return this;
      }

      /** Default 1 MiB; larger values are refused with INVALID_ARGUMENT. */
      public Builder maxValueBytes(long bytes) {
        this.maxValueBytes = bytes;
        return this;
      }

      /** Default: 1 s election timeout, 1 s heartbeats, 2 s leader heartbeat timeout, snapshot every 10k commits. */
      public Builder raftConfig(RaftConfig config) {
        this.raftConfig = Objects.requireNonNull(config);
        return this;
      }

      /** Default a new registry. */
      public Builder metrics(MetricRegistry registry) {
        this.metrics = Objects.requireNonNull(registry);
        return this;
      }

      /** Adjusts the admission settings (durability reports and the RocksDB health are preset). */
      public Builder admission(java.util.function.UnaryOperator<AdmissionConfig.Builder> adjust) {
        this.admission = Objects.requireNonNull(adjust);
        return this;
      }

      /** Wraps each range's RaftStore (the demo throttles one store's disk with it). */
      public Builder storeWrapper(BiFunction<RangeId, RaftStore, RaftStore> wrapper) {
        this.storeWrapper = Objects.requireNonNull(wrapper);
        return this;
      }

      /**
       * Default true: proposals wait for follower credits and elastic proposals for local IO
       * tokens. False replicates at once, as a Raft library does without raftwire's admission
       * (the transport's lanes and byte budgets stay); benchmark S3 compares the two.
       */
      public Builder admissionControl(boolean on) {
        this.admissionControl = on;
        return this;
      }

      /** Adjusts the snapshot transfer settings (rates, chunk size, delegation); default as documented there. */
      public Builder snapshots(java.util.function.UnaryOperator<SnapshotConfig.Builder> adjust) {
        this.snapshots = Objects.requireNonNull(adjust);
        return this;
      }

      /**
       * Adjusts the transport's settings last (e.g. {@code t -> t.fanOut(false)}); default as
       * documented in {@link GrpcTransportConfig.Builder}.
       */
      public Builder transport(java.util.function.UnaryOperator<GrpcTransportConfig.Builder> adjust) {
        this.transport = Objects.requireNonNull(adjust);
        return this;
      }

      /**
       * Default {@link PeerSecurity#insecure()}: plaintext, which the transport logs as a warning.
       * {@link PeerSecurity#mutualTls} authenticates every peer store by its certificate (see
       * {@code io.raftwire.example.security} for the example's files).
       */
      public Builder security(PeerSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
        return this;
      }

      /**
       * Default {@value Config#DEFAULT_SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_NANOS} ns (5 s): how long
       * {@link KvNode#close()} waits for the ranges this store leads to be handed to followers
       * before it terminates its Raft nodes anyway. 0 hands nothing off: the followers elect a new
       * leader after their heartbeat timeout, as if the store had crashed.
       */
      public Builder shutdownLeadershipTransferTimeoutNanos(long nanos) {
        this.shutdownLeadershipTransferTimeoutNanos = nanos;
        return this;
      }

      /** Default none: hears of each step of {@link KvNode#close()} once done (a test hook). */
      Builder shutdownObserver(java.util.function.Consumer<ShutdownStep> observer) {
        this.shutdownObserver = Objects.requireNonNull(observer, "observer");
        return this;
      }

      /**
       * Default none: the store runs on raftwire's {@code GrpcTransport}, configured as above.
       * Given, the store's Raft traffic goes through the factory's transport instead, for
       * comparisons with other transports (benchmark S10 runs the FIFO baseline so): then the
       * {@link #transport}, {@link #snapshots} and {@link #admission} settings do not apply,
       * snapshots travel as MicroRaft's own messages unless the transport has snapshot transfers,
       * and {@link #admissionControl} must be off unless it has flow control.
       */
      public Builder transportFactory(RaftTransportFactory factory) {
        this.transportFactory = Objects.requireNonNull(factory, "factory");
        return this;
      }

      public Config build() {
        if (shutdownLeadershipTransferTimeoutNanos < 0) {
          throw new IllegalArgumentException(
              "shutdownLeadershipTransferTimeoutNanos must be >= 0, was " + shutdownLeadershipTransferTimeoutNanos);
        }
        if (rangeCount < 1 || replicas < 1 || maxValueBytes < 1) {
          throw new IllegalArgumentException(
              "rangeCount, replicas and maxValueBytes must be >= 1, were " + rangeCount + ", " + replicas + ", " + maxValueBytes);
        }
        return new Config(this);
      }
    }
  }
}
