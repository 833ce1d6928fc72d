package io.raftwire.grpc.internal.heartbeat;

import com.codahale.metrics.Counter;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.receiver.HeartbeatIntake;
import io.raftwire.grpc.internal.sender.HeartbeatReports;
import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.message.Heartbeat;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.Registration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one heartbeat handler and the queue in front of it: arriving heartbeat messages
 * (under the receive budget) and this store's undelivered reports (under a notice budget of their
 * own) wait here, in arrival order, and one thread hands them over, so the handler is never called
 * concurrently. At most one drain task is ever queued on that thread.
 *
 * <p>Thread-safe: queue and handler state under this object's monitor, never held during a call.
 */
final class HeartbeatInbox implements HeartbeatIntake, HeartbeatReports {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatInbox.class);
  /** Budget of undelivered reports waiting for the handler (their heartbeats' sizes). */
  static final long NOTICE_BUDGET_BYTES = 4L * 1024 * 1024;

  /** One hand-over: arrived heartbeats ({@code reason} null) or undelivered ones. */
  private record Task(StoreId store, List<Heartbeat> heartbeats, @Nullable DropReason reason, long bytes) {}

  private final StoreId local;
  private final Liveness liveness;
  private final ByteBudget received;
  private final ByteBudget notices;
  private final ProblemLog problems;
  private final ExecutorService thread;
  private final Counter delivered;
  private final Counter deliveries;
  private final Counter failures;
  private final Counter discarded;
  private final Counter undelivered;
  private final Counter unreported;

  @GuardedBy("this")
  private final ArrayDeque<Task> tasks = new ArrayDeque<>();

  @GuardedBy("this")
  private boolean draining;

  @GuardedBy("this")
  private @Nullable HeartbeatHandler handler;

  /** The thread calling the handler now, or null. */
  @GuardedBy("this")
  private @Nullable Thread calling;

  @GuardedBy("this")
  private boolean closed;

  HeartbeatInbox(StoreId local, Liveness liveness, long receiveBytes, ProblemLog problems, StoreMetrics metrics) {
    this.local = local;
    this.liveness = liveness;
    this.received = ByteBudget.root("receiver.heartbeats", () -> receiveBytes);
    this.notices = ByteBudget.root("sender.heartbeats.notices", () -> NOTICE_BUDGET_BYTES);
    this.problems = problems;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "raftwire-" + local + "-heartbeats");
      t.setDaemon(true);
      return t;
    });
    this.delivered = metrics.counter(GrpcMetrics.RECEIVER_HEARTBEATS_DELIVERED);
    this.deliveries = metrics.counter(GrpcMetrics.RECEIVER_HEARTBEATS_DELIVERIES);
    this.failures = metrics.counter(GrpcMetrics.RECEIVER_HEARTBEATS_HANDLER_FAILURES);
    this.discarded = metrics.counter(GrpcMetrics.RECEIVER_HEARTBEATS_DISCARDED);
    this.undelivered = metrics.counter(GrpcMetrics.SENDER_HEARTBEATS_UNDELIVERED);
    this.unreported = metrics.counter(GrpcMetrics.SENDER_HEARTBEATS_UNREPORTED);
    metrics.gauge(GrpcMetrics.RECEIVER_HEARTBEATS_QUEUED_BYTES, received::usedBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_HEARTBEATS_LIMIT_BYTES, received::limitBytes);
  }

  @Override
  public @Nullable DropReason admit(StoreId from, List<Heartbeat> heartbeats) {
    long bytes = bytes(heartbeats);
    boolean start;
    synchronized (this) {
      if (closed) {
        return DropReason.CLOSED;
      }
      if (handler == null) {
        return DropReason.UNKNOWN_RANGE;
      }
      if (received.tryAcquire(bytes) != null) {
        problems.report(from, "heartbeat receive budget full", "heartbeats from " + from + " refused: "
            + received.usedBytes() + " bytes wait for the heartbeat handler (heartbeatReceiveBytes)");
        return DropReason.RECEIVER_BUDGET;
      }
      tasks.addLast(new Task(from, heartbeats, null, bytes));
      start = !draining;
      draining = true;
    }
    if (start) {
      startDrain();
    }
    return null;
  }

  @Override
  public void heard(StoreId from) {
    liveness.heard(from);
  }

  @Override
  public void undelivered(StoreId to, List<Heartbeat> heartbeats, DropReason reason) {
    undelivered.inc(heartbeats.size());
    long bytes = bytes(heartbeats);
    boolean start;
    synchronized (this) {
      if (handler == null || notices.tryAcquire(bytes) != null) {
        start = false;
        bytes = -1;
      } else {
        tasks.addLast(new Task(to, heartbeats, reason, bytes));
        start = !draining;
        draining = true;
      }
    }
    if (bytes < 0) {
      unreported.inc(heartbeats.size());
      return;
    }
    if (start) {
      startDrain();
    }
  }

  private void startDrain() {
    try {
      thread.execute(this::drain);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      discardQueued();
    }
  }

  private void drain() {
    while (true) {
      Task task;
      HeartbeatHandler h;
      synchronized (this) {
        task = tasks.pollFirst();
        if (task == null) {
          draining = false;
          return;
        }
        h = handler;
        calling = h == null ? null : Thread.currentThread();
      }
      try {
        hand(h, task);
      } finally {
        (task.reason() == null ? received : notices).release(task.bytes());
        synchronized (this) {
          calling = null;
          notifyAll();
        }
      }
    }
  }

  private void hand(@Nullable HeartbeatHandler h, Task task) {
    if (h == null) {
      (task.reason() == null ? discarded : unreported).inc(task.heartbeats().size());
      return;
    }
    try {
      if (task.reason() == null) {
        deliveries.inc();
        delivered.inc(task.heartbeats().size());
        h.deliver(task.store(), task.heartbeats());
      } else {
        h.undelivered(task.store(), task.heartbeats(), task.reason());
      }
    } catch (Throwable t) {
      failures.inc();
      log.warn("{}: heartbeat handler failed on {} heartbeats {} {}", local, task.heartbeats().size(),
          task.reason() == null ? "from" : "undelivered to", task.store(), t);
    }
  }

  private static long bytes(List<Heartbeat> heartbeats) {
    long bytes = 0;
    for (int i = 0, n = heartbeats.size(); i < n; i++) {
      bytes += heartbeats.get(i).sizeBytes();
    }
    return bytes;
  }

  /** Registers the store's handler; see {@code Heartbeats#register}. */
  Registration register(HeartbeatHandler h) {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("transport of " + local + " is closed");
      }
      if (handler != null) {
        throw new IllegalStateException(local + " has a heartbeat handler already");
      }
      handler = h;
    }
    return () -> unregister(h);
  }

  private void unregister(HeartbeatHandler h) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    synchronized (this) {
      if (handler == h) {
        handler = null;
      }
      // From inside the handler the current call is the last; from elsewhere wait for it.
      while (calling != null && calling != Thread.currentThread()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          log.warn("{}: heartbeat handler still running at unregistration", local);
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void discardQueued() {
    synchronized (this) {
      Task task;
      while ((task = tasks.pollFirst()) != null) {
        (task.reason() == null ? received : notices).release(task.bytes());
        (task.reason() == null ? discarded : unreported).inc(task.heartbeats().size());
      }
      draining = false;
    }
  }

  /**
   * Stops taking heartbeats; what is queued (undelivered reports of the sender's close among it)
   * is still handed over within {@code timeoutNanos}, the rest discarded and counted.
   */
  void close(long timeoutNanos) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    thread.shutdown();
    try {
      if (!thread.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
        log.warn("{}: heartbeat handler still running after close", local);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      handler = null;
    }
    discardQueued();
  }
}
