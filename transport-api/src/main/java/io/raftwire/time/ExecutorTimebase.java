package io.raftwire.time;

import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A {@link Timebase} over a clock and a single-thread {@link ScheduledExecutorService} that the
 * caller owns (and shuts down): for components that already have a timer thread, or that need a
 * default when nobody gives them a timebase.
 *
 * <p>The executor must run its tasks on one thread (as {@code
 * Executors.newSingleThreadScheduledExecutor} does), so that tasks run one at a time as the
 * interface requires. A task that throws is handed to the failure handler and, if periodic, keeps
 * its schedule. Once the executor is shut down, new tasks are not run. Thread-safe.
 */
public final class ExecutorTimebase implements Timebase {
  private final LongSupplier clock;
  private final ScheduledExecutorService timer;
  private final Consumer<RuntimeException> onFailure;

  private ExecutorTimebase(LongSupplier clock, ScheduledExecutorService timer, Consumer<RuntimeException> onFailure) {
    this.clock = clock;
    this.timer = timer;
    this.onFailure = onFailure;
  }

  /**
   * A timebase reading {@code nanoClock} and running its tasks on {@code timer}.
   *
   * @param onFailure told of every task that throws, on the timer's thread (it should log and
   *     count; what it throws itself is dropped)
   */
  public static ExecutorTimebase of(LongSupplier nanoClock, ScheduledExecutorService timer,
      Consumer<RuntimeException> onFailure) {
    return new ExecutorTimebase(Objects.requireNonNull(nanoClock, "nanoClock"), Objects.requireNonNull(timer, "timer"),
        Objects.requireNonNull(onFailure, "onFailure"));
  }

  @Override
  public long nanoTime() {
    return clock.getAsLong();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Runnable guarded = guard(task);
    try {
      return cancelling(timer.schedule(guarded, Math.max(0, delayNanos), TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException shutDown) {
      return () -> {};
    }
  }

  @Override
  public Cancellable scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long periodNanos) {
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("periodNanos must be > 0, was " + periodNanos);
    }
    Runnable guarded = guard(task);
    try {
      return cancelling(timer.scheduleWithFixedDelay(guarded, Math.max(0, initialDelayNanos), periodNanos,
          TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException shutDown) {
      return () -> {};
    }
  }

  private static Cancellable cancelling(Future<?> future) {
    return () -> future.cancel(false);
  }

  /** The task, its failures handed to the handler: a periodic task that threw would stop otherwise. */
  private Runnable guard(Runnable task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      try {
        task.run();
      } catch (RuntimeException failure) {
        try {
          onFailure.accept(failure);
        } catch (RuntimeException ignored) {
          // The handler's own failure must not stop the schedule either.
        }
      }
    };
  }
}
