package io.raftwire.grpc.internal.time;

import io.raftwire.time.Timebase;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Timebase}: {@link System#nanoTime()} and one daemon timer thread. A task
 * that throws is logged and counted ({@link #taskFailures()}); a periodic one keeps its schedule
 * (a bare {@code ScheduledExecutorService} would silently stop it). After {@link #close()} new
 * tasks are dropped and the thread ends. Thread-safe.
 */
public final class SystemTimebase implements Timebase, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemTimebase.class);

  private final ScheduledThreadPoolExecutor executor;
  private final AtomicLong taskFailures = new AtomicLong();

  /** A timebase whose thread is named {@code threadName}. */
  public SystemTimebase(String threadName) {
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    try {
      return handle(executor.schedule(guarded(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
  }

  @Override
  public Cancellable scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long periodNanos) {
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("periodNanos must be > 0, was " + periodNanos);
    }
    try {
      return handle(executor.scheduleWithFixedDelay(
          guarded(task), Math.max(0, initialDelayNanos), periodNanos, TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
  }

  private static Cancellable handle(ScheduledFuture<?> future) {
    return () -> future.cancel(false);
  }

  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        taskFailures.incrementAndGet();
        log.error("timer task {} failed", task, e);
      }
    };
  }

  /** Tasks that threw since start. */
  public long taskFailures() {
    return taskFailures.get();
  }

  /** Drops pending tasks and ends the thread; a task in progress finishes. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
