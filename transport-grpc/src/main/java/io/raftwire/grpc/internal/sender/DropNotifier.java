package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.Registration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every message that will not be delivered and tells the drop listeners, one at a time, on
 * its own thread (never inside {@code send}). Metrics: {@link GrpcMetrics#SENDER_REFUSED} for
 * refusals by {@code send}, {@link GrpcMetrics#SENDER_DROPPED} for drops after acceptance, {@link
 * GrpcMetrics#SENDER_LISTENER_FAILURES}.
 *
 * <p><b>Bounded:</b> notices wait for slow listeners within a byte budget. A notice is charged
 * {@link DroppedMessage#SUMMARY_BYTES}, plus its message's size if it keeps the message, which it
 * does only while the queued notices take at most half the budget (so that a burst of large drops
 * cannot crowd out the notices of the small ones); past that it carries the message's summary only
 * ({@link GrpcMetrics#SENDER_DROP_NOTICES_SUMMARIZED}); once the budget is full, the notice is
 * counted ({@link GrpcMetrics#SENDER_DROP_NOTICES_OVERFLOW}) and not delivered. Thread-safe.
 */
public final class DropNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DropNotifier.class);

  private final String name;
  private final long budgetBytes;
  private final List<DropListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService executor;
  private final Map<DropReason, Counter> refused;
  private final Map<DropReason, Counter> dropped;
  private final Counter listenerFailures;
  private final Counter summarized;
  private final Counter overflow;
  private final Object lock = new Object();
  // @GuardedBy("lock")
  private final ArrayDeque<Notice> queue = new ArrayDeque<>();
  // @GuardedBy("lock")
  private long queuedBytes;
  // @GuardedBy("lock"): a drain task is scheduled or running
  private boolean draining;

  /**
   * A notifier whose thread is named after {@code name}, holding waiting notices within {@code
   * budgetBytes} (at least {@link DroppedMessage#SUMMARY_BYTES}).
   */
  public DropNotifier(String name, StoreMetrics metrics, long budgetBytes) {
    if (budgetBytes < DroppedMessage.SUMMARY_BYTES) {
      throw new IllegalArgumentException("budgetBytes must be >= " + DroppedMessage.SUMMARY_BYTES + ", was " + budgetBytes);
    }
    this.name = name;
    this.budgetBytes = budgetBytes;
    this.refused = metrics.counters(GrpcMetrics.SENDER_REFUSED, DropReason.class);
    this.dropped = metrics.counters(GrpcMetrics.SENDER_DROPPED, DropReason.class);
    this.listenerFailures = metrics.counter(GrpcMetrics.SENDER_LISTENER_FAILURES);
    this.summarized = metrics.counter(GrpcMetrics.SENDER_DROP_NOTICES_SUMMARIZED);
    this.overflow = metrics.counter(GrpcMetrics.SENDER_DROP_NOTICES_OVERFLOW);
    metrics.gauge(GrpcMetrics.SENDER_DROP_NOTICES_QUEUED_BYTES, this::queuedBytes);
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, name + "-drops");
              t.setDaemon(true);
              return t;
            });
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
    synchronized (lock) {
      long whole = DroppedMessage.SUMMARY_BYTES + envelope.sizeBytes();
      Notice notice;
      if (queuedBytes + whole <= budgetBytes / 2) {
        notice = new Notice(DroppedMessage.of(envelope, reason, acceptedBySend), whole);
      } else if (queuedBytes + DroppedMessage.SUMMARY_BYTES <= budgetBytes) {
        notice = new Notice(DroppedMessage.summaryOf(envelope, reason, acceptedBySend), DroppedMessage.SUMMARY_BYTES);
        summarized.inc();
      } else {
        overflow.inc();
        return;
      }
      queue.addLast(notice);
      queuedBytes += notice.chargedBytes;
      schedule = !draining;
      draining = true;
    }
    if (schedule) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException closed) {
        synchronized (lock) {
          draining = false;
          queue.clear();
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

  private void drain() {
    while (true) {
      Notice notice;
      synchronized (lock) {
        notice = queue.peekFirst();
        if (notice == null) {
          draining = false;
          return;
        }
      }
      notifyAll(notice.report);
      synchronized (lock) {
        queue.pollFirst();
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
    executor.shutdown();
    try {
      if (!executor.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
        log.warn("{}: drop listeners still busy at close", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    listeners.clear();
  }

  @Override
  public void close() {
    close(TimeUnit.SECONDS.toNanos(5));
  }

  /** A report waiting for the listeners and what it is charged in the budget. */
  private static final class Notice {
    final DroppedMessage report;
    final long chargedBytes;

    Notice(DroppedMessage report, long chargedBytes) {
      this.report = report;
      this.chargedBytes = chargedBytes;
    }
  }
}
