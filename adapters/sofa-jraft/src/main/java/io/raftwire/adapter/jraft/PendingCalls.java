package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.call.CallTable;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The calls one store has in flight: the correlation of jraft's requests with their answers.
 *
 * <p>Every call {@link #open}ed ends exactly once: by {@link #complete} (its response), {@link
 * #fail} (a failure answer, a dropped request, a closed client), {@link #expire} (its deadline
 * passed: jraft's timeout) or {@link #cancel} (the request never left; the caller reports that
 * itself). Whichever comes first removes the entry and runs its completion; the others find
 * nothing and do nothing. The table ({@link CallTable}, shared with the other adapters) is bounded ({@code capacity}): a
 * call beyond it is refused at {@link #open}.
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
    final Completion completion;

    Call(long id, Object owner, StoreId peer, RangeId replyRange, String type, Completion completion) {
      this.id = id;
      this.owner = owner;
      this.peer = peer;
      this.replyRange = replyRange;
      this.type = type;
      this.completion = completion;
    }

    @Override
    public String toString() {
      return "call#" + id + " " + type + " to " + peer;
    }
  }

  private final CallTable<Call> calls;

  PendingCalls(int capacity, LongSupplier clock, MetricRegistry metrics, String prefix) {
    String p = MetricRegistry.name(prefix, "calls");
    Counter completed = metrics.counter(MetricRegistry.name(p, "completed"));
    Counter failed = metrics.counter(MetricRegistry.name(p, "failed"));
    Counter timedOut = metrics.counter(MetricRegistry.name(p, "timed_out"));
    Counter refusedFull = metrics.counter(MetricRegistry.name(p, "refused_full"));
    Counter lateAnswers = metrics.counter(MetricRegistry.name(p, "late_answers"));
    this.calls = new CallTable<>(capacity, clock, new CallTable.Counts() {
      @Override
      public void completed() {
        completed.inc();
      }

      @Override
      public void failed() {
        failed.inc();
      }

      @Override
      public void timedOut() {
        timedOut.inc();
      }

      @Override
      public void refusedFull() {
        refusedFull.inc();
      }

      @Override
      public void lateAnswer() {
        lateAnswers.inc();
      }
    });
    metrics.gauge(MetricRegistry.name(p, "pending"), () -> calls::size);
  }

  /**
   * Opens a call that times out {@code timeoutNanos} from now.
   *
   * @throws RemotingException if the table is full
   */
  Call open(Object owner, StoreId peer, RangeId replyRange, String type, long timeoutNanos, Completion completion)
      throws RemotingException {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(replyRange, "replyRange");
    Optional<Call> call = calls.open(id -> new Call(id, owner, peer, replyRange, type, completion), Math.max(0, timeoutNanos));
    if (call.isEmpty()) {
      throw new RemotingException("raftwire: the call table is full, " + type + " to " + peer + " refused");
    }
    return call.get();
  }

  /** Call {@code id}, if it is in flight (to check who may answer it before ending it). */
  Optional<Call> find(long id) {
    return calls.find(id);
  }

  /** The response of call {@code id} arrived; false if the call had ended already. */
  boolean complete(long id, Object response) {
    Optional<Call> call = calls.complete(id);
    call.ifPresent(c -> c.completion.complete(response, null));
    return call.isPresent();
  }

  /** Call {@code id} failed with {@code error}; false if it had ended already. */
  boolean fail(long id, Throwable error) {
    Optional<Call> call = calls.fail(id);
    call.ifPresent(c -> c.completion.complete(null, error));
    return call.isPresent();
  }

  /** The request of {@code call} never left: ends it without running its completion. */
  void cancel(Call call) {
    calls.cancel(call.id);
  }

  /** Ends every call whose deadline is at or before {@code nowNanos} with a timeout; returns how many. */
  int expire(long nowNanos) {
    List<Call> expired = calls.expire(nowNanos);
    for (Call c : expired) {
      c.completion.complete(null, new InvokeTimeoutException(
          "raftwire: no answer to " + c.type + " from " + c.peer + " within its timeout"));
    }
    return expired.size();
  }

  /** Ends every call that matches {@code which} with {@code error}; returns how many. */
  int failAll(Predicate<Call> which, Throwable error) {
    List<Call> ended = calls.failAll(which);
    for (Call c : ended) {
      c.completion.complete(null, error);
    }
    return ended.size();
  }

  /** Calls in flight now. */
  int size() {
    return calls.size();
  }
}
