package io.raftwire.grpc.internal.snapshot.transfer;

import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotPurpose;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The recipient's transfer slots: at most {@code concurrency} transfers at once; the rest wait in
 * a queue of at most {@code maxQueued}, catch-up before rebalancing, then first come first served.
 * A waiting transfer gives up (QUEUE_TIMEOUT) when less than {@code minTransferNanos} of its
 * deadline would be left for the transfer itself; {@link #expire()} (called periodically) enforces
 * that. Thread-safe; time from the injected clock; futures complete outside the lock.
 */
final class SnapshotSlots {
  private final LongSupplier clock;
  private final int concurrency;
  private final int maxQueued;
  private final long minTransferNanos;
  private final PriorityQueue<Ticket> queue = new PriorityQueue<>(
      Comparator.comparing((Ticket t) -> t.purpose).thenComparingLong(t -> t.seq)); // @GuardedBy("this")
  private int active; // @GuardedBy("this")
  private long seq; // @GuardedBy("this")

  SnapshotSlots(LongSupplier nanoClock, int concurrency, int maxQueued, long minTransferNanos) {
    if (concurrency < 1 || maxQueued < 0 || minTransferNanos < 0) {
      throw new IllegalArgumentException("need concurrency >= 1, maxQueued >= 0, minTransferNanos >= 0; were "
          + concurrency + ", " + maxQueued + ", " + minTransferNanos);
    }
    this.clock = nanoClock;
    this.concurrency = concurrency;
    this.maxQueued = maxQueued;
    this.minTransferNanos = minTransferNanos;
  }

  /** One transfer's place: {@link #granted} completes when it holds a slot. */
  final class Ticket {
    final SnapshotPurpose purpose;
    final long seq;
    final long giveUpAt;
    final CompletableFuture<Void> granted = new CompletableFuture<>();
    private boolean holding; // @GuardedBy("SnapshotSlots.this")
    private boolean done; // @GuardedBy("SnapshotSlots.this")

    private Ticket(SnapshotPurpose purpose, long seq, long giveUpAt) {
      this.purpose = purpose;
      this.seq = seq;
      this.giveUpAt = giveUpAt;
    }

    /** Gives the slot back, or leaves the queue; idempotent. */
    void release() {
      Ticket next;
      synchronized (SnapshotSlots.this) {
        if (done) {
          return;
        }
        done = true;
        if (!holding) {
          queue.remove(this);
          next = null;
        } else {
          active--;
          next = grantNext();
        }
      }
      if (!holding) {
        granted.completeExceptionally(new SnapshotException(SnapshotFailure.CLOSED, "left the queue"));
      }
      if (next != null) {
        next.granted.complete(null);
      }
    }
  }

  /** Asks for a slot for a transfer with {@code remainingNanos} of its deadline left. */
  Ticket reserve(SnapshotPurpose purpose, long remainingNanos) {
    long now = clock.getAsLong();
    Ticket ticket;
    SnapshotException refusal = null;
    synchronized (this) {
      ticket = new Ticket(purpose, seq++, now + remainingNanos - minTransferNanos);
      if (active < concurrency && queue.isEmpty()) {
        active++;
        ticket.holding = true;
      } else if (queue.size() >= maxQueued) {
        ticket.done = true;
        refusal = new SnapshotException(SnapshotFailure.RECIPIENT_BUSY,
            active + " transfers running and " + queue.size() + " queued, the most this store queues");
      } else if (ticket.giveUpAt <= now) {
        ticket.done = true;
        refusal = new SnapshotException(SnapshotFailure.QUEUE_TIMEOUT,
            "all " + concurrency + " slots busy and the deadline leaves no time to wait");
      } else {
        queue.add(ticket);
      }
    }
    if (refusal != null) {
      ticket.granted.completeExceptionally(refusal);
    } else if (ticket.holding) {
      ticket.granted.complete(null);
    }
    return ticket;
  }

  /** Fails the waiting transfers whose deadline no longer leaves room for the transfer. */
  void expire() {
    long now = clock.getAsLong();
    java.util.List<Ticket> expired = new java.util.ArrayList<>();
    synchronized (this) {
      for (Ticket t : queue) {
        if (t.giveUpAt <= now) {
          expired.add(t);
        }
      }
      for (Ticket t : expired) {
        queue.remove(t);
        t.done = true;
      }
    }
    for (Ticket t : expired) {
      t.granted.completeExceptionally(new SnapshotException(SnapshotFailure.QUEUE_TIMEOUT,
          "waited for a slot until too little of the deadline was left"));
    }
  }

  // @GuardedBy("this")
  private Ticket grantNext() {
    if (active >= concurrency) {
      return null;
    }
    Ticket next = queue.poll();
    if (next != null) {
      active++;
      next.holding = true;
    }
    return next;
  }

  synchronized int active() {
    return active;
  }

  synchronized int queued() {
    return queue.size();
  }
}
