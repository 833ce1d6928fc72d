package io.raftwire.grpc.sender;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.admission.credits.CreditController;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of a gRPC transport: one {@link Destination} per peer store, created on first
 * use. Thread-safe.
 *
 * <p>Metrics under {@code <prefix>}: {@code global_charged_bytes}; per destination {@code
 * <store>.<lane>.{queued_bytes,queued_messages,charged_bytes,accepted}}, {@code
 * <store>.{control,data}.{batch_bytes,batch_messages,queue_wait}}, {@code <store>.reconnects},
 * {@code <store>.breaker} (0 unknown, 1 healthy, 2 probing, 3 down); {@code
 * zone_bytes.<from zone>.<to zone>} (serialized bytes written, by the zones of the two stores) and
 * {@code zone_data_bytes.<from zone>.<to zone>} (the part written on DATA streams: APPENDs and
 * snapshot messages); {@code relayed} and {@code relay_dropped.<REASON>} (messages this store
 * relayed as a fan-out agent, and those it could not); zone fan-out under {@code fanout} (see
 * {@link FanOut}); refusals and drops by reason through the {@link DropNotifier}.
 */
public final class Sender implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sender.class);

  private final GrpcTransportConfig config;
  private final Supplier<TransportLimits> limits;
  private final DropNotifier notifier;
  private final CreditController credits;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService writers;
  private final MetricRegistry metrics;
  private final String prefix;
  private final AtomicLong globalChargedBytes = new AtomicLong();
  private final Backoff backoff;
  private final ConcurrentHashMap<StoreId, Destination> destinations = new ConcurrentHashMap<>();
  private final ScheduledFuture<?> upkeep;
  private final Consumer<StoreId> onNewDestination;
  private final BiConsumer<RaftEnvelope, DropReason> relayDrops;
  private final String localZone; // null if this store's locality names no zone
  private final FanOut fanOut; // null when off
  private final Counter relayed;
  private final Map<DropReason, Counter> relayDropped = new EnumMap<>(DropReason.class);
  private volatile boolean closing;

  /**
   * A sender for {@code config.localStore()}.
   *
   * @param limits the limits in force, read on every send
   * @param credits deducted as APPEND entries are written, returned by the receivers' notices
   * @param scheduler runs probes and upkeep; owned by the caller
   * @param onNewDestination told once per destination store, when it is first used
   * @param relayDrops told of every message this store relayed for another store (as a fan-out
   *     agent) that was dropped, so that the writing store hears of it; any thread, must not block
   */
  public Sender(
      GrpcTransportConfig config,
      Supplier<TransportLimits> limits,
      DropNotifier notifier,
      CreditController credits,
      ScheduledExecutorService scheduler,
      String prefix,
      Consumer<StoreId> onNewDestination,
      BiConsumer<RaftEnvelope, DropReason> relayDrops) {
    this.config = config;
    this.relayDrops = relayDrops;
    this.limits = limits;
    this.notifier = notifier;
    this.credits = credits;
    this.onNewDestination = onNewDestination;
    this.scheduler = scheduler;
    this.metrics = config.metricRegistry();
    this.prefix = prefix;
    this.backoff =
        new Backoff(
            config.reconnectInitialBackoffNanos(),
            config.reconnectMaxBackoffNanos(),
            config.reconnectBackoffMultiplier(),
            config.reconnectJitter(),
            () -> ThreadLocalRandom.current().nextDouble());
    AtomicInteger n = new AtomicInteger();
    String threadPrefix = "raftwire-" + config.localStore() + "-writer-";
    this.writers =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, threadPrefix + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    metrics.register(MetricRegistry.name(prefix, "global_charged_bytes"), (Gauge<Long>) globalChargedBytes::get);
    this.relayed = metrics.counter(MetricRegistry.name(prefix, "relayed"));
    for (DropReason reason : DropReason.values()) {
      relayDropped.put(reason, metrics.counter(MetricRegistry.name(prefix, "relay_dropped", reason.name())));
    }
    this.localZone = config.locality().value(config.zoneTier()).orElse(null);
    this.fanOut = config.fanOut() && localZone != null
        ? new FanOut(this, localZone, config.fanOutLingerNanos(), metrics, prefix)
        : null;
    long period =
        Math.max(
            TimeUnit.MILLISECONDS.toNanos(10),
            Math.min(TimeUnit.SECONDS.toNanos(1),
                Math.min(config.helloTimeoutNanos(), config.idleStreamTimeoutNanos()) / 4));
    this.upkeep = scheduler.scheduleWithFixedDelay(this::maintain, period, period, TimeUnit.NANOSECONDS);
  }

  /** Queues {@code envelope}; returns the refusal reason, or null if accepted. Never blocks. */
  public DropReason send(RaftEnvelope envelope) {
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
    Outbound message = new Outbound(envelope, nanoTime());
    if (fanOut != null && fanOut.applies(envelope, destination)) {
      return fanOut.offer(message, destination);
    }
    return destination.offer(message);
  }

  /**
   * As a fan-out agent, queues a message another store wrote for a follower in this store's zone;
   * returns the refusal reason ({@code WRONG_DESTINATION} for a follower of another zone: an agent
   * relays only within its own), or null if accepted. No credits are charged here (the writing
   * store charged them); a later drop goes to {@code relayDrops}. Never blocks.
   */
  public DropReason relay(RaftEnvelope envelope) {
    DropReason refusal;
    if (closing) {
      refusal = DropReason.CLOSED;
    } else if (envelope.sizeBytes() > limits.get().maxMessageBytes()) {
      refusal = DropReason.TOO_LARGE;
    } else {
      Destination destination = destination(envelope.to().store());
      if (destination == null) {
        refusal = DropReason.UNREACHABLE;
      } else if (localZone == null || !localZone.equals(destination.zone)) {
        refusal = DropReason.WRONG_DESTINATION;
      } else {
        refusal = destination.offer(Outbound.relayed(envelope, nanoTime(), reason -> relayDropped(envelope, reason)));
      }
    }
    if (refusal == null) {
      relayed.inc();
    } else {
      relayDropped.get(refusal).inc();
    }
    return refusal;
  }

  private void relayDropped(RaftEnvelope envelope, DropReason reason) {
    relayDropped.get(reason).inc();
    relayDrops.accept(envelope, reason);
  }

  /** The current fan-out agent of {@code zone}, if fan-out is on and one was chosen. */
  public Optional<StoreId> fanOutAgent(String zone) {
    return fanOut == null ? Optional.empty() : fanOut.agent(zone);
  }

  /** True if sends to {@code store} are currently let through. */
  public boolean isReachable(StoreId store) {
    if (closing) {
      return false;
    }
    Destination destination = destination(store);
    return destination != null && destination.allowsTraffic();
  }

  /** {@code destination}'s breaker opened. */
  void destinationDown(Destination destination) {
    if (fanOut != null) {
      fanOut.destinationDown(destination);
    }
  }

  /** The destination of {@code store} if it was used before; null otherwise. */
  Destination existingDestination(StoreId store) {
    return destinations.get(store);
  }

  private Destination destination(StoreId store) {
    Destination existing = destinations.get(store);
    if (existing != null) {
      return existing;
    }
    Optional<InetSocketAddress> address = resolve(store);
    if (address.isEmpty()) {
      return null;
    }
    return destinations.computeIfAbsent(
        store,
        s -> {
          onNewDestination.accept(s);
          return new Destination(this, s, address.get(), metrics, MetricRegistry.name(prefix, s.toString()));
        });
  }

  Optional<InetSocketAddress> resolve(StoreId store) {
    try {
      return config.resolver().resolve(store);
    } catch (RuntimeException e) {
      log.warn("{}: resolver failed for {}", config.localStore(), store, e);
      return Optional.empty();
    }
  }

  private void maintain() {
    long now = nanoTime();
    if (fanOut != null) {
      fanOut.prune(now);
    }
    for (Destination destination : destinations.values()) {
      try {
        destination.maintain(now);
      } catch (RuntimeException e) {
        log.warn("{}: upkeep of {} failed", config.localStore(), destination, e);
      }
    }
  }

  /** Reports everything queued or in flight as {@code CLOSED}; closes every connection. */
  @Override
  public void close() {
    closing = true;
    upkeep.cancel(false);
    if (fanOut != null) {
      fanOut.close();
    }
    for (Destination destination : destinations.values()) {
      destination.close();
    }
    writers.shutdown();
    try {
      writers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  GrpcTransportConfig config() {
    return config;
  }

  io.raftwire.grpc.StoreResolver resolver() {
    return config.resolver();
  }

  /** Counters {@code <prefix>.zone_bytes.<from zone>.<to zone>} count written bytes. */
  String zoneBytesPrefix() {
    return MetricRegistry.name(prefix, "zone_bytes");
  }

  /** Counters {@code <prefix>.zone_data_bytes.<from zone>.<to zone>} count bytes on DATA streams. */
  String zoneDataBytesPrefix() {
    return MetricRegistry.name(prefix, "zone_data_bytes");
  }

  TransportLimits limits() {
    return limits.get();
  }

  DropNotifier notifier() {
    return notifier;
  }

  CreditController credits() {
    return credits;
  }

  /** Deducts the credits of an accepted APPEND with entries from its destination's stream. */
  void deductCredits(Outbound message) {
    List<LogEntry> entries = message.envelope.entries();
    if (!entries.isEmpty() && message.relayDrop == null) {
      RaftEnvelope envelope = message.envelope;
      credits.onAppendAccepted(
          envelope.range(), envelope.to().store(), envelope.priority(),
          entries.get(entries.size() - 1).index(), envelope.sizeBytes());
    }
  }

  /** Every drop of an accepted message passes here: its credits return, the listeners hear. */
  void droppedAfterAccept(Outbound message, DropReason reason) {
    if (message.relayDrop != null) {
      message.relayDrop.accept(reason);
    } else {
      droppedOwn(message.envelope, reason);
    }
  }

  /**
   * A receiver echoed a message it had accepted and then dropped: one of this store's (perhaps
   * relayed by an agent), or one this store relayed for another store.
   */
  void droppedEcho(RaftEnvelope envelope, DropReason reason) {
    if (envelope.from().store().equals(config.localStore())) {
      droppedOwn(envelope, reason);
    } else {
      relayDropped(envelope, reason);
    }
  }

  private void droppedOwn(RaftEnvelope envelope, DropReason reason) {
    List<LogEntry> entries = envelope.entries();
    if (!entries.isEmpty()) {
      credits.onDropped(
          envelope.range(), envelope.to().store(), envelope.priority(),
          entries.get(entries.size() - 1).index(), envelope.sizeBytes());
      if (fanOut != null) {
        fanOut.forget(envelope.range(), envelope.to().store());
      }
    }
    notifier.dropped(envelope, reason, true);
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  ExecutorService writerExecutor() {
    return writers;
  }

  Backoff backoff() {
    return backoff;
  }

  AtomicLong globalChargedBytes() {
    return globalChargedBytes;
  }

  StoreId localStore() {
    return config.localStore();
  }

  boolean isClosing() {
    return closing;
  }

  long nanoTime() {
    return config.nanoClock().getAsLong();
  }
}
