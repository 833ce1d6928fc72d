package io.raftwire.example.faults;

import io.raftwire.example.faults.Workload.Outcome;
import io.raftwire.example.faults.Workload.Op;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The figures of one fault run, computed from its history: reported, never asserted. Stateless and
 * thread-safe.
 */
final class Figures {
  private Figures() {}

  /**
   * The longest time, in ms, any key of {@code keys} went without a completed (ok) operation
   * between {@code from} and {@code to} ({@link System#nanoTime()}), and that key.
   */
  static String longestOutage(List<Op> history, List<String> keys, long from, long to) {
    long longest = -1;
    String which = "";
    for (String key : keys) {
      long last = from;
      long gap = 0;
      List<Long> completions = history.stream()
          .filter(r -> r.key().equals(key) && r.outcome() == Outcome.OK && r.response() >= from && r.response() <= to)
          .map(Op::response).sorted().toList();
      for (long t : completions) {
        gap = Math.max(gap, t - last);
        last = t;
      }
      gap = Math.max(gap, to - last);
      if (gap > longest) {
        longest = gap;
        which = key;
      }
    }
    return ms(longest) + " ms (" + which + ")";
  }

  /**
   * How long after {@code healed} every key had completed an operation invoked after it: the
   * recovery time, in ms ("never" if some key had none).
   */
  static String recovery(List<Op> history, List<String> keys, long healed) {
    long slowest = 0;
    for (String key : keys) {
      long first = history.stream()
          .filter(r -> r.key().equals(key) && r.outcome() == Outcome.OK && r.invoke() >= healed)
          .mapToLong(Op::response).min().orElse(Long.MAX_VALUE);
      if (first == Long.MAX_VALUE) {
        return "never";
      }
      slowest = Math.max(slowest, first - healed);
    }
    return ms(slowest) + " ms";
  }

  static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
