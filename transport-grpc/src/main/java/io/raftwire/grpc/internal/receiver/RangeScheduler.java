package io.raftwire.grpc.internal.receiver;

import com.codahale.metrics.Counter;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The fixed worker threads that deliver ranges, in the weighted order of a {@link RunQueue}
 * (CONTROL first in rounds of the ranges it waits for, then one APPEND turn; regular before elastic,
 * eight to one).
 *
 * <p><b>Wake-ups are batched.</b> A submission wakes a worker only if one is waiting and no
 * wake-up is already on its way to it; submitting while every worker is busy costs one lock hold
 * and no {@code notify}, and {@link #submitAll} hands a whole frame's ready ranges over under one
 * lock with at most one wake-up per idle worker needed. A range that is already queued is never
 * submitted again ({@link RangeInbox} remembers it), so it costs nothing here. A worker takes up to
 * {@link #MAX_TAKE} ranges per lock hold (no more than its share of the backlog, so other workers
 * are not left idle, and at most one that is not an urgent turn, so a heartbeat that comes while
 * it works waits for one APPEND batch of it, not sixteen), serves them, and hands back the ones with work left with its next take; it
 * waits only when nothing is queued. {@link io.raftwire.grpc.GrpcMetrics#RECEIVER_SCHEDULER_WAKEUPS}
 * counts the wake-ups.
 */
final class RangeScheduler {
  /** Most ranges a worker takes per lock hold (all but the last of them urgent turns). */
  static final int MAX_TAKE = 16;

  /** A worker's turn on one range. */
  @FunctionalInterface
  interface Drain {
    /** Delivers {@code inbox} for {@code turn}; returns the turn it must wait for again, or null. */
    @Nullable Turn drain(RangeInbox inbox, Turn turn);
  }

  @GuardedBy("this")
  private final RunQueue queue = new RunQueue();

  /** Workers waiting for work. */
  @GuardedBy("this")
  private int idle;

  /** Wake-ups issued that no waiting worker has taken yet. */
  @GuardedBy("this")
  private int wakeupsOnTheirWay;

  @GuardedBy("this")
  private boolean shutdown;

  private final Thread[] workers;
  private final Counter wakeups;

  /** @param drain called by a worker with a range and the turn it was queued for */
  RangeScheduler(int threads, String namePrefix, Drain drain, Counter wakeups) {
    this.wakeups = wakeups;
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
    queue.add(inbox, turn);
    wake(1);
    return true;
  }

  /** Queues every range of {@code ready} under one lock; false (none queued) once shut down. */
  synchronized boolean submitAll(ReadyRanges ready) {
    if (shutdown) {
      return false;
    }
    for (int i = 0, n = ready.size(); i < n; i++) {
      queue.add(ready.inboxes.get(i), ready.turns.get(i));
    }
    wake(ready.size());
    return true;
  }

  /** Wakes idle workers for {@code ranges} newly queued: only those not already being woken. */
  @GuardedBy("this")
  private void wake(int ranges) {
    int wanted = Math.min(ranges, idle - wakeupsOnTheirWay);
    for (int i = 0; i < wanted; i++) {
      wakeupsOnTheirWay++;
      wakeups.inc();
      notify();
    }
  }

  private void work(Drain drain) {
    RangeInbox[] taken = new RangeInbox[MAX_TAKE];
    Turn[] turns = new Turn[MAX_TAKE];
    List<RangeInbox> again = new ArrayList<>();
    List<Turn> againTurns = new ArrayList<>();
    while (true) {
      int n;
      synchronized (this) {
        for (int i = 0; i < again.size(); i++) {
          queue.add(again.get(i), againTurns.get(i)); // also after shutdown: queued work is finished
        }
        again.clear();
        againTurns.clear();
        while (queue.isEmpty() && !shutdown) {
          idle++;
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } finally {
            idle--;
            if (wakeupsOnTheirWay > 0) {
              wakeupsOnTheirWay--;
            }
          }
        }
        if (queue.isEmpty()) {
          return; // shut down and nothing left
        }
        n = Math.min(MAX_TAKE, Math.max(1, queue.size() / workers.length));
        for (int i = 0; i < n; i++) {
          Turn turn = queue.next();
          if (turn == null) {
            n = i;
            break;
          }
          turns[i] = turn;
          taken[i] = queue.take(turn);
          if (turn != Turn.URGENT) {
            // At most one batch of APPENDs per hold of the lock, and none ahead of an urgent turn
            // taken with it: a heartbeat that comes meanwhile waits for one APPEND batch of this
            // worker, not for every range it took.
            n = i + 1;
            break;
          }
        }
        if (!queue.isEmpty()) {
          wake(1); // more than this worker's share waits: pass the wake-up on
        }
      }
      for (int i = 0; i < n; i++) {
        Turn turn = drain.drain(taken[i], turns[i]);
        if (turn != null) {
          again.add(taken[i]);
          againTurns.add(turn);
        }
        taken[i] = null;
      }
    }
  }

  /** Ranges waiting for a worker (not counting those a worker has taken and not served yet). */
  synchronized int backlog() {
    return queue.size();
  }

  /** Workers waiting for work. */
  synchronized int idleWorkers() {
    return idle;
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
