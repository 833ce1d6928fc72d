package io.raftwire.grpc;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.credits.CreditController;
import io.raftwire.admission.credits.CreditStats;
import io.raftwire.admission.io.IoAdmissionController;
import io.raftwire.admission.queue.WorkQueue;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's {@link FlowControl}: credits at the leader, logical admission and IO tokens at the
 * follower, driven by the transport's upkeep thread.
 *
 * <p>Wiring: the sender deducts credits as it accepts APPENDs with entries and returns them from the
 * "admitted" notices on its DATA stream's acks (all at once when that stream ends); {@link
 * #entriesDurable} (called by the library, or by the receiver after delivery unless {@link
 * AdmissionConfig#libraryReportsDurability()}) queues work for IO tokens and, once admitted, hands
 * the notice to the receiver,
 * which piggybacks it on the leader's DATA stream (or sends it within {@link
 * GrpcTransportConfig#noticeFlushNanos()}).
 *
 * <p>Metrics under {@code raftwire.<store>.}: {@code credits.<dest>.{regular_available,
 * elastic_available,deducted_bytes,returned_bytes,waiters}}, {@code credits.{tracked_bytes,
 * unaccounted_bytes,blocked_streams}}, {@code credits.wait.<priority>} (proposal admission wait),
 * {@code io.{tokens_per_interval,available_bytes,elastic_available_bytes}}, {@code
 * io.granted_bytes.<priority>}, {@code io.queue_length.<priority>}, {@code
 * io.admission_delay.<priority>} (logical admission delay).
 */
final class GrpcFlowControl implements FlowControl {
  private static final Logger log = LoggerFactory.getLogger(GrpcFlowControl.class);

  /** Where admitted notices go: the receiver, towards the leader's store. */
  interface NoticeSink {
    void admitted(StoreId leader, RangeId range, Priority priority, long upToIndex);
  }

  private final StoreId store;
  private final AdmissionConfig config;
  private final LongSupplier clock;
  private final CreditController credits;
  private final IoAdmissionController io;
  private final WorkQueue queue;
  private final NoticeSink notices;
  private final ScheduledExecutorService scheduler;
  private final ScheduledFuture<?> recompute;
  private volatile ScheduledFuture<?> tick;
  private volatile boolean closed;

  GrpcFlowControl(
      GrpcTransportConfig transportConfig,
      NoticeSink notices,
      ScheduledExecutorService scheduler,
      MetricRegistry metrics,
      String prefix) {
    this.store = transportConfig.localStore();
    this.config = transportConfig.admission();
    this.clock = transportConfig.nanoClock();
    this.notices = notices;
    this.scheduler = scheduler;
    Map<Priority, Timer> waits = timers(metrics, MetricRegistry.name(prefix, "credits", "wait"));
    Map<Priority, Timer> delays = timers(metrics, MetricRegistry.name(prefix, "io", "admission_delay"));
    this.credits = new CreditController(config, clock, (p, nanos) -> waits.get(p).update(nanos, TimeUnit.NANOSECONDS));
    this.io = new IoAdmissionController(config, clock.getAsLong());
    this.queue = new WorkQueue(clock, (p, nanos) -> delays.get(p).update(nanos, TimeUnit.NANOSECONDS));
    registerMetrics(metrics, prefix);
    this.recompute =
        scheduler.scheduleAtFixedRate(
            this::recompute, 0, config.ioIntervalNanos(), TimeUnit.NANOSECONDS);
    scheduleTick();
  }

  private static Map<Priority, Timer> timers(MetricRegistry metrics, String prefix) {
    Map<Priority, Timer> timers = new EnumMap<>(Priority.class);
    for (Priority p : Priority.values()) {
      timers.put(p, metrics.timer(MetricRegistry.name(prefix, p.name().toLowerCase(Locale.ROOT))));
    }
    return timers;
  }

  private void registerMetrics(MetricRegistry metrics, String prefix) {
    String c = MetricRegistry.name(prefix, "credits");
    metrics.register(MetricRegistry.name(c, "tracked_bytes"), (Gauge<Long>) credits::trackedBytes);
    metrics.register(MetricRegistry.name(c, "unaccounted_bytes"), (Gauge<Long>) credits::unaccountedBytes);
    metrics.register(
        MetricRegistry.name(c, "blocked_streams"),
        (Gauge<Long>) () -> credits.stats().stream().filter(CreditStats::blocked).count());
    String i = MetricRegistry.name(prefix, "io");
    metrics.register(MetricRegistry.name(i, "tokens_per_interval"), (Gauge<Long>) io::tokensPerInterval);
    metrics.register(MetricRegistry.name(i, "available_bytes"), (Gauge<Long>) io::availableBytes);
    metrics.register(MetricRegistry.name(i, "elastic_available_bytes"), (Gauge<Long>) io::elasticAvailableBytes);
    for (Priority p : Priority.values()) {
      String name = p.name().toLowerCase(Locale.ROOT);
      metrics.register(MetricRegistry.name(i, "granted_bytes", name), (Gauge<Long>) () -> io.grantedBytes(p));
      metrics.register(MetricRegistry.name(i, "queue_length", name), (Gauge<Integer>) () -> queue.length(p));
    }
  }

  /** Registers the credit gauges of one destination stream. */
  void registerStream(MetricRegistry metrics, String prefix, StoreId destination) {
    String c = MetricRegistry.name(prefix, "credits", destination.toString());
    metrics.register(MetricRegistry.name(c, "regular_available"),
        (Gauge<Long>) () -> credits.stats(destination).regularAvailable());
    metrics.register(MetricRegistry.name(c, "elastic_available"),
        (Gauge<Long>) () -> credits.stats(destination).elasticAvailable());
    metrics.register(MetricRegistry.name(c, "deducted_bytes"),
        (Gauge<Long>) () -> credits.stats(destination).deductedBytes());
    metrics.register(MetricRegistry.name(c, "returned_bytes"),
        (Gauge<Long>) () -> credits.stats(destination).returnedBytes());
    metrics.register(MetricRegistry.name(c, "waiters"), (Gauge<Integer>) () -> credits.stats(destination).waiters());
  }

  CreditController credits() {
    return credits;
  }

  @Override
  public CompletableFuture<Void> admitProposal(
      RangeId range, Collection<StoreId> followers, Priority priority, long bytes) {
    Objects.requireNonNull(followers, "followers");
    return credits.admitProposal(range, followers, priority, bytes);
  }

  @Override
  public void entriesDurable(DurableEntries entries) {
    Objects.requireNonNull(entries, "entries");
    if (queue.tryAdmitNow(entries.priority(), entries.bytes(), io)) {
      notices.admitted(entries.leaderStore(), entries.range(), entries.priority(), entries.lastIndex());
      return;
    }
    queue
        .submit(entries.range(), entries.priority(), entries.bytes())
        .thenRun(() -> notices.admitted(entries.leaderStore(), entries.range(), entries.priority(), entries.lastIndex()));
    admitQueued();
  }

  /**
   * The receiver delivered a batch of APPENDs with entries. Unless the library reports durability
   * itself, their entries are queued for logical admission now, one item per run of envelopes from
   * the same leader at the same priority.
   */
  void delivered(RangeId range, List<RaftEnvelope> appends) {
    if (config.libraryReportsDurability()) {
      return;
    }
    int i = 0;
    while (i < appends.size()) {
      RaftEnvelope first = appends.get(i);
      long bytes = 0;
      RaftEnvelope last = first;
      int j = i;
      while (j < appends.size()
          && appends.get(j).from().store().equals(first.from().store())
          && appends.get(j).priority() == first.priority()) {
        last = appends.get(j);
        bytes += last.sizeBytes();
        j++;
      }
      entriesDurable(
          DurableEntries.of(
              range, first.from().store(), first.priority(), first.entries().get(0).index(),
              Math.max(first.entries().get(0).index(), lastIndex(last)), bytes));
      i = j;
    }
  }

  private static long lastIndex(RaftEnvelope envelope) {
    List<LogEntry> entries = envelope.entries();
    return entries.get(entries.size() - 1).index();
  }

  @Override
  public CompletableFuture<Void> admitElasticWork(RangeId range, long bytes) {
    Objects.requireNonNull(range, "range");
    CompletableFuture<Void> admitted = queue.submit(range, Priority.ELASTIC, bytes);
    admitQueued();
    return admitted;
  }

  @Override
  public void recordDiskWrite(long bytes, long latencyNanos) {
    config.storeHealth().recordWrite(bytes, latencyNanos);
  }

  @Override
  public void leadershipLost(RangeId range) {
    credits.onLeadershipLost(Objects.requireNonNull(range, "range"));
  }

  @Override
  public void replicaRemoved(RangeId range, StoreId store) {
    credits.onReplicaRemoved(Objects.requireNonNull(range, "range"), Objects.requireNonNull(store, "store"));
  }

  private void admitQueued() {
    try {
      queue.admit(io);
    } catch (RuntimeException e) {
      log.error("{}: admission failed", store, e);
    }
  }

  private void recompute() {
    try {
      io.recompute(clock.getAsLong());
    } catch (RuntimeException e) {
      log.warn("{}: storage health signal failed; keeping the previous IO tokens", store, e);
    }
  }

  private void scheduleTick() {
    if (!closed) {
      tick = scheduler.schedule(this::tick, io.tickNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void tick() {
    try {
      io.tick(clock.getAsLong());
      admitQueued();
    } finally {
      scheduleTick();
    }
  }

  /** Returns every credit, fails waiting proposals and queued work, stops ticking. */
  void close() {
    closed = true;
    recompute.cancel(false);
    ScheduledFuture<?> t = tick;
    if (t != null) {
      t.cancel(false);
    }
    credits.close();
    queue.close();
  }
}
