package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.peer.Peer;
import io.raftwire.grpc.internal.peer.Peers;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of a gRPC transport: one {@link Destination} per peer store, created on first
 * use, all under one global byte budget. APPENDs with entries pass through the {@link AppendPolicy}
 * (zone fan-out, or straight to their destination); everything else goes straight to its
 * destination's lanes. Thread-safe; {@link #send} and {@link #relay} never block.
 *
 * <p>Metrics: {@link GrpcMetrics#SENDER_GLOBAL_CHARGED_BYTES}, per destination the lane and stream
 * metrics of {@link GrpcMetrics} named {@code sender.<destination>.*}, zone byte counts, {@link
 * GrpcMetrics#SENDER_RELAYED} and {@link GrpcMetrics#SENDER_RELAY_DROPPED}.
 */
public final class Sender implements Relay, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sender.class);

  private final SenderSettings settings;
  private final Supplier<TransportLimits> limits;
  private final Peers peers;
  private final ByteBudget global;
  private final ByteBudget globalElastic;
  private final ConcurrentHashMap<StoreId, Destination> destinations = new ConcurrentHashMap<>();
  private final Drops drops;
  private final CreditLedger ledger;
  private final AppendPolicy policy;
  private final ExecutorService writers;
  private final Timebase timebase;
  private final StoreMetrics metrics;
  private final Counter relayed;
  private final Timebase.Cancellable upkeep;
  private final Timebase.Cancellable beacons;
  private final HeartbeatSettings heartbeatSettings;
  private final HeartbeatReports heartbeatReports;
  private final ProblemLog problems;
  private final ByteBudget heartbeatBytes;
  private final HeartbeatQueue.Metrics heartbeatMetrics;
  private volatile boolean closing;

  /**
   * @param limits the limits in force, read on every send
   * @param ledger credits: deducted as APPENDs with entries are accepted, returned by notices and drops
   * @param policy how APPENDs with entries travel (zone fan-out or direct)
   * @param relayDrops where drops of messages relayed for other stores go
   */
  public Sender(SenderSettings settings, HeartbeatSettings heartbeatSettings, Supplier<TransportLimits> limits,
      Peers peers, CreditLedger ledger, AppendPolicy policy, DropNotifier notifier, RelayDrops relayDrops,
      HeartbeatReports heartbeatReports, ProblemLog problems, Timebase timebase, StoreMetrics metrics) {
    this.settings = settings;
    this.heartbeatSettings = heartbeatSettings;
    this.heartbeatReports = heartbeatReports;
    this.problems = problems;
    this.heartbeatBytes = ByteBudget.root("sender.heartbeats", () -> Long.MAX_VALUE);
    this.heartbeatMetrics = new HeartbeatQueue.Metrics(metrics.counter(GrpcMetrics.SENDER_HEARTBEATS_ACCEPTED),
        metrics.counter(GrpcMetrics.SENDER_HEARTBEATS_COALESCED), metrics.counter(GrpcMetrics.SENDER_HEARTBEATS_REFUSED),
        metrics.counter(GrpcMetrics.SENDER_HEARTBEATS_FLUSHES));
    this.limits = limits;
    this.peers = peers;
    this.ledger = ledger;
    this.policy = policy;
    this.timebase = timebase;
    this.metrics = metrics;
    this.global = ByteBudget.root("sender", () -> limits.get().globalQueueBytes());
    this.globalElastic = ByteBudget.root("sender.elastic", () -> limits.get().elasticGlobalQueueBytes());
    this.drops = new Drops(settings.localStore(), ledger, policy, notifier, relayDrops,
        metrics.counters(GrpcMetrics.SENDER_RELAY_DROPPED, DropReason.class));
    this.relayed = metrics.counter(GrpcMetrics.SENDER_RELAYED);
    metrics.gauge(GrpcMetrics.SENDER_GLOBAL_CHARGED_BYTES, global::usedBytes);
    metrics.gauge(GrpcMetrics.SENDER_GLOBAL_LIMIT_BYTES, global::limitBytes);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_CHARGED_BYTES, globalElastic::usedBytes);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_LIMIT_BYTES, globalElastic::limitBytes);
    AtomicInteger n = new AtomicInteger();
    String threadPrefix = "raftwire-" + settings.localStore() + "-writer-";
    this.writers = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, threadPrefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    long period = settings.upkeepPeriodNanos();
    this.upkeep = timebase.scheduleWithFixedDelay(this::maintain, period, period);
    long beaconCheck = Math.max(1, heartbeatSettings.beaconIntervalNanos() / 2);
    this.beacons = timebase.scheduleWithFixedDelay(this::beacon, beaconCheck, beaconCheck);
    metrics.gauge(GrpcMetrics.SENDER_HEARTBEATS_CHARGED_BYTES, heartbeatBytes::usedBytes);
  }

  /**
   * Queues a coalesced heartbeat (from this store) for its destination; returns the refusal
   * reason, or null if accepted.
   */
  public @Nullable DropReason sendHeartbeat(Heartbeat heartbeat) {
    if (closing) {
      return DropReason.CLOSED;
    }
    Destination destination = destination(heartbeat.to().store());
    if (destination == null) {
      return DropReason.UNREACHABLE;
    }
    return destination.offerHeartbeat(heartbeat);
  }

  private void beacon() {
    long now = timebase.nanoTime();
    for (Destination destination : destinations.values()) {
      destination.beacon(now, heartbeatSettings.beaconIntervalNanos());
    }
  }

  /** Queues {@code envelope} (from this store); returns the refusal reason, or null if accepted. */
  public @Nullable DropReason send(RaftEnvelope envelope) {
    if (closing) {
      return DropReason.CLOSED;
    }
    if (envelope.sizeBytes() > limits.get().maxMessageBytes()) {
      return DropReason.TOO_LARGE;
    }
    Destination destination = destination(envelope.to().store());
    if (destination == null) {
      return DropReason.UNREACHABLE;
    }
    EnvelopeMessage message = EnvelopeMessage.own(envelope, timebase.nanoTime(), drops);
    if (!envelope.entries().isEmpty() && policy.applies(envelope, destination)) {
      return policy.accept(message, destination);
    }
    return destination.offer(message);
  }

  @Override
  public @Nullable DropReason relay(RaftEnvelope member) {
    DropReason refusal;
    if (closing) {
      refusal = DropReason.CLOSED;
    } else if (member.sizeBytes() > limits.get().maxMessageBytes()) {
      refusal = DropReason.TOO_LARGE;
    } else {
      Destination destination = destination(member.to().store());
      String zone = settings.localZone();
      if (destination == null) {
        refusal = DropReason.UNREACHABLE;
      } else if (zone == null || !zone.equals(destination.zone())) {
        refusal = DropReason.WRONG_DESTINATION; // an agent relays only within its own zone
      } else {
        refusal = destination.offer(EnvelopeMessage.relayed(member, timebase.nanoTime(), drops));
      }
    }
    if (refusal == null) {
      relayed.inc();
    } else {
      drops.relayRefused(refusal);
    }
    return refusal;
  }

  /** True if sends to {@code store} are currently let through. */
  public boolean isReachable(StoreId store) {
    if (closing) {
      return false;
    }
    Destination destination = destination(store);
    return destination != null
        && destination.isResponsive(timebase.nanoTime(), heartbeatSettings.livenessTimeoutNanos());
  }

  private @Nullable Destination destination(StoreId store) {
    Destination existing = destinations.get(store);
    if (existing != null) {
      return existing;
    }
    Peer peer = peers.peer(store);
    if (peer == null) {
      return null;
    }
    return destinations.computeIfAbsent(store, s -> newDestination(peer));
  }

  private Destination newDestination(Peer peer) {
    StoreId store = peer.store();
    ledger.destinationAdded(store);
    ControlSaturation saturation = new ControlSaturation(store.toString(),
        metrics.counter(GrpcMetrics.SENDER_CONTROL_SATURATED, store), timebase::nanoTime);
    Lanes lanes = new Lanes(store.toString(), global, globalElastic, limits, settings.drrQuantumBytes(), saturation);
    String from = zoneName(settings.localZone());
    String to = zoneName(peer.zone());
    ByteBudget heartbeatBudget = heartbeatBytes.child(store + ".heartbeats", heartbeatSettings::queueBytes);
    HeartbeatQueue heartbeats = new HeartbeatQueue(store, heartbeatBudget, heartbeatReports, heartbeatMetrics,
        () -> problems.report(store, "heartbeat budget full",
            "heartbeats to " + store + " refused: " + heartbeatBudget.usedBytes() + " of "
                + heartbeatSettings.queueBytes() + " bytes queued or unacknowledged (heartbeatQueueBytes)"),
        timebase, heartbeatSettings.lingerNanos());
    StreamWriter control = new StreamWriter(StreamKind.CONTROL, peer, lanes, heartbeats, ledger, drops, writers,
        timebase, settings, writerMetrics(store, StreamKind.CONTROL, from, to));
    StreamWriter data = new StreamWriter(StreamKind.DATA, peer, lanes, null, ledger, drops, writers, timebase,
        settings, writerMetrics(store, StreamKind.DATA, from, to));
    Destination destination = new Destination(peer, lanes, heartbeats, control, data, ledger, policy, metrics);
    peer.addListener(destination);
    return destination;
  }

  private StreamWriter.Metrics writerMetrics(StoreId store, StreamKind kind, String from, String to) {
    String stream = StoreMetrics.lower(kind);
    return new StreamWriter.Metrics(
        metrics.histogram(GrpcMetrics.SENDER_BATCH_BYTES, store, stream),
        metrics.histogram(GrpcMetrics.SENDER_BATCH_MESSAGES, store, stream),
        metrics.timer(GrpcMetrics.SENDER_QUEUE_WAIT, store, stream),
        metrics.counter(GrpcMetrics.SENDER_ZONE_BYTES, from, to),
        kind == StreamKind.DATA ? metrics.counter(GrpcMetrics.SENDER_ZONE_DATA_BYTES, from, to) : null);
  }

  private static String zoneName(@Nullable String zone) {
    return zone == null ? "unknown" : zone;
  }

  private void maintain() {
    long now = timebase.nanoTime();
    policy.upkeep(now);
    for (Destination destination : destinations.values()) {
      try {
        destination.maintain(now);
      } catch (RuntimeException e) {
        log.warn("{}: upkeep of {} failed", settings.localStore(), destination, e);
      }
    }
  }

  /** Reports everything queued or in flight as {@code CLOSED}; closes every stream. */
  @Override
  public void close() {
    closing = true;
    upkeep.cancel();
    beacons.cancel();
    policy.close();
    for (Destination destination : destinations.values()) {
      destination.close();
    }
    writers.shutdown();
    try {
      if (!writers.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("{}: stream writers still busy after close", settings.localStore());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
