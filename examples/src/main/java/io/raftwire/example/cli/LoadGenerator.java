package io.raftwire.example.cli;

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
final class LoadGenerator implements AutoCloseable {
  private final KvClient client;
  private final int keys;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raftwire-load");
    t.setDaemon(true);
    return t;
  });

  LoadGenerator(KvClient client, int keys) {
    this.client = client;
    this.keys = keys;
  }

  /** Latencies and outcomes of one priority's operations. */
  static final class Stats {
    final Priority priority;
    private long[] latencies = new long[1024]; // @GuardedBy("this")
    private int count; // @GuardedBy("this")
    final AtomicLong failed = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();

    Stats(Priority priority) {
      this.priority = priority;
    }

    synchronized void ok(long nanos) {
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = nanos;
    }

    synchronized long count() {
      return count;
    }

    /** The {@code q}-quantile latency in milliseconds, or NaN without data. */
    synchronized double percentileMillis(double q) {
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
      stats.ok(System.nanoTime() - start);
    } catch (RuntimeException e) {
      stats.failed.incrementAndGet();
    }
  }

  /** Runs {@code rate} puts per second until {@code deadlineNanos}; returns when all finished. */
  void openLoop(Priority priority, double rate, int valueBytes, int maxInFlight, long deadlineNanos, Stats stats)
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
  void closedLoop(Priority priority, int workers, int valueBytes, long deadlineNanos, Stats stats)
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
