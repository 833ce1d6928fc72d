package io.raftwire.grpc;

import com.codahale.metrics.MetricRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.admission.CreditWindows;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.internal.fanout.Agent;
import io.raftwire.grpc.internal.fanout.Bundler;
import io.raftwire.grpc.internal.fanout.RelayRule;
import io.raftwire.grpc.internal.flow.FlowController;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.peer.Backoff;
import io.raftwire.grpc.internal.peer.ChannelSettings;
import io.raftwire.grpc.internal.peer.Peers;
import io.raftwire.grpc.internal.receiver.CreditReturns;
import io.raftwire.grpc.internal.receiver.InboundStreams;
import io.raftwire.grpc.internal.receiver.RangeQueues;
import io.raftwire.grpc.internal.receiver.ReceiverMetrics;
import io.raftwire.grpc.internal.receiver.SenderRules;
import io.raftwire.grpc.internal.security.TransportSecurity;
import io.raftwire.grpc.internal.server.TransportServer;
import io.raftwire.grpc.internal.sender.AppendPolicy;
import io.raftwire.grpc.internal.sender.DropNotifier;
import io.raftwire.grpc.internal.heartbeat.CoalescedHeartbeats;
import io.raftwire.grpc.internal.sender.HeartbeatSettings;
import io.raftwire.grpc.internal.sender.Sender;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.grpc.internal.sender.SenderSettings;
import io.raftwire.grpc.internal.snapshot.SnapshotService;
import io.raftwire.grpc.internal.snapshot.delegation.Delegation;
import io.raftwire.grpc.internal.snapshot.transfer.Transfers;
import io.raftwire.grpc.internal.time.SystemTimebase;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of one store's transport: it builds the parts in dependency order and
 * connects their ports, so that no part looks another up. Order: the problem log and peer security,
 * the peers, the inbound stream registry and credit returns, flow control (the sender's ledger,
 * the receiver's delivery hook), the range queues, the append policy (zone fan-out), the sender,
 * the fan-out agent, snapshots, then the server. Closing runs in the reverse direction of traffic:
 * timers, snapshots, flow control, sender, receiver, server, peers, security, timebase, drop
 * notices.
 */
final class GrpcTransportImpl implements GrpcTransport {
  private static final Logger log = LoggerFactory.getLogger(GrpcTransportImpl.class);
  /** Real time allowed for close (threads to stop, handlers to return). */
  private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long SNAPSHOT_UPKEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final StoreId store;
  private final MetricRegistry registry;
  private volatile TransportLimits limits;
  private volatile ReceiverLimits receiverLimits;
  private final Timebase timebase;
  private final @Nullable SystemTimebase ownTimebase;
  private final DropNotifier notifier;
  private final FlowController flow;
  private final RangeQueues queues;
  private final InboundStreams streams;
  private final TransportSecurity security;
  private final Peers peers;
  private final Sender sender;
  private final CoalescedHeartbeats heartbeats;
  private final @Nullable SnapshotService snapshots;
  private final @Nullable Server server;
  /** Where inbound frames are parsed and admitted; null: on the I/O threads. */
  private final @Nullable ExecutorService receivers;
  private final List<Timebase.Cancellable> timers = new ArrayList<>();
  private volatile boolean closed;

  private GrpcTransportImpl(GrpcTransportConfig config) throws IOException {
    this.store = config.localStore();
    this.registry = config.metricRegistry();
    this.limits = config.limits();
    this.receiverLimits = config.receiverLimits();
    StoreMetrics metrics = new StoreMetrics(registry, store);
    metrics.removeAll();
    this.ownTimebase = config.timebase().isPresent() ? null : new SystemTimebase("raftwire-" + store + "-upkeep");
    this.timebase = ownTimebase != null ? ownTimebase : config.timebase().get();
    SystemTimebase own = ownTimebase;
    metrics.gauge(GrpcMetrics.TIMEBASE_TASK_FAILURES, () -> own == null ? 0L : own.taskFailures());
    ProblemLog problems = ProblemLog.create(timebase, line -> log.warn("{}: {}", store, line));
    ServerLimits serverLimits = config.serverLimits();
    try { // first, so that unusable TLS material fails the start before anything else runs
      this.security = TransportSecurity.start(config.security(), store, serverLimits.maxConnectionsPerPeer(), timebase,
          metrics, problems);
    } catch (RuntimeException e) {
      if (ownTimebase != null) {
        ownTimebase.close();
      }
      throw e;
    }
    timers.add(timebase.scheduleWithFixedDelay(problems::flush, ProblemLog.DEFAULT_INTERVAL_NANOS,
        ProblemLog.DEFAULT_INTERVAL_NANOS));
    this.notifier = new DropNotifier("raftwire-" + store, metrics, config.dropNoticeBudgetBytes(), timebase::nanoTime);
    String localZone = config.locality().value(config.zoneTier()).orElse(null);
    Backoff backoff = new Backoff(config.reconnectInitialBackoffNanos(), config.reconnectMaxBackoffNanos(),
        config.reconnectBackoffMultiplier(), config.reconnectJitter(), () -> ThreadLocalRandom.current().nextDouble());
    long frameLimit = config.maxFrameBytes();
    int windowBytes = http2WindowBytes(config);
    this.peers = new Peers(store, config.resolver(), config.zoneTier(),
        new ChannelSettings(config.controlOnSeparateConnection(), (int) frameLimit, windowBytes,
            security::channelCredentials),
        backoff, timebase, metrics);
    RelayRule relayRule = new RelayRule(store, localZone, peers::zoneOf);
    ReceiverMetrics counters = new ReceiverMetrics(metrics, problems);
    this.streams = new InboundStreams(store, new Rules(security, relayRule), serverLimits.maxStreamsPerPeer(), counters,
        metrics);
    CreditReturns returns = new CreditReturns(streams, counters);
    this.flow = new FlowController(store, config.admission(), returns::admitted, timebase, metrics);
    this.queues = new RangeQueues(store, () -> receiverLimits, config.workerThreads(),
        config.deliveryBatchMessages(), config.rangeQueueGauges(), flow, timebase, metrics, counters);
    AppendPolicy policy = config.fanOut() && localZone != null
        ? new Bundler(localZone, config.fanOutLingerNanos(), () -> limits, timebase, metrics)
        : AppendPolicy.DIRECT;
    this.heartbeats = new CoalescedHeartbeats(store, config.heartbeatReceiveBytes(), config.beaconIntervalNanos(),
        config.livenessTimeoutNanos(), timebase, problems, metrics);
    this.sender = new Sender(
        new SenderSettings(store, localZone, config.targetBatchBytes(), config.maxBatchMessages(),
            config.drrQuantumBytes(), config.elasticBatchBytes(), config.elasticInflightBytes(),
            config.helloTimeoutNanos(), config.idleStreamTimeoutNanos()),
        new HeartbeatSettings(config.heartbeatQueueBytes(), config.heartbeatLingerNanos(),
            config.beaconIntervalNanos(), config.livenessTimeoutNanos()),
        () -> limits, peers, flow, policy, notifier, streams::echoToWriter, heartbeats.reports(), problems, timebase,
        metrics);
    heartbeats.connect(sender);
    Agent agent = new Agent(store, queues, sender, relayRule, metrics);
    SnapshotService snapshotService = null;
    Server built = null;
    this.receivers = config.receiveThreads() == 0 ? null : receivers(config.receiveThreads());
    try {
      if (config.snapshots().isPresent()) {
        snapshotService = snapshots(config, config.snapshots().get(), localZone, backoff, metrics, problems);
      }
      // The frame limit is fixed for the server's life and the same on every service. Senders learn
      // it from the hello answer and keep below it.
      List<ServerServiceDefinition> services = new ArrayList<>();
      // A verified hello from a store whose breaker is open here probes it now (case 58).
      services.add(streams.service(frameLimit, queues, agent, heartbeats.intake(), peers::heardHello));
      if (snapshotService != null) {
        services.add(snapshotService.service());
      }
      built = TransportServer.start(config.listenAddress(), security, serverLimits, frameLimit,
          windowBytes, services, receivers);
    } catch (IOException | RuntimeException e) {
      this.snapshots = snapshotService;
      this.server = built;
      close();
      throw e;
    }
    this.snapshots = snapshotService;
    this.server = built;
    timers.add(timebase.scheduleWithFixedDelay(returns::flush, config.noticeFlushNanos(), config.noticeFlushNanos()));
    if (snapshotService != null) {
      timers.add(timebase.scheduleWithFixedDelay(snapshotService::upkeep, SNAPSHOT_UPKEEP_NANOS, SNAPSHOT_UPKEEP_NANOS));
    }
    log.info("{} listening on {}", store, listenAddress());
  }

  /**
   * The threads that parse and admit inbound frames. gRPC runs each call's callbacks one at a time,
   * queueing a call at most once, so the queue holds at most one task per open call.
   */
  private ExecutorService receivers(int threads) {
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "raftwire-" + store + "-receive-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  private SnapshotService snapshots(GrpcTransportConfig config, SnapshotConfig snapshotConfig,
      @Nullable String localZone, Backoff backoff, StoreMetrics metrics, ProblemLog problems) throws IOException {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService io = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "raftwire-" + store + "-snapshot-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      Transfers transfers = new Transfers(store, localZone, snapshotConfig.source(), snapshotConfig.sink(),
          snapshotConfig.transferSettings(), peers, backoff, Optional.<FlowControl>of(flow), timebase, io, metrics,
          TransportSecurity::peerStore, config.maxFrameBytes(), problems);
      Delegation delegation = new Delegation(store, config.locality(), peers, snapshotConfig.source(), transfers,
          snapshotConfig.maxDelegates(), snapshotConfig.delegateAcceptNanos(), snapshotConfig.maxDelegatedTransfers(),
          timebase, io, metrics, TransportSecurity::peerStore);
      return new SnapshotService(transfers, delegation, io);
    } catch (IOException | RuntimeException e) {
      io.shutdownNow();
      throw e;
    }
  }

  static GrpcTransport start(GrpcTransportConfig config) throws IOException {
    return new GrpcTransportImpl(Objects.requireNonNull(config, "config"));
  }

  @Override
  public StoreId localStore() {
    return store;
  }

  @Override
  public InetSocketAddress listenAddress() {
    return (InetSocketAddress) Objects.requireNonNull(server, "server").getListenSockets().get(0);
  }

  @Override
  public SendResult send(RaftEnvelope envelope) {
    Objects.requireNonNull(envelope, "envelope");
    DropReason refusal;
    if (closed) {
      refusal = DropReason.CLOSED;
    } else if (!envelope.from().store().equals(store)) {
      refusal = DropReason.WRONG_SOURCE;
    } else {
      refusal = sender.send(envelope);
    }
    if (refusal == null) {
      return SendResult.accepted();
    }
    notifier.dropped(envelope, refusal, false);
    return SendResult.refused(refusal);
  }

  @Override
  public boolean isReachable(StoreId destination) {
    return !closed && sender.isReachable(destination);
  }

  @Override
  public Registration register(RangeId range, InboundHandler handler) {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(handler, "handler");
    return queues.register(range, handler);
  }

  @Override
  public Registration addDropListener(DropListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("transport of " + store + " is closed");
      }
      return notifier.add(listener);
    }
  }

  @Override
  public Optional<FlowControl> flowControl() {
    return Optional.of(flow);
  }

  @Override
  public Optional<Heartbeats> heartbeats() {
    return Optional.of(heartbeats);
  }

  @Override
  public Optional<SnapshotTransfers> snapshots() {
    return Optional.ofNullable(snapshots);
  }

  @Override
  public TransportLimits limits() {
    return limits;
  }

  @Override
  public void updateLimits(TransportLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public ReceiverLimits receiverLimits() {
    return receiverLimits;
  }

  /**
   * The HTTP/2 window of every connection: {@link GrpcTransportConfig#streamWindowBytes()}, or with
   * credit auto-tuning at least the largest regular credit window it may grant, so that HTTP/2 never
   * caps what credits allow on a long link. Credits still bound the APPEND bytes in flight and the
   * receiver's budgets everything it has read; the window only lets the bytes move (case 93).
   */
  static int http2WindowBytes(GrpcTransportConfig config) {
    int configured = config.streamWindowBytes();
    return config.admission().creditAutoTuning().map(t -> {
      double ratio = (double) config.admission().regularCreditBytes() / config.admission().elasticCreditBytes();
      double largest = Math.min(Integer.MAX_VALUE, t.maxElasticCreditBytes() * ratio);
      return Math.max(configured, (int) largest);
    }).orElse(configured);
  }

  @Override
  public CreditWindows creditWindows() {
    return flow.creditWindows();
  }

  @Override
  public void updateCreditWindows(CreditWindows windows) {
    flow.updateCreditWindows(Objects.requireNonNull(windows, "windows"));
  }

  @Override
  public void updateReceiverLimits(ReceiverLimits limits) {
    this.receiverLimits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public Set<StoreId> allowedStores() {
    return security.allowedStores();
  }

  @Override
  public void updateAllowedStores(Set<StoreId> stores) {
    Objects.requireNonNull(stores, "stores");
    security.updateAllowedStores(stores);
    streams.endStreamsOfRefusedSenders();
    SnapshotService transfers = snapshots;
    if (transfers != null) {
      transfers.endTransfersOf(store -> !security.allows(store));
    }
  }

  @Override
  public MetricRegistry metrics() {
    return registry;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + CLOSE_TIMEOUT_NANOS;
    for (Timebase.Cancellable timer : timers) {
      timer.cancel();
    }
    if (snapshots != null) {
      snapshots.close();
    }
    flow.close();
    sender.close();
    heartbeats.close(Math.max(0, deadline - System.nanoTime()));
    queues.close(Math.max(0, deadline - System.nanoTime()));
    streams.close();
    if (server != null) {
      server.shutdown();
      try {
        if (!server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
    }
    if (receivers != null) {
      receivers.shutdown();
    }
    peers.close();
    security.close();
    if (ownTimebase != null) {
      ownTimebase.close();
    }
    notifier.close(Math.max(0, deadline - System.nanoTime()));
    log.info("{} closed", store);
  }

  /** The receiver's sender rules: the connection's identity and the allow-list, and fan-out's relay rule. */
  private static final class Rules implements SenderRules {
    private final TransportSecurity security;
    private final RelayRule relay;

    Rules(TransportSecurity security, RelayRule relay) {
      this.security = security;
      this.relay = relay;
    }

    @Override
    public @Nullable StoreId authenticatedPeer() {
      return TransportSecurity.peerStore();
    }

    @Override
    public boolean allowed(StoreId store) {
      return security.allows(store);
    }

    @Override
    public boolean mayRelay(StoreId relayingStore, StoreId writer) {
      return relay.mayAccept(relayingStore, writer);
    }
  }

  @Override
  public String toString() {
    return "GrpcTransport{" + store + (closed ? ", closed" : "") + "}";
  }
}
