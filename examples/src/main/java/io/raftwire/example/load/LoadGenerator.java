package io.raftwire.example.load;

import io.raftwire.example.kv.KvClient;
import io.raftwire.message.Priority;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Puts at a priority: open loop (a fixed rate, at most {@code maxInFlight} outstanding) or closed
 * loop (workers writing back to back, i.e. as fast as the cluster admits). Latencies are recorded
 * exactly. Bounded in time: every run stops by itself at its deadline.
 */
public final class LoadGenerator implements AutoCloseable {
  private final KvClient client;
  private final int keys;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raftwire-load");
    t.setDaemon(true);
    return t;
  });

  /** Puts to {@code keys} distinct keys through {@code client}. */
  public LoadGenerator(KvClient client, int keys) {
    this.client = client;
    this.keys = keys;
  }

  /** Told of every successful operation: when it started ({@code System.nanoTime()}) and how long it took. */
  @FunctionalInterface
  public interface LatencyObserver {
    void completed(long startNanos, long latencyNanos);
  }

  /** Latencies and outcomes of one priority's operations. Thread-safe. */
  public static final class Stats {
    private final Priority priority;
    private final LatencyObserver observer;
    private long[] latencies = new long[1024]; // @GuardedBy("this")
    private int count; // @GuardedBy("this")
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    public Stats(Priority priority) {
      this(priority, (start, nanos) -> {});
    }

    public Stats(Priority priority, LatencyObserver observer) {
      this.priority = priority;
      this.observer = observer;
    }

    void ok(long startNanos, long nanos) {
      synchronized (this) {
        if (count == latencies.length) {
          latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = nanos;
      }
      observer.completed(startNanos, nanos);
    }

    public Priority priority() {
      return priority;
    }

    /** Operations that succeeded. */
    public synchronized long count() {
      return count;
    }

    /** Operations that failed (the client gave up or the cluster refused). */
    public long failed() {
      return failed.get();
    }

    /** Open-loop operations not started because too many were in flight. */
    public long skipped() {
      return skipped.get();
    }

    /** The {@code q}-quantile latency in milliseconds, or NaN without data. */
    public synchronized double percentileMillis(double q) {
      if (count == 0) {
        return Double.NaN;
      }
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return sorted[Math.min(count - 1, (int) Math.ceil(q * count) - 1)] / 1e6;
    }
  }

  private void put(Priority priority, int valueBytes, Stats stats) {
    byte[] key = ("key-" + ThreadLocalRandom.current().nextInt(keys)).getBytes(StandardCharsets.UTF_8);
    byte[] value = new byte[valueBytes];
    ThreadLocalRandom.current().nextBytes(value);
    long start = System.nanoTime();
    try {
      client.put(key, value, priority);
      stats.ok(start, System.nanoTime() - start);
    } catch (RuntimeException e) {
      stats.failed.incrementAndGet();
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
