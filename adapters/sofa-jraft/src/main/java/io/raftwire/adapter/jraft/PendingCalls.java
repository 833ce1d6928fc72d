package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The calls one store has in flight: the correlation of jraft's requests with their answers.
 *
 * <p>Every call {@link #open}ed ends exactly once: by {@link #complete} (its response), {@link
 * #fail} (a failure answer, a dropped request, a closed client), {@link #expire} (its deadline
 * passed: jraft's timeout) or {@link #cancel} (the request never left; the caller reports that
 * itself). Whichever comes first removes the entry and runs its completion; the others find
 * nothing and do nothing. The table is bounded ({@code capacity}): a call beyond it is refused at
 * {@link #open}.
 *
 * <p>Thread-safe; completions run on the calling thread (they hand off to jraft's executors).
 * Deadlines follow the injected clock; {@link #expire} is driven by the store's timer, or by tests.
 *
 * <p>Metrics, under {@code raftwire.<store>.jraft.calls.}: {@code pending} (gauge), {@code
 * completed}, {@code failed}, {@code timed_out}, {@code refused_full}, {@code late_answers}
 * (answers for calls already ended).
 */
final class PendingCalls {
  /** What a call does when it ends: a result or an error, never both, called once. */
  @FunctionalInterface
  interface Completion {
    void complete(Object result, Throwable error);
  }

  /** One call in flight. Immutable but for its removal, which the table decides. */
  static final class Call {
    final long id;
    final Object owner;
    /** The store the request went to: the only one whose answer ends the call. */
    final StoreId peer;
    /** The range the answer is to travel on. */
    final RangeId replyRange;
    final String type;
    final long deadlineNanos;
    final Completion completion;

    Call(long id, Object owner, StoreId peer, RangeId replyRange, String type, long deadlineNanos, Completion completion) {
      this.id = id;
      this.owner = owner;
      this.peer = peer;
      this.replyRange = replyRange;
      this.type = type;
      this.deadlineNanos = deadlineNanos;
      this.completion = completion;
    }

    @Override
    public String toString() {
      return "call#" + id + " " + type + " to " + peer;
    }
  }

  private static final Comparator<Call> BY_DEADLINE =
      Comparator.<Call>comparingLong(c -> c.deadlineNanos).thenComparingLong(c -> c.id);

  private final int capacity;
  private final LongSupplier clock;
  private final Map<Long, Call> calls = new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Call> deadlines = new ConcurrentSkipListSet<>(BY_DEADLINE);
  private final AtomicLong nextId = new AtomicLong(1);
  private final Counter completed;
  private final Counter failed;
  private final Counter timedOut;
  private final Counter refusedFull;
  private final Counter lateAnswers;

  PendingCalls(int capacity, LongSupplier clock, MetricRegistry metrics, String prefix) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.clock = Objects.requireNonNull(clock, "clock");
    String p = MetricRegistry.name(prefix, "calls");
    metrics.gauge(MetricRegistry.name(p, "pending"), () -> calls::size);
    this.completed = metrics.counter(MetricRegistry.name(p, "completed"));
    this.failed = metrics.counter(MetricRegistry.name(p, "failed"));
    this.timedOut = metrics.counter(MetricRegistry.name(p, "timed_out"));
    this.refusedFull = metrics.counter(MetricRegistry.name(p, "refused_full"));
    this.lateAnswers = metrics.counter(MetricRegistry.name(p, "late_answers"));
  }

  /**
   * Opens a call that times out {@code timeoutNanos} from now.
   *
   * @throws RemotingException if {@code capacity} calls are in flight already
   */
  Call open(Object owner, StoreId peer, RangeId replyRange, String type, long timeoutNanos, Completion completion)
      throws RemotingException {
    if (calls.size() >= capacity) {
      refusedFull.inc();
      throw new RemotingException("raftwire: " + capacity + " calls in flight already, " + type + " to " + peer + " refused");
    }
    Call call = new Call(nextId.getAndIncrement(), owner, Objects.requireNonNull(peer, "peer"),
        Objects.requireNonNull(replyRange, "replyRange"), type, clock.getAsLong() + timeoutNanos, completion);
    calls.put(call.id, call);
    deadlines.add(call);
    return call;
  }

  /** Call {@code id}, if it is in flight (to check who may answer it before ending it). */
  Optional<Call> find(long id) {
    return Optional.ofNullable(calls.get(id));
  }

  /** The response of call {@code id} arrived; false if the call had ended already. */
  boolean complete(long id, Object response) {
    Call call = take(id);
    if (call == null) {
      lateAnswers.inc();
      return false;
    }
    completed.inc();
    call.completion.complete(response, null);
    return true;
  }

  /** Call {@code id} failed with {@code error}; false if it had ended already. */
  boolean fail(long id, Throwable error) {
    Call call = take(id);
    if (call == null) {
      return false;
    }
    failed.inc();
    call.completion.complete(null, error);
    return true;
  }

  /** The request of {@code call} never left: ends it without running its completion. */
  void cancel(Call call) {
    if (calls.remove(call.id, call)) {
      deadlines.remove(call);
    }
  }

  /** Ends every call whose deadline is at or before {@code nowNanos} with a timeout; returns how many. */
  int expire(long nowNanos) {
    int n = 0;
    while (true) {
      Call first;
      try {
        first = deadlines.first();
      } catch (java.util.NoSuchElementException e) {
        return n;
      }
      if (first.deadlineNanos > nowNanos) {
        return n;
      }
      deadlines.remove(first);
      if (calls.remove(first.id, first)) {
        timedOut.inc();
        n++;
        first.completion.complete(null, new InvokeTimeoutException(
            "raftwire: no answer to " + first.type + " from " + first.peer + " within its timeout"));
      }
    }
  }

  /** Ends every call that matches {@code which} with {@code error}; returns how many. */
  int failAll(Predicate<Call> which, Throwable error) {
    int n = 0;
    for (Call call : calls.values()) {
      if (which.test(call) && fail(call.id, error)) {
        n++;
      }
    }
    return n;
  }

  /** Calls in flight now. */
  int size() {
    return calls.size();
  }

  private Call take(long id) {
    Call call = calls.remove(id);
    if (call != null) {
      deadlines.remove(call);
    }
    return call;
  }
}
