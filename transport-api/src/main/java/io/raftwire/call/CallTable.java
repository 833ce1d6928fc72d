package io.raftwire.call;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The calls an adapter has in flight, each with an id its answer names and a deadline.
 *
 * <p>Every call {@link #open}ed ends exactly once, by whichever comes first: {@link #complete} (its
 * answer), {@link #fail} (a failure answer, a dropped request, a closed peer), {@link #expire} (its
 * deadline passed), {@link #failAll} or {@link #cancel} (the request never left). The one that ends
 * it gets the call back and tells the library; the others get nothing. The table is bounded: a call
 * beyond {@code capacity} is refused at {@link #open}.
 *
 * <p>Thread-safe and non-blocking; {@link Counts} run on the calling thread. Deadlines follow the
 * injected clock; {@link #expire} is driven by the adapter's timer, or by tests.
 *
 * @param <C> what the adapter keeps per call (its peer, type, completion); immutable
 */
public final class CallTable<C> {
  /**
   * What the table counts, for the adapter's metrics. Called on the thread that ended the call;
   * must be quick and must not throw.
   */
  public interface Counts {
    /** A call ended with its answer. */
    void completed();

    /** A call ended with a failure ({@link #fail} or {@link #failAll}). */
    void failed();

    /** A call's deadline passed. */
    void timedOut();

    /** A call was refused because the table was full. */
    void refusedFull();

    /** An answer came for a call that is not in flight. */
    void lateAnswer();

    /** {@return counts that count nothing} */
    static Counts none() {
      return new Counts() {
        @Override
        public void completed() {}

        @Override
        public void failed() {}

        @Override
        public void timedOut() {}

        @Override
        public void refusedFull() {}

        @Override
        public void lateAnswer() {}
      };
    }
  }

  private static final class Entry<C> {
    final long id;
    final long deadlineNanos;
    final C call;

    Entry(long id, long deadlineNanos, C call) {
      this.id = id;
      this.deadlineNanos = deadlineNanos;
      this.call = call;
    }
  }

  private static final Comparator<Entry<?>> BY_DEADLINE =
      Comparator.<Entry<?>>comparingLong(e -> e.deadlineNanos).thenComparingLong(e -> e.id);

  private final int capacity;
  private final LongSupplier clock;
  private final Counts counts;
  private final Map<Long, Entry<C>> calls = new ConcurrentHashMap<>(); // bounded by capacity (plus racing opens)
  private final ConcurrentSkipListSet<Entry<?>> deadlines = new ConcurrentSkipListSet<>(BY_DEADLINE); // the same entries
  private final AtomicLong nextId = new AtomicLong(1);

  /**
   * An empty table.
   *
   * @param capacity most calls in flight, {@code >= 1}
   * @param clock nanoseconds, the clock deadlines follow; not null
   * @param counts what to count; not null
   * @throws IllegalArgumentException if {@code capacity < 1}
   * @throws NullPointerException if {@code clock} or {@code counts} is null
   */
  public CallTable(int capacity, LongSupplier clock, Counts counts) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.counts = Objects.requireNonNull(counts, "counts");
  }

  /**
   * Opens a call that times out {@code timeoutNanos} from now.
   *
   * @param create builds the adapter's call from the id the table gives it (its answer will name
   *     it); must not return null
   * @param timeoutNanos how long the call may wait for its answer, {@code >= 0}
   * @return the call, or empty if {@code capacity} calls are in flight already (counted)
   * @throws IllegalArgumentException if {@code timeoutNanos < 0}
   */
  public Optional<C> open(LongFunction<C> create, long timeoutNanos) {
    if (timeoutNanos < 0) {
      throw new IllegalArgumentException("timeoutNanos must be >= 0, was " + timeoutNanos);
    }
    if (calls.size() >= capacity) {
      counts.refusedFull();
      return Optional.empty();
    }
    long id = nextId.getAndIncrement();
    Entry<C> entry = new Entry<>(id, clock.getAsLong() + timeoutNanos, Objects.requireNonNull(create.apply(id), "call"));
    calls.put(id, entry);
    deadlines.add(entry);
    return Optional.of(entry.call);
  }

  /**
   * {@return call {@code id}, if it is in flight} For checking who may answer it before ending it.
   *
   * @param id a call id
   */
  public Optional<C> find(long id) {
    Entry<C> e = calls.get(id);
    return e == null ? Optional.empty() : Optional.of(e.call);
  }

  /**
   * Ends call {@code id} with its answer.
   *
   * @param id the id the answer names
   * @return the call, which the caller completes; empty if it had ended already (counted as late)
   */
  public Optional<C> complete(long id) {
    Entry<C> e = take(id);
    if (e == null) {
      counts.lateAnswer();
      return Optional.empty();
    }
    counts.completed();
    return Optional.of(e.call);
  }

  /**
   * Ends call {@code id} with a failure.
   *
   * @param id a call id
   * @return the call, which the caller fails; empty if it had ended already
   */
  public Optional<C> fail(long id) {
    Entry<C> e = take(id);
    if (e == null) {
      return Optional.empty();
    }
    counts.failed();
    return Optional.of(e.call);
  }

  /** Counts an answer that named no call the adapter knows. */
  public void lateAnswer() {
    counts.lateAnswer();
  }

  /**
   * Forgets call {@code id} without counting it: its request never left, and the caller reports that.
   *
   * @param id a call id
   */
  public void cancel(long id) {
    take(id);
  }

  /**
   * Ends every call whose deadline is at or before {@code nowNanos}.
   *
   * @param nowNanos the clock's reading
   * @return the calls that timed out, earliest deadline first; the caller ends each with its timeout
   */
  public List<C> expire(long nowNanos) {
    List<C> expired = new ArrayList<>();
    while (true) {
      Entry<?> first;
      try {
        first = deadlines.first();
      } catch (NoSuchElementException e) {
        return expired;
      }
      if (first.deadlineNanos - nowNanos > 0) {
        return expired;
      }
      deadlines.remove(first);
      Entry<C> e = calls.get(first.id);
      if (e == first && calls.remove(first.id, e)) {
        counts.timedOut();
        expired.add(e.call);
      }
    }
  }

  /**
   * Ends every call that matches {@code which} with a failure.
   *
   * @param which the calls to end
   * @return the calls ended, which the caller fails
   */
  public List<C> failAll(Predicate<? super C> which) {
    List<C> ended = new ArrayList<>();
    for (Entry<C> e : List.copyOf(calls.values())) {
      if (which.test(e.call) && calls.remove(e.id, e)) {
        deadlines.remove(e);
        counts.failed();
        ended.add(e.call);
      }
    }
    return ended;
  }

  /** {@return the calls in flight now} */
  public int size() {
    return calls.size();
  }

  private Entry<C> take(long id) {
    Entry<C> e = calls.remove(id);
    if (e != null) {
      deadlines.remove(e);
    }
    return e;
  }
}
