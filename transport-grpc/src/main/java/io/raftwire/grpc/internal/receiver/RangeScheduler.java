package io.raftwire.grpc.internal.receiver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The fixed worker threads that deliver ranges. Ranges with a CONTROL message waiting are served
 * before ranges with only APPEND or SNAPSHOT messages, each kind round robin, and an urgent turn
 * delivers the CONTROL messages alone: a heartbeat waits for at most one batch of appends per
 * worker plus a round of cheap CONTROL deliveries, not for a round over every busy range.
 */
final class RangeScheduler {
  @GuardedBy("this")
  private final ArrayDeque<RangeInbox> urgent = new ArrayDeque<>();

  @GuardedBy("this")
  private final ArrayDeque<RangeInbox> normal = new ArrayDeque<>();

  private final Thread[] workers;

  @GuardedBy("this")
  private boolean shutdown;

  /** @param drain called by a worker with a range and whether it came from the urgent queue */
  RangeScheduler(int threads, String namePrefix, BiConsumer<RangeInbox, Boolean> drain) {
    workers = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      workers[i] = new Thread(() -> work(drain), namePrefix + (i + 1));
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /** Queues {@code inbox}; false once shut down. */
  synchronized boolean submit(RangeInbox inbox, boolean isUrgent) {
    if (shutdown) {
      return false;
    }
    (isUrgent ? urgent : normal).addLast(inbox);
    notify();
    return true;
  }

  private void work(BiConsumer<RangeInbox, Boolean> drain) {
    while (true) {
      RangeInbox next;
      boolean fromUrgent;
      synchronized (this) {
        while (urgent.isEmpty() && normal.isEmpty() && !shutdown) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (urgent.isEmpty() && normal.isEmpty()) {
          return; // shut down and nothing left
        }
        fromUrgent = !urgent.isEmpty();
        next = fromUrgent ? urgent.pollFirst() : normal.pollFirst();
      }
      drain.accept(next, fromUrgent);
    }
  }

  /** Ranges waiting for a worker. */
  synchronized int backlog() {
    return urgent.size() + normal.size();
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
