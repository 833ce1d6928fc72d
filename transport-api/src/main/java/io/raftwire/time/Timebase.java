package io.raftwire.time;

/**
 * Where a component reads the time and runs its timers: a monotonic clock, one-shot and periodic
 * timers, and "run soon". Components that make timing decisions take a timebase instead of calling
 * {@code System.nanoTime()} or owning a scheduler, so that tests can inject a fake one whose time
 * moves only when the test advances it (the test kit's {@code FakeTimebase}) and check timing rules
 * deterministically.
 *
 * <p><b>Threads:</b> every method may be called from any thread. Tasks run on the timebase's own
 * thread (a fake timebase: on the thread that advances it), never inside {@link #schedule} or
 * {@link #execute} on the caller's thread, so a caller may hold its own locks while scheduling.
 * Tasks of one timebase run one at a time, in order of their due time.
 *
 * <p><b>Blocking:</b> no method blocks. Tasks must not block either: a task that waits delays every
 * later task of the timebase.
 *
 * <p><b>Failure:</b> a task that throws does not stop the timebase, and a periodic task keeps its
 * schedule; the implementation reports the failure (the production timebase logs and counts it, a
 * fake one rethrows it to the test). Once an owning implementation is closed, new tasks are not run.
 */
public interface Timebase {

  /**
   * {@return monotonic time in nanoseconds} Only differences between two readings mean anything.
   */
  long nanoTime();

  /**
   * Runs {@code task} once, {@code delayNanos} from now (0 or less: as soon as possible).
   *
   * @param task what to run, on the timebase's thread; not null
   * @param delayNanos how long from now, in nanoseconds; 0 or less runs it as soon as possible
   * @return a handle that cancels the task if it has not started
   */
  Cancellable schedule(Runnable task, long delayNanos);

  /**
   * Runs {@code task} first after {@code initialDelayNanos}, then {@code periodNanos} after the end
   * of each run (a fixed delay, so runs never overlap or pile up).
   *
   * @param task what to run, on the timebase's thread; not null
   * @param initialDelayNanos how long from now until the first run, in nanoseconds; 0 or less runs
   *     it as soon as possible
   * @param periodNanos the delay between the end of one run and the start of the next, in
   *     nanoseconds, {@code > 0}
   * @return a handle that stops further runs; a run in progress finishes
   * @throws IllegalArgumentException if {@code periodNanos} is not positive
   */
  Cancellable scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long periodNanos);

  /**
   * Runs {@code task} as soon as possible, on the timebase's thread; the same as {@code
   * schedule(task, 0)}.
   *
   * @param task what to run; not null
   */
  default void execute(Runnable task) {
    schedule(task, 0);
  }

  /** A scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Stops the task from running (again); a run in progress finishes. Idempotent. */
    void cancel();
  }
}
