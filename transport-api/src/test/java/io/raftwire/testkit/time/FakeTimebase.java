package io.raftwire.testkit.time;

import io.raftwire.time.Timebase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Timebase} whose clock moves only when the test says so. {@link #advance} moves time
 * forward and runs, on the calling thread and in order of due time, every task that becomes due on
 * the way, including tasks those tasks schedule within the window; {@link #runDue()} runs what is
 * due now (tasks given to {@link #execute} or scheduled with no delay).
 *
 * <p>Thread-safe: tasks may be scheduled from any thread (a component's own threads too); they run
 * only inside {@code advance} or {@code runDue}, one at a time. A task that throws stops the advance
 * and the exception reaches the test; the task is not run again (a periodic one is cancelled).
 */
public final class FakeTimebase implements Timebase {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>(); // @GuardedBy("this")
  private long now; // @GuardedBy("this")
  private long sequence; // @GuardedBy("this")

  /** A timebase whose clock starts at an arbitrary positive value (1 s). */
  public FakeTimebase() {
    this(1_000_000_000L);
  }

  /** A timebase whose clock starts at {@code startNanos}. */
  public FakeTimebase(long startNanos) {
    this.now = startNanos;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    return add(task, delayNanos, 0);
  }

  @Override
  public Cancellable scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long periodNanos) {
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("periodNanos must be > 0, was " + periodNanos);
    }
    return add(task, initialDelayNanos, periodNanos);
  }

  private synchronized Task add(Runnable task, long delayNanos, long periodNanos) {
    Task t = new Task(this, task, now + Math.max(0, delayNanos), periodNanos, sequence++);
    tasks.add(t);
    return t;
  }

  /** Moves the clock forward by {@code duration}, running what becomes due on the way. */
  public void advance(Duration duration) {
    advanceNanos(duration.toNanos());
  }

  /** Moves the clock forward by {@code nanos} (at least 0), running what becomes due on the way. */
  public void advanceNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("time only moves forward: " + nanos);
    }
    long target;
    synchronized (this) {
      target = now + nanos;
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = Math.max(now, next.due);
      }
      next.run();
    }
  }

  /** Runs the tasks due now, and those they schedule for now, without moving the clock. */
  public void runDue() {
    advanceNanos(0);
  }

  /** The number of tasks waiting to run (periodic ones count once). */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  /** The due times of the waiting tasks, soonest first, relative to now. */
  public synchronized List<Long> pendingDelaysNanos() {
    List<Task> sorted = new ArrayList<>(tasks);
    sorted.sort(null);
    List<Long> delays = new ArrayList<>(sorted.size());
    for (Task t : sorted) {
      delays.add(t.due - now);
    }
    return delays;
  }

  private synchronized void reschedule(Task task) {
    if (!task.cancelled) {
      task.due = now + task.periodNanos;
      task.order = sequence++;
      tasks.add(task);
    }
  }

  private synchronized void remove(Task task) {
    tasks.remove(task);
  }

  private static final class Task implements Cancellable, Comparable<Task> {
    final Runnable body;
    final long periodNanos;
    long due; // @GuardedBy("FakeTimebase.this")
    long order; // @GuardedBy("FakeTimebase.this")
    final FakeTimebase owner;
    volatile boolean cancelled;

    Task(FakeTimebase owner, Runnable body, long due, long periodNanos, long order) {
      this.owner = owner;
      this.body = body;
      this.due = due;
      this.periodNanos = periodNanos;
      this.order = order;
    }

    void run() {
      if (cancelled) {
        return;
      }
      try {
        body.run();
      } catch (RuntimeException | Error e) {
        cancelled = true;
        throw e;
      }
      if (periodNanos > 0) {
        owner.reschedule(this);
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      owner.remove(this);
    }

    @Override
    public int compareTo(Task other) {
      int byDue = Long.compare(due, other.due);
      return byDue != 0 ? byDue : Long.compare(order, other.order);
    }
  }
}
