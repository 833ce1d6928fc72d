package io.raftwire.grpc;

import com.codahale.metrics.MetricRegistry;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.raftwire.grpc.receiver.Receiver;
import io.raftwire.grpc.sender.DropNotifier;
import io.raftwire.grpc.sender.Sender;
import io.raftwire.grpc.snapshot.SnapshotService;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.grpc.wire.WireCodec;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.RaftEnvelope;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the sender, the receiver and the gRPC server of one store together. */
final class GrpcTransportImpl implements GrpcTransport {
  private static final Logger log = LoggerFactory.getLogger(GrpcTransportImpl.class);
  private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** Room for the largest snapshot chunk (64 MiB) and its framing. */
  private static final long SNAPSHOT_FRAME_LIMIT = (64L << 20) + 4096;

  private final GrpcTransportConfig config;
  private final StoreId store;
  private final String prefix;
  private volatile TransportLimits limits;
  private volatile ReceiverLimits receiverLimits;
  private final DropNotifier notifier;
  private final ScheduledExecutorService scheduler;
  private final GrpcFlowControl flow;
  private final ScheduledFuture<?> noticeFlush;
  private volatile Sender sender; // set once, after the server started
  private final Receiver receiver;
  private final Server server;
  private final SnapshotService snapshots; // null without a snapshot config
  private final ScheduledFuture<?> snapshotUpkeep;
  private final Object lifecycle = new Object();
  private volatile boolean closed;

  private GrpcTransportImpl(GrpcTransportConfig config) throws IOException {
    this.config = config;
    this.store = config.localStore();
    this.prefix = MetricRegistry.name("raftwire", store.toString());
    this.limits = config.limits();
    this.receiverLimits = config.receiverLimits();
    MetricRegistry metrics = config.metricRegistry();
    metrics.removeMatching((name, metric) -> name.startsWith(prefix + "."));
    this.notifier = new DropNotifier("raftwire-" + store, metrics, MetricRegistry.name(prefix, "sender"));
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "raftwire-" + store + "-upkeep");
              t.setDaemon(true);
              return t;
            });
    // Fixed for the server's life: room for a full batch plus the largest message the receiver
    // accepts at start. Senders learn it from the hello answer and keep below it.
    long frameLimit =
        Math.min(
            Integer.MAX_VALUE,
            config.targetBatchBytes() + 2 * config.receiverLimits().maxMessageBytes() + WireCodec.FRAME_SLACK_BYTES);
    this.receiver =
        new Receiver(
            config, () -> receiverLimits, frameLimit, this::appendsDelivered, this::relay,
            MetricRegistry.name(prefix, "receiver"));
    this.flow = new GrpcFlowControl(config, receiver::admitted, scheduler, metrics, prefix);
    SnapshotService snapshotService = null;
    if (config.snapshots().isPresent()) {
      try {
        snapshotService = new SnapshotService(store, config.locality(), config.zoneTier(), config.resolver(),
            config.snapshots().get(), Optional.of(flow), metrics, MetricRegistry.name(prefix, "snapshot"),
            config.nanoClock(), scheduler);
      } catch (IOException | RuntimeException e) {
        flow.close();
        receiver.close(0);
        scheduler.shutdownNow();
        notifier.close(0);
        throw e;
      }
    }
    this.snapshots = snapshotService;
    NettyServerBuilder serverBuilder =
        NettyServerBuilder.forAddress(config.listenAddress())
            .directExecutor()
            .maxInboundMessageSize((int) Math.max(frameLimit, SNAPSHOT_FRAME_LIMIT))
            .addService(receiver.service());
    if (snapshots != null) {
      serverBuilder.addService(snapshots.service());
    }
    Server built = serverBuilder.build();
    try {
      built.start();
    } catch (IOException e) {
      if (snapshots != null) {
        snapshots.close();
      }
      receiver.close(0);
      scheduler.shutdownNow();
      notifier.close(0);
      throw e;
    }
    this.server = built;
    this.noticeFlush =
        scheduler.scheduleWithFixedDelay(
            receiver::flushNotices, config.noticeFlushNanos(), config.noticeFlushNanos(), TimeUnit.NANOSECONDS);
    this.sender =
        new Sender(
            config, () -> limits, notifier, flow.credits(), scheduler, MetricRegistry.name(prefix, "sender"),
            destination -> flow.registerStream(metrics, prefix, destination), receiver::relayDropped);
    this.snapshotUpkeep = snapshots == null ? null
        : scheduler.scheduleWithFixedDelay(snapshots::upkeep, 1, 1, TimeUnit.SECONDS);
    log.info("{} listening on {}", store, listenAddress());
  }

  /** The receiver delivered APPENDs with entries (only ever after the constructor finished). */
  private void appendsDelivered(RangeId range, List<RaftEnvelope> appends) {
    flow.delivered(range, appends);
  }

  /** The receiver asks this store, as a fan-out agent, to relay a member to a zone peer. */
  private DropReason relay(RaftEnvelope member) {
    Sender s = sender;
    return s == null ? DropReason.CLOSED : s.relay(member);
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
    return (InetSocketAddress) server.getListenSockets().get(0);
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
    return receiver.register(range, handler);
  }

  @Override
  public Registration addDropListener(DropListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (lifecycle) {
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

  @Override
  public void updateReceiverLimits(ReceiverLimits limits) {
    this.receiverLimits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public MetricRegistry metrics() {
    return config.metricRegistry();
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + CLOSE_TIMEOUT_NANOS;
    noticeFlush.cancel(false);
    if (snapshots != null) {
      snapshotUpkeep.cancel(false);
      snapshots.close();
    }
    flow.close();
    sender.close();
    receiver.close(Math.max(0, deadline - System.nanoTime()));
    server.shutdown();
    try {
      if (!server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    scheduler.shutdownNow();
    notifier.close(Math.max(0, deadline - System.nanoTime()));
    log.info("{} closed", store);
  }

  @Override
  public String toString() {
    return "GrpcTransport{" + store + (closed ? ", closed" : "") + "}";
  }
}
