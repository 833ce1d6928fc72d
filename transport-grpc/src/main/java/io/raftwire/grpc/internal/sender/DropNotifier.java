package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.Registration;
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
 * GrpcMetrics#SENDER_LISTENER_FAILURES}. Thread-safe.
 */
public final class DropNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DropNotifier.class);

  private final String name;
  private final List<DropListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService executor;
  private final Map<DropReason, Counter> refused;
  private final Map<DropReason, Counter> dropped;
  private final Counter listenerFailures;

  /** A notifier whose thread is named after {@code name}. */
  public DropNotifier(String name, StoreMetrics metrics) {
    this.name = name;
    this.refused = metrics.counters(GrpcMetrics.SENDER_REFUSED, DropReason.class);
    this.dropped = metrics.counters(GrpcMetrics.SENDER_DROPPED, DropReason.class);
    this.listenerFailures = metrics.counter(GrpcMetrics.SENDER_LISTENER_FAILURES);
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
    DroppedMessage report = DroppedMessage.of(envelope, reason, acceptedBySend);
    try {
      executor.execute(() -> notifyAll(report));
    } catch (RejectedExecutionException closed) {
      log.debug("{}: closed, not reporting {}", name, report);
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
}
