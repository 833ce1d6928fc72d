package io.raftwire.adapter.ratis;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.adapter.ratis.codec.MessageType;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.util.Comparator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;

/**
 * The calls one Ratis server has in flight over raftwire: the correlation of its requests with
 * their replies.
 *
 * <p>Every call {@link #open}ed ends exactly once, by whichever comes first: {@link #complete}
 * (its reply), {@link #fail} (a failure answer, a dropped request, a removed group, a closed
 * server), {@link #expire} (its deadline passed: Ratis's {@code TimeoutIOException}) or {@link
 * #cancel} (the request never left; the caller reports that itself). The others find nothing and
 * do nothing. The table is bounded ({@code capacity}): a call beyond it fails at {@link #open}.
 *
 * <p>Thread-safe. A call's future completes on the thread that ends it (a transport worker or the
 * timer); the adapter's synchronous callers wait on Ratis's own threads, and Ratis's asynchronous
 * callers chain only short work. Deadlines follow the injected clock.
 *
 * <p>Metrics, under {@code raftwire.<store>.ratis.calls.}: {@code pending} (gauge), {@code
 * completed}, {@code failed}, {@code timed_out}, {@code refused_full}, {@code late_answers}.
 */
final class Calls {
  /** One call in flight. Immutable but for its end, which the table decides. */
  static final class Call {
    final long id;
    /** The store the request went to: the only one whose answer ends the call. */
    final StoreId peer;
    final RangeId range;
    final MessageType type;
    final long deadlineNanos;
    final CompletableFuture<Message> future = new CompletableFuture<>();

    Call(long id, StoreId peer, RangeId range, MessageType type, long deadlineNanos) {
      this.id = id;
      this.peer = peer;
      this.range = range;
      this.type = type;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public String toString() {
      return "call#" + id + " " + type + " to " + peer + " on " + range;
    }
  }

  private static final Comparator<Call> BY_DEADLINE =
      Comparator.<Call>comparingLong(c -> c.deadlineNanos).thenComparingLong(c -> c.id);

  private final int capacity;
  private final LongSupplier clock;
  private final Map<Long, Call> calls = new ConcurrentHashMap<>(); // bounded by capacity
  private final ConcurrentSkipListSet<Call> deadlines = new ConcurrentSkipListSet<>(BY_DEADLINE); // the same calls
  private final AtomicLong nextId = new AtomicLong(1);
  private final Counter completed;
  private final Counter failed;
  private final Counter timedOut;
  private final Counter refusedFull;
  private final Counter lateAnswers;

  Calls(int capacity, LongSupplier clock, MetricRegistry metrics, String prefix) {
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
   * Opens a call to {@code peer} that times out {@code timeoutNanos} from now.
   *
   * @throws RaftwireCallException if {@code capacity} calls are in flight already
   */
  Call open(StoreId peer, RangeId range, MessageType type, long timeoutNanos) throws RaftwireCallException {
    if (calls.size() >= capacity) {
      refusedFull.inc();
      throw RaftwireCallException.local("raftwire: " + capacity + " calls in flight already; " + type + " to " + peer
          + " refused");
    }
    Call call = new Call(nextId.getAndIncrement(), Objects.requireNonNull(peer, "peer"), Objects.requireNonNull(range, "range"),
        type, clock.getAsLong() + timeoutNanos);
    calls.put(call.id, call);
    deadlines.add(call);
    return call;
  }

  /** Call {@code id}, if it is in flight (to check who may answer it before ending it). */
  Optional<Call> find(long id) {
    return Optional.ofNullable(calls.get(id));
  }

  /** An answer came for a call that is not in flight (it ended already, or never was). */
  void lateAnswer() {
    lateAnswers.inc();
  }

  /** The reply of call {@code id} arrived; false if the call had ended already. */
  boolean complete(long id, Message reply) {
    Call call = take(id);
    if (call == null) {
      lateAnswers.inc();
      return false;
    }
    completed.inc();
    call.future.complete(reply);
    return true;
  }

  /** Call {@code id} failed with {@code error}; false if it had ended already. */
  boolean fail(long id, IOException error) {
    Call call = take(id);
    if (call == null) {
      return false;
    }
    failed.inc();
    call.future.completeExceptionally(error);
    return true;
  }

  /** The request of {@code call} never left: ends it without completing its future. */
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
      } catch (NoSuchElementException e) {
        return n;
      }
      if (first.deadlineNanos > nowNanos) {
        return n;
      }
      deadlines.remove(first);
      if (calls.remove(first.id, first)) {
        timedOut.inc();
        n++;
        first.future.completeExceptionally(new TimeoutIOException(
            "raftwire: no answer to " + first.type + " from " + first.peer + " within its timeout"));
      }
    }
  }

  /** Ends every call that matches {@code which} with the error {@code error} gives; returns how many. */
  int failAll(Predicate<Call> which, Supplier<IOException> error) {
    int n = 0;
    for (Call call : calls.values()) {
      if (which.test(call) && fail(call.id, error.get())) {
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
