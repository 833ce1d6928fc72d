package io.raftwire.adapter.ratis;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.adapter.ratis.codec.MessageType;
import io.raftwire.call.CallTable;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * do nothing. The table ({@link CallTable}, shared with the other adapters) is bounded ({@code capacity}): a
 * call beyond it fails at {@link #open}.
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
    final CompletableFuture<Message> future = new CompletableFuture<>();

    Call(long id, StoreId peer, RangeId range, MessageType type) {
      this.id = id;
      this.peer = peer;
      this.range = range;
      this.type = type;
    }

    @Override
    public String toString() {
      return "call#" + id + " " + type + " to " + peer + " on " + range;
    }
  }

  private final CallTable<Call> calls;

  Calls(int capacity, LongSupplier clock, MetricRegistry metrics, String prefix) {
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
   * Opens a call to {@code peer} that times out {@code timeoutNanos} from now.
   *
   * @throws RaftwireCallException if the table is full
   */
  Call open(StoreId peer, RangeId range, MessageType type, long timeoutNanos) throws RaftwireCallException {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(range, "range");
    Optional<Call> call = calls.open(id -> new Call(id, peer, range, type), timeoutNanos);
    if (call.isEmpty()) {
      throw RaftwireCallException.local("raftwire: the call table is full; " + type + " to " + peer + " refused");
    }
    return call.get();
  }

  /** Call {@code id}, if it is in flight (to check who may answer it before ending it). */
  Optional<Call> find(long id) {
    return calls.find(id);
  }

  /** An answer came for a call that is not in flight (it ended already, or never was). */
  void lateAnswer() {
    calls.lateAnswer();
  }

  /** The reply of call {@code id} arrived; false if the call had ended already. */
  boolean complete(long id, Message reply) {
    Optional<Call> call = calls.complete(id);
    call.ifPresent(c -> c.future.complete(reply));
    return call.isPresent();
  }

  /** Call {@code id} failed with {@code error}; false if it had ended already. */
  boolean fail(long id, IOException error) {
    Optional<Call> call = calls.fail(id);
    call.ifPresent(c -> c.future.completeExceptionally(error));
    return call.isPresent();
  }

  /** The request of {@code call} never left: ends it without completing its future. */
  void cancel(Call call) {
    calls.cancel(call.id);
  }

  /** Ends every call whose deadline is at or before {@code nowNanos} with a timeout; returns how many. */
  int expire(long nowNanos) {
    List<Call> expired = calls.expire(nowNanos);
    for (Call c : expired) {
      c.future.completeExceptionally(new TimeoutIOException(
          "raftwire: no answer to " + c.type + " from " + c.peer + " within its timeout"));
    }
    return expired.size();
  }

  /** Ends every call that matches {@code which} with the error {@code error} gives; returns how many. */
  int failAll(Predicate<Call> which, Supplier<IOException> error) {
    List<Call> ended = calls.failAll(which);
    for (Call c : ended) {
      c.future.completeExceptionally(error.get());
    }
    return ended.size();
  }

  /** Calls in flight now. */
  int size() {
    return calls.size();
  }
}
