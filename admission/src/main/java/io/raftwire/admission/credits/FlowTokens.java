package io.raftwire.admission.credits;

import io.raftwire.message.Priority;
import io.raftwire.topology.StoreId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The two buckets of one destination stream and the proposals waiting on them. Thread-safe; waiters
 * to wake are returned to the caller, who completes them outside every lock.
 */
final class FlowTokens {
  final StoreId store;
  private long regularLimit; // @GuardedBy("this")
  private long elasticLimit; // @GuardedBy("this")
  private long regular; // @GuardedBy("this"), may be negative
  private long elastic; // @GuardedBy("this"), may be negative
  private final ArrayDeque<Waiter> regularWaiters = new ArrayDeque<>(); // @GuardedBy("this")
  private final ArrayDeque<Waiter> elasticWaiters = new ArrayDeque<>(); // @GuardedBy("this")
  private long deducted; // @GuardedBy("this")
  private long returned; // @GuardedBy("this")
  private long regularWaits; // @GuardedBy("this"): proposals ever queued for regular credits
  private long elasticWaits; // @GuardedBy("this"): proposals ever queued for elastic credits

  FlowTokens(StoreId store, long regularLimit, long elasticLimit) {
    this.store = store;
    this.regularLimit = regularLimit;
    this.elasticLimit = elasticLimit;
    this.regular = regularLimit;
    this.elastic = elasticLimit;
  }

  // @GuardedBy("this")
  private boolean available(Priority priority) {
    return priority == Priority.REGULAR ? regular > 0 : elastic > 0;
  }

  /** True if the waiter could proceed now; else it is queued and woken later. */
  synchronized boolean awaitOrQueue(Waiter waiter) {
    if (available(waiter.priority)) {
      return true;
    }
    if (waiter.priority == Priority.REGULAR) {
      regularWaiters.addLast(waiter);
      regularWaits++;
    } else {
      elasticWaiters.addLast(waiter);
      elasticWaits++;
    }
    return false;
  }

  synchronized void remove(Waiter waiter) {
    regularWaiters.remove(waiter);
    elasticWaiters.remove(waiter);
  }

  synchronized void deduct(Priority priority, long bytes) {
    if (priority == Priority.REGULAR) {
      regular -= bytes;
    }
    elastic -= bytes;
    deducted += bytes;
  }

  /**
   * Returns tokens and collects the waiters that may now proceed: regular ones first, then elastic
   * ones, each first come first served.
   *
   * @throws IllegalStateException if a bucket would exceed its limit: tokens returned twice
   */
  synchronized List<Waiter> giveBack(Priority priority, long bytes) {
    long newRegular = priority == Priority.REGULAR ? regular + bytes : regular;
    long newElastic = elastic + bytes;
    if (newRegular > regularLimit || newElastic > elasticLimit) {
      throw new IllegalStateException(
          "credits of " + store + " would exceed their limit (" + priority + " +" + bytes
              + "): returned twice");
    }
    regular = newRegular;
    elastic = newElastic;
    returned += bytes;
    return wakeable();
  }

  /**
   * Sets new limits. What is in use (limit minus available) stays in use, so a smaller window may
   * leave the stream in debt: proposals then wait until enough returns, and nothing sent is
   * dropped. A larger window may let waiters proceed.
   *
   * @return the waiters that may now proceed
   */
  synchronized List<Waiter> resize(long newRegularLimit, long newElasticLimit) {
    regular += newRegularLimit - regularLimit;
    elastic += newElasticLimit - elasticLimit;
    regularLimit = newRegularLimit;
    elasticLimit = newElasticLimit;
    return wakeable();
  }

  // @GuardedBy("this")
  private List<Waiter> wakeable() {
    List<Waiter> wake = new ArrayList<>();
    if (regular > 0) {
      wake.addAll(regularWaiters);
      regularWaiters.clear();
    }
    if (elastic > 0) {
      wake.addAll(elasticWaiters);
      elasticWaiters.clear();
    }
    return wake;
  }

  /** Removes and returns every waiter (on close). */
  synchronized List<Waiter> drainWaiters() {
    List<Waiter> all = new ArrayList<>(regularWaiters);
    all.addAll(elasticWaiters);
    regularWaiters.clear();
    elasticWaiters.clear();
    return all;
  }

  synchronized CreditStats stats() {
    return new CreditStats(
        store, regular, elastic, regularLimit, elasticLimit, deducted, returned,
        regularWaiters.size() + elasticWaiters.size(), regularWaits, elasticWaits);
  }

  /** One proposal's interest in this stream; woken once. */
  abstract static class Waiter {
    final Priority priority;

    Waiter(Priority priority) {
      this.priority = priority;
    }

    /** Called outside every lock when the stream has credits for this priority. */
    abstract void wake();
  }
}
