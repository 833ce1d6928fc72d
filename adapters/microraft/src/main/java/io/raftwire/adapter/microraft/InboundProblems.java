package io.raftwire.adapter.microraft;

import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.ExecutorTimebase;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound messages a store's {@link RangeRegistry} refused: every one is counted by its {@link
 * MalformedMessageException.Problem}, and reported through a {@link ProblemLog}, so that a peer
 * sending garbage or forged senders costs one log line per (peer, problem) per interval, not one
 * per message. From the first refusal until {@link #close()} the log is flushed every interval on
 * the timebase, so the count of a burst's last interval is written too.
 *
 * <p>Thread-safe (counters and the flush handle are atomic; the problem log is thread-safe).
 */
final class InboundProblems implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RangeRegistry.class);
  private static final Timebase.Cancellable CLOSED = () -> {};

  private final StoreId local;
  private final Timebase timebase;
  private final ProblemLog problems;
  private final Map<MalformedMessageException.Problem, AtomicLong> counts; // fixed at construction
  private final AtomicReference<Timebase.Cancellable> flushing = new AtomicReference<>(); // null, a task, or CLOSED

  /**
   * @param timebase the clock of the log's intervals and the timer of its flushes
   * @param lines where the log's lines go (not blocking)
   */
  InboundProblems(StoreId local, Timebase timebase, Consumer<String> lines) {
    this.local = Objects.requireNonNull(local, "local");
    this.timebase = Objects.requireNonNull(timebase, "timebase");
    this.problems = ProblemLog.create(timebase, lines);
    Map<MalformedMessageException.Problem, AtomicLong> c = new EnumMap<>(MalformedMessageException.Problem.class);
    for (MalformedMessageException.Problem p : MalformedMessageException.Problem.values()) {
      c.put(p, new AtomicLong());
    }
    this.counts = Collections.unmodifiableMap(c);
  }

  /** Reports to this package's SLF4J logger at WARN, on the system clock and {@link #defaultTimebase()}. */
  static InboundProblems logging(StoreId local) {
    return new InboundProblems(local, defaultTimebase(), log::warn);
  }

  /**
   * The system clock and one daemon timer thread for the whole process, shared by every store that
   * was given no timebase; the thread starts with the first task (the first refusal).
   */
  static Timebase defaultTimebase() {
    return SharedTimer.TIMEBASE;
  }

  /** Counts {@code refusal} and reports it as a problem of the store {@code envelope} came from. */
  void refused(RaftEnvelope envelope, MalformedMessageException refusal) {
    refused(envelope.from().store(), envelope.range(), refusal);
  }

  /** Counts {@code refusal} of a message of {@code range} and reports it as a problem of {@code from}. */
  void refused(StoreId from, RangeId range, MalformedMessageException refusal) {
    counts.get(refusal.problem()).incrementAndGet();
    problems.report(from, refusal.problem().metricName(), "at " + local + " on " + range + ": " + refusal.getMessage());
    if (flushing.get() == null) {
      Timebase.Cancellable task = timebase.scheduleWithFixedDelay(problems::flush, ProblemLog.DEFAULT_INTERVAL_NANOS,
          ProblemLog.DEFAULT_INTERVAL_NANOS);
      if (!flushing.compareAndSet(null, task)) {
        task.cancel(); // another refusal started the flushes first, or the registry closed meanwhile
      }
    }
  }

  /** Envelopes refused for {@code problem} since start. */
  long count(MalformedMessageException.Problem problem) {
    return counts.get(Objects.requireNonNull(problem, "problem")).get();
  }

  /** Stops the flushes; later refusals are still counted and reported. Idempotent. */
  @Override
  public void close() {
    Timebase.Cancellable task = flushing.getAndSet(CLOSED);
    if (task != null) {
      task.cancel();
    }
  }

  private static final class SharedTimer {
    static final Timebase TIMEBASE = ExecutorTimebase.of(System::nanoTime,
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "raftwire-microraft-problems");
          t.setDaemon(true);
          return t;
        }),
        failure -> log.warn("flushing the problem log failed", failure));

    private SharedTimer() {}
  }
}
