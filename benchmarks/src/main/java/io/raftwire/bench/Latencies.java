package io.raftwire.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/** Records latencies from any thread (up to about a million) and reports their quantiles. */
final class Latencies {
  private final long[] nanos = new long[1 << 20];
  private final AtomicLong count = new AtomicLong();

  void record(long latencyNanos) {
    int i = (int) count.getAndIncrement();
    if (i < nanos.length) {
      nanos[i] = latencyNanos;
    }
  }

  int count() {
    return (int) Math.min(count.get(), nanos.length);
  }

  /** The {@code q}-quantile in milliseconds ({@code 1.0}: the maximum); NaN without data. */
  double millis(double q) {
    int n = count();
    if (n == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(nanos, n);
    Arrays.sort(sorted);
    int index = q == 0.5 ? n / 2 : Math.max(0, (int) Math.ceil(q * n) - 1);
    return sorted[Math.min(n - 1, index)] / 1e6;
  }
}
