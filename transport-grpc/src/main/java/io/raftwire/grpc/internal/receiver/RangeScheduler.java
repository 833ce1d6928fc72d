package io.raftwire.grpc.internal.receiver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The fixed worker threads that deliver ranges. Ranges with a CONTROL message waiting are served
 * first, and an urgent turn delivers the CONTROL messages alone: a heartbeat waits for at most one
 * batch of appends per worker plus a round of cheap CONTROL deliveries, not for a round over every
 * busy range. Then ranges with a regular APPEND waiting, then ranges with only elastic work; each
 * queue round robin. Regular's precedence is bounded: after {@link #REGULAR_TURNS_PER_ELASTIC}
 * regular turns in a row while elastic ranges wait, one elastic turn, so bulk work keeps a share of
 * the workers (at least one turn in {@code REGULAR_TURNS_PER_ELASTIC + 1}) and is never starved.
 */
final class RangeScheduler {
  /** Regular turns in a row, with elastic ranges waiting, before an elastic range gets one. */
  static final int REGULAR_TURNS_PER_ELASTIC = 8;

  @GuardedBy("this")
  private final ArrayDeque<RangeInbox> urgent = new ArrayDeque<>();

  @GuardedBy("this")
  private final ArrayDeque<RangeInbox> regular = new ArrayDeque<>();

  @GuardedBy("this")
  private final ArrayDeque<RangeInbox> elastic = new ArrayDeque<>();

  /** Regular turns taken in a row while elastic ranges waited. */
  @GuardedBy("this")
  private int regularStreak;

  private final Thread[] workers;

  @GuardedBy("this")
  private boolean shutdown;

  /** @param drain called by a worker with a range and the queue it came from */
  RangeScheduler(int threads, String namePrefix, BiConsumer<RangeInbox, Turn> drain) {
    workers = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      workers[i] = new Thread(() -> work(drain), namePrefix + (i + 1));
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /** Queues {@code inbox} for a {@code turn}; false once shut down. */
  synchronized boolean submit(RangeInbox inbox, Turn turn) {
    if (shutdown) {
      return false;
    }
    queue(turn).addLast(inbox);
    notify();
    return true;
  }

  @GuardedBy("this")
  private ArrayDeque<RangeInbox> queue(Turn turn) {
    switch (turn) {
      case URGENT:
        return urgent;
      case REGULAR:
        return regular;
      case ELASTIC:
        return elastic;
    }
    throw new AssertionError(turn);
  }

  /** The next turn to serve (under this lock, with something queued). */
  @GuardedBy("this")
  private Turn next() {
    if (!urgent.isEmpty()) {
      return Turn.URGENT;
    }
    if (!regular.isEmpty() && (elastic.isEmpty() || regularStreak < REGULAR_TURNS_PER_ELASTIC)) {
      regularStreak = elastic.isEmpty() ? 0 : regularStreak + 1;
      return Turn.REGULAR;
    }
    regularStreak = 0;
    return Turn.ELASTIC;
  }

  private void work(BiConsumer<RangeInbox, Turn> drain) {
    while (true) {
      RangeInbox next;
      Turn turn;
      synchronized (this) {
        while (backlog() == 0 && !shutdown) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (backlog() == 0) {
          return; // shut down and nothing left
        }
        turn = next();
        next = queue(turn).pollFirst();
      }
      drain.accept(next, turn);
    }
  }

  /** Ranges waiting for a worker. */
  synchronized int backlog() {
    return urgent.size() + regular.size() + elastic.size();
  }

  /** Stops taking work; workers finish what is queued, then exit. */
  synchronized void shutdown() {
    shutdown = true;
    notifyAll();
  }

  /** Waits up to {@code nanos} for the workers to exit; true if they did. */
  boolean awaitTermination(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    for (Thread worker : workers) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(worker, left);
      }
      if (worker.isAlive()) {
        return false;
      }
    }
    return true;
  }
}
