package io.raftwire.grpc.internal.flow;

import com.codahale.metrics.Timer;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.credits.CreditController;
import io.raftwire.admission.CreditWindows;
import io.raftwire.admission.credits.CreditStats;
import io.raftwire.admission.credits.CreditWindowTuner;
import io.raftwire.admission.io.IoAdmissionController;
import io.raftwire.admission.queue.WorkQueue;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.receiver.DeliveredAppends;
import io.raftwire.grpc.internal.sender.CreditLedger;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's {@link FlowControl}: credits at the leader, logical admission and IO tokens at the
 * follower, ticked by the transport's timebase.
 *
 * <p>Wiring: the sender deducts credits as it accepts APPENDs with entries and returns them from
 * the "admitted" notices on its DATA stream's acks, by drops, and all at once when that stream ends
 * (it is this store's {@link CreditLedger}). {@link #entriesDurable} (called by the library, or on
 * delivery unless {@link AdmissionConfig#libraryReportsDurability()}: this is the receiver's {@link
 * DeliveredAppends}) queues work for IO tokens and, once admitted, hands the notice to the {@link
 * Notices} sink, which piggybacks it on the leader's DATA stream.
 *
 * <p>Metrics: the {@code credits.*} and {@code io.*} names of {@link GrpcMetrics}.
 */
public final class FlowController implements FlowControl, CreditLedger, DeliveredAppends {
  private static final Logger log = LoggerFactory.getLogger(FlowController.class);

  /** Where admitted notices go: towards the leader's store. Any thread; must not block. */
  @FunctionalInterface
  public interface Notices {
    void admitted(StoreId leader, RangeId range, Priority priority, long upToIndex);
  }

  private final StoreId store;
  private final AdmissionConfig config;
  private final Timebase timebase;
  private final CreditController credits;
  private final IoAdmissionController io;
  private final WorkQueue queue;
  private final Notices notices;
  private final StoreMetrics metrics;
  private final Timebase.Cancellable recompute;
  private final @Nullable CreditWindowTuner tuner;
  private final Timebase.@Nullable Cancellable tuning;
  private final Object ticks = new Object();
  private Timebase.@Nullable Cancellable tick; // @GuardedBy("ticks")
  private long tickDueNanos; // @GuardedBy("ticks")
  private long tickGeneration; // @GuardedBy("ticks"): a replaced tick task does nothing
  private volatile boolean closed;

  public FlowController(StoreId store, AdmissionConfig config, Notices notices, Timebase timebase,
      StoreMetrics metrics) {
    this.store = store;
    this.config = config;
    this.timebase = timebase;
    this.notices = notices;
    this.metrics = metrics;
    Map<Priority, Timer> waits = timers(GrpcMetrics.CREDITS_WAIT);
    Map<Priority, Timer> delays = timers(GrpcMetrics.IO_ADMISSION_DELAY);
    this.credits = new CreditController(config, timebase::nanoTime,
        (p, nanos) -> waits.get(p).update(nanos, TimeUnit.NANOSECONDS));
    this.io = new IoAdmissionController(config, timebase.nanoTime());
    this.queue = new WorkQueue(timebase::nanoTime, (p, nanos) -> delays.get(p).update(nanos, TimeUnit.NANOSECONDS));
    this.tuner = config.creditAutoTuning()
        .map(t -> new CreditWindowTuner(credits, t, timebase.nanoTime())).orElse(null);
    registerMetrics();
    this.recompute = timebase.scheduleWithFixedDelay(this::recompute, 0, config.ioIntervalNanos());
    this.tuning = config.creditAutoTuning()
        .map(t -> timebase.scheduleWithFixedDelay(this::tuneWindows, t.intervalNanos(), t.intervalNanos()))
        .orElse(null);
    scheduleTick();
  }

  private Map<Priority, Timer> timers(io.raftwire.grpc.MetricName name) {
    Map<Priority, Timer> timers = new EnumMap<>(Priority.class);
    for (Priority p : Priority.values()) {
      timers.put(p, metrics.timer(name, StoreMetrics.lower(p)));
    }
    return timers;
  }

  private void registerMetrics() {
    metrics.gauge(GrpcMetrics.CREDITS_TRACKED_BYTES, credits::trackedBytes);
    metrics.gauge(GrpcMetrics.CREDITS_UNACCOUNTED_BYTES, credits::unaccountedBytes);
    metrics.gauge(GrpcMetrics.CREDITS_BLOCKED_STREAMS,
        () -> credits.stats().stream().filter(CreditStats::blocked).count());
    metrics.gauge(GrpcMetrics.IO_DEBT_BYTES, io::debtBytes);
    for (Priority p : Priority.values()) {
      String name = StoreMetrics.lower(p);
      metrics.gauge(GrpcMetrics.IO_TOKENS_PER_INTERVAL, () -> io.tokensPerInterval(p), name);
      metrics.gauge(GrpcMetrics.IO_AVAILABLE_BYTES, () -> io.availableBytes(p), name);
      metrics.gauge(GrpcMetrics.IO_GRANTED_BYTES, () -> io.grantedBytes(p), name);
      metrics.gauge(GrpcMetrics.IO_QUEUE_LENGTH, () -> queue.length(p), name);
    }
  }

  // ---------------------------------------------------------------- the sender's ledger

  @Override
  public void destinationAdded(StoreId destination) {
    metrics.gauge(GrpcMetrics.CREDITS_REGULAR_AVAILABLE, () -> credits.stats(destination).regularAvailable(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_ELASTIC_AVAILABLE, () -> credits.stats(destination).elasticAvailable(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_REGULAR_LIMIT_BYTES, () -> credits.stats(destination).regularLimit(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_ELASTIC_LIMIT_BYTES, () -> credits.stats(destination).elasticLimit(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_DEDUCTED_BYTES, () -> credits.stats(destination).deductedBytes(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_RETURNED_BYTES, () -> credits.stats(destination).returnedBytes(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_WAITERS, () -> credits.stats(destination).waiters(), destination);
    metrics.gauge(GrpcMetrics.CREDITS_ROUND_TRIP_NANOS, () -> tuner == null ? 0L : tuner.roundTripNanos(destination),
        destination);
    metrics.gauge(GrpcMetrics.CREDITS_WINDOW_SCALE, () -> tuner == null ? 1.0 : tuner.scale(destination), destination);
  }

  @Override
  public void roundTrip(StoreId destination, long nanos) {
    if (tuner != null) {
      tuner.roundTrip(destination, nanos);
    }
  }

  /** {@return the windows every stream is given (auto-tuning scales from them)} */
  public CreditWindows creditWindows() {
    return credits.windows();
  }

  /**
   * Gives every stream {@code windows} now; see {@link CreditController#updateWindows}.
   *
   * @param windows the new windows
   */
  public void updateCreditWindows(CreditWindows windows) {
    CreditWindows old = credits.windows();
    credits.updateWindows(windows);
    log.info("{}: credit windows {} -> {}", store, old, windows);
  }

  private void tuneWindows() {
    if (tuner == null || closed) {
      return;
    }
    try {
      tuner.tune(timebase.nanoTime());
    } catch (RuntimeException e) {
      log.warn("{}: credit window tuning failed; keeping the windows", store, e);
    }
  }

  @Override
  public void deducted(RaftEnvelope append) {
    credits.onAppendAccepted(append.range(), append.to().store(), append.priority(), lastIndex(append),
        append.sizeBytes());
  }

  @Override
  public void returned(RaftEnvelope append) {
    credits.onDropped(append.range(), append.to().store(), append.priority(), lastIndex(append), append.sizeBytes());
  }

  @Override
  public void admitted(RangeId range, StoreId destination, Priority priority, long upToIndex) {
    credits.onAdmitted(range, destination, priority, upToIndex);
  }

  @Override
  public void disconnected(StoreId destination) {
    credits.onDisconnect(destination);
  }

  @Override
  public boolean hasOutstanding(StoreId destination) {
    return credits.hasOutstanding(destination);
  }

  private static long lastIndex(RaftEnvelope envelope) {
    List<LogEntry> entries = envelope.entries();
    return entries.get(entries.size() - 1).index();
  }

  // ---------------------------------------------------------------- the library's flow control

  @Override
  public CompletableFuture<Void> admitProposal(
      RangeId range, Collection<StoreId> followers, Priority priority, long bytes) {
    Objects.requireNonNull(followers, "followers");
    return credits.admitProposal(range, followers, priority, bytes);
  }

  @Override
  public void entriesDurable(DurableEntries entries) {
    Objects.requireNonNull(entries, "entries");
    io.tick(timebase.nanoTime()); // tokens follow elapsed time, not the timer's ticks
    if (queue.tryAdmitNow(entries.priority(), entries.bytes(), io)) {
      notify(entries);
      return;
    }
    CompletableFuture<Void> admitted = queue.submit(entries.range(), entries.priority(), entries.bytes());
    var unused = admitted.thenRun(() -> notify(entries));
    admitQueued();
  }

  private void notify(DurableEntries entries) {
    notices.admitted(entries.leaderStore(), entries.range(), entries.priority(), entries.lastIndex());
  }

  /**
   * The receiver delivered a batch of APPENDs with entries. Unless the library reports durability
   * itself, their entries are queued for logical admission now, one item per run of envelopes from
   * the same leader at the same priority.
   */
  @Override
  public void delivered(RangeId range, List<RaftEnvelope> appends) {
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
      long firstIndex = first.entries().get(0).index();
      entriesDurable(DurableEntries.of(range, first.from().store(), first.priority(), firstIndex,
          Math.max(firstIndex, lastIndex(last)), bytes));
      i = j;
    }
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
  public void replicaRemoved(RangeId range, StoreId follower) {
    credits.onReplicaRemoved(Objects.requireNonNull(range, "range"), Objects.requireNonNull(follower, "store"));
  }

  /** Bytes deducted and waiting for the followers' admission notices. */
  public long trackedBytes() {
    return credits.trackedBytes();
  }

  /** Credits missing from the streams and not explained by tracked deductions: 0 unless leaking. */
  public long unaccountedBytes() {
    return credits.unaccountedBytes();
  }

  private void admitQueued() {
    try {
      io.tick(timebase.nanoTime());
      queue.admit(io);
    } catch (RuntimeException e) {
      log.error("{}: admission failed", store, e);
    }
    if (waiting()) {
      wake();
    }
  }

  private boolean waiting() {
    return queue.length(Priority.REGULAR) > 0 || queue.length(Priority.ELASTIC) > 0;
  }

  /** Work waits: bring the next tick forward to the loaded tick if it is further away. */
  private void wake() {
    synchronized (ticks) {
      long delay = io.tickNanos();
      if (!closed && tickDueNanos - timebase.nanoTime() > delay) {
        Timebase.Cancellable t = tick;
        if (t != null) {
          t.cancel();
        }
        scheduleTick(delay);
      }
    }
  }

  private void recompute() {
    try {
      io.recompute(timebase.nanoTime());
    } catch (RuntimeException e) {
      log.warn("{}: storage health signal failed; keeping the previous IO tokens", store, e);
    }
  }

  /**
   * Ticks often (the loaded tick) only while work waits for constrained tokens; otherwise at the
   * normal tick, since tokens accrue by elapsed time whenever work arrives.
   */
  private void scheduleTick() {
    synchronized (ticks) {
      scheduleTick(waiting() ? io.tickNanos() : config.ioTickNanos());
    }
  }

  // @GuardedBy("ticks")
  private void scheduleTick(long delayNanos) {
    if (!closed) {
      long generation = ++tickGeneration;
      tickDueNanos = timebase.nanoTime() + delayNanos;
      tick = timebase.schedule(() -> tick(generation), delayNanos);
    }
  }

  private void tick(long generation) {
    synchronized (ticks) {
      if (generation != tickGeneration) {
        return; // replaced by an earlier wake-up
      }
    }
    try {
      io.tick(timebase.nanoTime());
      queue.admit(io);
    } catch (RuntimeException e) {
      log.error("{}: admission failed", store, e);
    } finally {
      scheduleTick();
    }
  }

  /** Returns every credit, fails waiting proposals and queued work, stops ticking. */
  public void close() {
    closed = true;
    recompute.cancel();
    if (tuning != null) {
      tuning.cancel();
    }
    synchronized (ticks) {
      Timebase.Cancellable t = tick;
      if (t != null) {
        t.cancel();
      }
    }
    credits.close();
    queue.close();
  }
}
