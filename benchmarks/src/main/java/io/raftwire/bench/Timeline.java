package io.raftwire.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Values over time of one run, for the plots: each named series keeps the largest value recorded
 * in every {@code bucketNanos} window since the run started (the worst latency of each window, the
 * peak of a gauge). Thread-safe; bounded by the run's length over the bucket width.
 */
final class Timeline {
  private long startNanos; // @GuardedBy("this")
  private final long bucketNanos;
  private final Map<String, TreeMap<Long, Double>> series = new LinkedHashMap<>(); // @GuardedBy("this")

  Timeline(long startNanos, long bucketNanos) {
    if (bucketNanos <= 0) {
      throw new IllegalArgumentException("bucketNanos must be > 0, was " + bucketNanos);
    }
    this.startNanos = startNanos;
    this.bucketNanos = bucketNanos;
  }

  /** Makes {@code nowNanos} second 0 and forgets what was recorded before (a scenario's measured start). */
  synchronized void restartAt(long nowNanos) {
    startNanos = nowNanos;
    series.clear();
  }

  /** Records {@code value} of {@code name} at {@code nowNanos} ({@code System.nanoTime()}). */
  synchronized void record(String name, long nowNanos, double value) {
    long bucket = Math.max(0, (nowNanos - startNanos) / bucketNanos);
    series.computeIfAbsent(name, n -> new TreeMap<>()).merge(bucket, value, Math::max);
  }

  /** Seconds since the start (bucket starts) and values of {@code name}; empty arrays if none. */
  synchronized double[][] points(String name) {
    TreeMap<Long, Double> s = series.getOrDefault(name, new TreeMap<>());
    double[] x = new double[s.size()];
    double[] y = new double[s.size()];
    int i = 0;
    for (Map.Entry<Long, Double> e : s.entrySet()) {
      x[i] = e.getKey() * bucketNanos / 1e9;
      y[i] = e.getValue();
      i++;
    }
    return new double[][] {x, y};
  }
}
