package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.Registration;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every message that will not be delivered and tells the drop listeners, one at a time, on
 * its own thread (never inside {@code send}). Metrics: {@link GrpcMetrics#SENDER_REFUSED} for
 * refusals by {@code send}, {@link GrpcMetrics#SENDER_DROPPED} for drops after acceptance, {@link
 * GrpcMetrics#SENDER_LISTENER_FAILURES}.
 *
 * <p><b>Bounded and aggregated.</b> Notices wait for the listeners in one queue within a byte
 * budget, and one run of the notification thread delivers everything queued (the executor never
 * holds more than one task). Within the budget every drop is its own notice, as {@link
 * DropListener} promises: charged {@link DroppedMessage#SUMMARY_BYTES}, plus its message's size if
 * it keeps the message, which it does only while the queued notices take at most half the budget
 * (so that a burst of large drops cannot crowd out the notices of the small ones); past that it
 * carries the message's summary only ({@link GrpcMetrics#SENDER_DROP_NOTICES_SUMMARIZED}). Once
 * the budget is full, a drop whose (range, destination replica, traffic class, reason, accepted by
 * send) has a notice still waiting is folded into it ({@link
 * GrpcMetrics#SENDER_DROP_NOTICES_COALESCED}): that notice reports the fact for both, at no cost
 * but a lookup, so a flood of refusals of busy ranges is reported per range, not lost; a drop with
 * no waiting notice of its own key is counted ({@link GrpcMetrics#SENDER_DROP_NOTICES_OVERFLOW})
 * and not delivered, and one WARN line says how many, at the first and then at most once per
 * {@link #LOG_INTERVAL_NANOS}. Nothing is lost silently. Thread-safe.
 */
public final class DropNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DropNotifier.class);

  /** Least time between two lines about notices lost to a full budget. */
  static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  private static final long NEVER = Long.MIN_VALUE;

  private final String name;
  private final long budgetBytes;
  private final List<DropListener> listeners = new CopyOnWriteArrayList<>();
  private final @Nullable ExecutorService ownExecutor;
  private final Executor executor;
  private final LongSupplier nanoClock;
  private final Map<DropReason, Counter> refused;
  private final Map<DropReason, Counter> dropped;
  private final Counter listenerFailures;
  private final Counter summarized;
  private final Counter coalesced;
  private final Counter overflow;
  private final Object lock = new Object();
  // @GuardedBy("lock")
  private final ArrayDeque<Notice> queue = new ArrayDeque<>();
  // @GuardedBy("lock"): the queued notices by key, for folding; at most one per key
  private final HashMap<Key, Notice> waiting = new HashMap<>();
  // @GuardedBy("lock")
  private long queuedBytes;
  // @GuardedBy("lock"): a drain task is scheduled or running
  private boolean draining;
  // @GuardedBy("lock"): notices lost to a full budget since the last line about them
  private long overflowSinceLine;
  // @GuardedBy("lock")
  private long lastOverflowLineNanos = NEVER;
  // @GuardedBy("lock"): lines written about lost notices, for tests
  private long overflowLines;

  /**
   * A notifier whose thread is named after {@code name}, holding waiting notices within {@code
   * budgetBytes} (at least {@link DroppedMessage#SUMMARY_BYTES}).
   *
   * @param name names the notification thread and the log lines
   * @param metrics where the counters are registered
   * @param budgetBytes bytes the waiting notices may be charged
   * @param nanoClock the clock that spaces the log lines about lost notices
   */
  public DropNotifier(String name, StoreMetrics metrics, long budgetBytes, LongSupplier nanoClock) {
    this(name, metrics, budgetBytes, nanoClock, null);
  }

  /** As above, but notifying on {@code executor} (a test's), or on a thread of its own if null. */
  DropNotifier(String name, StoreMetrics metrics, long budgetBytes, LongSupplier nanoClock,
      @Nullable Executor executor) {
    if (budgetBytes < DroppedMessage.SUMMARY_BYTES) {
      throw new IllegalArgumentException("budgetBytes must be >= " + DroppedMessage.SUMMARY_BYTES + ", was " + budgetBytes);
    }
    this.name = name;
    this.budgetBytes = budgetBytes;
    this.nanoClock = nanoClock;
    this.refused = metrics.counters(GrpcMetrics.SENDER_REFUSED, DropReason.class);
    this.dropped = metrics.counters(GrpcMetrics.SENDER_DROPPED, DropReason.class);
    this.listenerFailures = metrics.counter(GrpcMetrics.SENDER_LISTENER_FAILURES);
    this.summarized = metrics.counter(GrpcMetrics.SENDER_DROP_NOTICES_SUMMARIZED);
    this.coalesced = metrics.counter(GrpcMetrics.SENDER_DROP_NOTICES_COALESCED);
    this.overflow = metrics.counter(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW);
    metrics.gauge(GrpcMetrics.SENDER_DROP_NOTICES_QUEUED_BYTES, this::queuedBytes);
    metrics.gauge(GrpcMetrics.SENDER_DROP_NOTICES_LIMIT_BYTES, () -> this.budgetBytes);
    if (executor != null) {
      this.ownExecutor = null;
      this.executor = executor;
    } else {
      this.ownExecutor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, name + "-drops");
                t.setDaemon(true);
                return t;
              });
      this.executor = ownExecutor;
    }
  }

  /** Adds a listener; closing the registration removes it. */
  public Registration add(DropListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Counts and reports one message that will not be delivered. Never blocks, never throws. */
  public void dropped(RaftEnvelope envelope, DropReason reason, boolean acceptedBySend) {
    (acceptedBySend ? dropped : refused).get(reason).inc();
    if (listeners.isEmpty()) {
      return;
    }
    boolean schedule;
    long lostToLog = 0;
    synchronized (lock) {
      Key key = new Key(envelope.range(), envelope.to(), envelope.trafficClass(), reason, acceptedBySend);
      long whole = DroppedMessage.SUMMARY_BYTES + envelope.sizeBytes();
      Notice notice;
      if (queuedBytes + whole <= budgetBytes / 2) {
        notice = new Notice(key, DroppedMessage.of(envelope, reason, acceptedBySend), whole);
      } else if (queuedBytes + DroppedMessage.SUMMARY_BYTES <= budgetBytes) {
        notice = new Notice(key, DroppedMessage.summaryOf(envelope, reason, acceptedBySend), DroppedMessage.SUMMARY_BYTES);
        summarized.inc();
      } else if (waiting.containsKey(key)) {
        coalesced.inc();
        return; // full, but a waiting notice of the same range and reason reports this drop too
      } else {
        overflow.inc();
        overflowSinceLine++;
        long now = nanoClock.getAsLong();
        if (lastOverflowLineNanos == NEVER || now - lastOverflowLineNanos >= LOG_INTERVAL_NANOS) {
          lastOverflowLineNanos = now;
          overflowLines++;
          lostToLog = overflowSinceLine;
          overflowSinceLine = 0;
        }
        if (lostToLog == 0) {
          return;
        }
        notice = null;
      }
      if (notice != null) {
        queue.addLast(notice);
        waiting.putIfAbsent(key, notice); // the oldest waiting notice of its key stands for later ones
        queuedBytes += notice.chargedBytes;
      }
      schedule = notice != null && !draining;
      if (schedule) {
        draining = true;
      }
    }
    if (lostToLog > 0) {
      log.warn("{}: {} drop notices not delivered since the last report: the notice budget ({} bytes) is full, "
          + "the drop listeners are behind (counted in sender.drop_notices.overflow; every range with a notice "
          + "waiting still hears of its later drops through it)", name, lostToLog, budgetBytes);
      return;
    }
    if (schedule) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException closed) {
        synchronized (lock) {
          draining = false;
          queue.clear();
          waiting.clear();
          queuedBytes = 0;
        }
        log.debug("{}: closed, not reporting {} {}", name, reason, envelope);
      }
    }
  }

  /** {@return the bytes charged by the notices waiting for the listeners} */
  long queuedBytes() {
    synchronized (lock) {
      return queuedBytes;
    }
  }

  /** {@return the lines written so far about notices lost to a full budget} */
  long overflowLines() {
    synchronized (lock) {
      return overflowLines;
    }
  }

  /** Delivers every queued notice, in order, then ends; one run per burst of drops. */
  private void drain() {
    while (true) {
      Notice notice;
      synchronized (lock) {
        notice = queue.pollFirst();
        if (notice == null) {
          draining = false;
          return;
        }
        waiting.remove(notice.key, notice); // being delivered: later drops of its key need a notice of their own
      }
      notifyAll(notice.report);
      synchronized (lock) {
        queuedBytes -= notice.chargedBytes;
      }
    }
  }

  private void notifyAll(DroppedMessage report) {
    for (DropListener listener : listeners) {
      try {
        listener.onDropped(report);
      } catch (RuntimeException e) {
        listenerFailures.inc();
        log.warn("{}: drop listener failed on {}", name, report, e);
      }
    }
  }

  /** Delivers the reports already decided, then stops; waits at most {@code timeoutNanos}. */
  public void close(long timeoutNanos) {
    if (ownExecutor != null) {
      ownExecutor.shutdown();
      try {
        if (!ownExecutor.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
          log.warn("{}: drop listeners still busy at close", name);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    listeners.clear();
  }

  @Override
  public void close() {
    close(TimeUnit.SECONDS.toNanos(5));
  }

  /** What drops are folded by: the same range, replica, class, reason and acceptance. */
  private record Key(RangeId range, ReplicaAddress to, TrafficClass trafficClass, DropReason reason,
      boolean acceptedBySend) {}

  /** A report waiting for the listeners, its key and what it is charged in the budget. */
  private static final class Notice {
    final Key key;
    final DroppedMessage report;
    final long chargedBytes;

    Notice(Key key, DroppedMessage report, long chargedBytes) {
      this.key = key;
      this.report = report;
      this.chargedBytes = chargedBytes;
    }
  }
}
