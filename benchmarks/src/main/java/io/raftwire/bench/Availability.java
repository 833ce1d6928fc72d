package io.raftwire.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The arithmetic of S10 ({@link AvailabilityScenario}), on {@code System.nanoTime()} instants:
 * how long a range took to take writes again after a crash, the longest time a key went without
 * a successful write, and percentiles over ranges.
 */
final class Availability {
  private Availability() {}

  /** One successful write: when the attempt that succeeded was sent and when its answer came. */
  record Write(long startNanos, long endNanos) {
    Write {
      if (endNanos < startNanos) {
        throw new IllegalArgumentException("a write cannot end (" + endNanos + ") before it starts (" + startNanos + ")");
      }
    }
  }

  /**
   * How long after {@code crashNanos} the first write sent at or after it succeeded, over every
   * key of one range; empty if none succeeded within {@code limitNanos} of the crash. Only writes
   * sent after the crash count: one of them can only have been committed by a new leader (the old
   * one is dead), so its success means the range has a leader again and takes writes.
   */
  static OptionalLong recoveryNanos(List<List<Write>> writesPerKey, long crashNanos, long limitNanos) {
    long best = Long.MAX_VALUE;
    for (List<Write> writes : writesPerKey) {
      for (Write w : writes) {
        if (w.startNanos() >= crashNanos && w.endNanos() - crashNanos <= limitNanos) {
          best = Math.min(best, w.endNanos() - crashNanos);
        }
      }
    }
    return best == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(best);
  }

  /**
   * The longest time within {@code [fromNanos, toNanos]} that one key went without a successful
   * write: between the answers of two successive successes, from {@code fromNanos} to the first
   * one, and from the last one to {@code toNanos} (a key that stopped taking writes counts as
   * unavailable until the end).
   *
   * @param endsNanos the answers' instants of the key's successful writes, in any order
   */
  static long maxGapNanos(long[] endsNanos, long fromNanos, long toNanos) {
    if (toNanos < fromNanos) {
      throw new IllegalArgumentException("the window ends (" + toNanos + ") before it starts (" + fromNanos + ")");
    }
    long[] sorted = endsNanos.clone();
    java.util.Arrays.sort(sorted);
    long previous = fromNanos;
    long max = 0;
    for (long end : sorted) {
      if (end <= fromNanos) {
        continue;
      }
      if (end > toNanos) {
        break;
      }
      max = Math.max(max, end - previous);
      previous = end;
    }
    return Math.max(max, toNanos - previous);
  }

  /**
   * The nearest-rank {@code q}-quantile of {@code values} ({@code q = 1}: the maximum; the
   * median of an even count is the lower middle value); NaN if there are none.
   */
  static double percentile(List<Double> values, double q) {
    if (q <= 0 || q > 1) {
      throw new IllegalArgumentException("q must be in (0, 1], was " + q);
    }
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
