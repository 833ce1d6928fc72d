package io.raftwire.example.load;

import io.raftwire.example.kv.KvClient;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Puts at a priority: open loop (a fixed rate, at most {@code maxInFlight} outstanding) or closed
 * loop (workers writing back to back, i.e. as fast as the cluster admits). Latencies are recorded
 * in HdrHistograms (three significant digits, bounded memory). Bounded in time: every run stops by
 * itself at its deadline. Each priority writes its own set of keys (by default the same keys for
 * both), so a run can put regular and elastic writes on different ranges or on the same ones.
 */
public final class LoadGenerator implements AutoCloseable {
  private final KvClient client;
  private final Map<Priority, List<byte[]>> keys;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raftwire-load");
    t.setDaemon(true);
    return t;
  });

  /** Puts to {@code keys} distinct keys through {@code client}, the same keys at both priorities. */
  public LoadGenerator(KvClient client, int keys) {
    this(client, keys, range -> true, range -> true);
  }

  /**
   * Puts through {@code client}: regular writes to the first {@code keys} keys whose range {@code
   * regularRanges} accepts, elastic writes to the first {@code keys} that {@code elasticRanges}
   * accepts.
   *
   * @throws IllegalArgumentException if {@code keys < 1} or no key of the first million falls on
   *     an accepted range
   */
  public LoadGenerator(KvClient client, int keys, Predicate<RangeId> regularRanges, Predicate<RangeId> elasticRanges) {
    if (keys < 1) {
      throw new IllegalArgumentException("keys must be >= 1, was " + keys);
    }
    this.client = Objects.requireNonNull(client, "client");
    this.keys = new EnumMap<>(Priority.class);
    this.keys.put(Priority.REGULAR, keys(client, keys, regularRanges));
    this.keys.put(Priority.ELASTIC, keys(client, keys, elasticRanges));
  }

  private static List<byte[]> keys(KvClient client, int count, Predicate<RangeId> ranges) {
    List<byte[]> chosen = new ArrayList<>(count);
    for (int i = 0; chosen.size() < count && i < 1_000_000; i++) {
      byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
      if (ranges.test(client.rangeOf(key))) {
        chosen.add(key);
      }
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("no key falls on the ranges asked for");
    }
    return List.copyOf(chosen);
  }

  /** Told of every successful operation: when it started ({@code System.nanoTime()}) and how long it took. */
  @FunctionalInterface
  public interface LatencyObserver {
    /**
     * Called on the writer's thread after each success; must be quick.
     *
     * @param startNanos when the operation started
     * @param latencyNanos how long it took
     */
    void completed(long startNanos, long latencyNanos);
  }

  /** Latencies and outcomes of one priority's operations. Thread-safe; recording never blocks. */
  public static final class Stats {
    private final Priority priority;
    private final LatencyObserver observer;
    private final Recorder recorder = new Recorder(3);
    private final Histogram all = new Histogram(3); // @GuardedBy("this")
    private Histogram spare; // @GuardedBy("this")
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    /** Stats of {@code priority}'s operations. */
    public Stats(Priority priority) {
      this(priority, (start, nanos) -> {});
    }

    /** Stats of {@code priority}'s operations that tell {@code observer} of each success. */
    public Stats(Priority priority, LatencyObserver observer) {
      this.priority = Objects.requireNonNull(priority, "priority");
      this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** Records a success that started at {@code startNanos} and took {@code latencyNanos}. */
    public void record(long startNanos, long latencyNanos) {
      recorder.recordValue(Math.max(0, latencyNanos));
      observer.completed(startNanos, latencyNanos);
    }

    /** Records a failure. */
    public void recordFailure() {
      failed.incrementAndGet();
    }

    /** The priority these stats are of. */
    public Priority priority() {
      return priority;
    }

    /** Operations that succeeded. */
    public long count() {
      return histogram().getTotalCount();
    }

    /** Operations that failed (the client gave up or the cluster refused). */
    public long failed() {
      return failed.get();
    }

    /** Open-loop operations not started because too many were in flight. */
    public long skipped() {
      return skipped.get();
    }

    /** The {@code q}-quantile latency in milliseconds ({@code 1.0}: the maximum), or NaN without data. */
    public double percentileMillis(double q) {
      Histogram h = histogram();
      if (h.getTotalCount() == 0) {
        return Double.NaN;
      }
      return (q >= 1.0 ? h.getMaxValue() : h.getValueAtPercentile(q * 100)) / 1e6;
    }

    /** A copy of every latency recorded so far, in nanoseconds. */
    public synchronized Histogram histogram() {
      spare = recorder.getIntervalHistogram(spare);
      all.add(spare);
      return all.copy();
    }
  }

  private void put(Priority priority, int valueBytes, Stats stats) {
    List<byte[]> candidates = keys.get(priority);
    byte[] key = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
    byte[] value = new byte[valueBytes];
    ThreadLocalRandom.current().nextBytes(value);
    long start = System.nanoTime();
    try {
      client.put(key, value, priority);
      stats.record(start, System.nanoTime() - start);
    } catch (RuntimeException e) {
      stats.recordFailure();
    }
  }

  /** Runs {@code rate} puts per second until {@code deadlineNanos}; returns when all finished. */
  public void openLoop(Priority priority, double rate, int valueBytes, int maxInFlight, long deadlineNanos, Stats stats)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(maxInFlight);
    long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
    long next = System.nanoTime();
    while (next < deadlineNanos) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (inFlight.tryAcquire()) {
        pool.execute(() -> {
          try {
            put(priority, valueBytes, stats);
          } finally {
            inFlight.release();
          }
        });
      } else {
        stats.skipped.incrementAndGet(); // the cluster is slower than the rate: counted, not queued
      }
      next += interval;
    }
    inFlight.acquire(maxInFlight);
  }

  /** Runs {@code workers} writers back to back until {@code deadlineNanos}. */
  public void closedLoop(Priority priority, int workers, int valueBytes, long deadlineNanos, Stats stats)
      throws InterruptedException {
    Semaphore done = new Semaphore(0);
    for (int w = 0; w < workers; w++) {
      pool.execute(() -> {
        try {
          while (System.nanoTime() < deadlineNanos) {
            put(priority, valueBytes, stats);
          }
        } finally {
          done.release();
        }
      });
    }
    done.acquire(workers);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
