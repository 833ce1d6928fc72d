package io.raftwire.example.faults;

import io.raftwire.example.faults.Workload.Outcome;
import io.raftwire.example.faults.Workload.Op;
import io.raftwire.testkit.history.LinearizabilityChecker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks of a fault run's history, each answering the anomalies it found (empty: none), each
 * anomaly a line naming the key and the few operations around it. Stateless and thread-safe.
 */
final class HistoryCheck {
  private HistoryCheck() {}

  /**
   * Per key, linearizable as a register ({@link LinearizabilityChecker#check}): acknowledged
   * writes and successful reads, writes of unknown outcome as never returning; failed reads left
   * out. Times are shown (and compared) in microseconds since {@code base} (a {@link
   * System#nanoTime()}), rounded down: the rounding can only hide an anomaly shorter than a
   * microsecond, never make one up.
   */
  static List<String> linearizable(List<Op> history, List<String> keys, long base) {
    List<LinearizabilityChecker.Op> ops = new ArrayList<>();
    for (Op r : history) {
      if (r.write()) {
        ops.add(LinearizabilityChecker.Op.write(r.key(), r.value(), micros(r.invoke(), base),
            r.outcome() == Outcome.OK ? micros(r.response(), base) : Long.MAX_VALUE));
      } else if (r.outcome() == Outcome.OK) {
        ops.add(LinearizabilityChecker.Op.read(r.key(), r.value(), micros(r.invoke(), base), micros(r.response(), base)));
      }
    }
    List<String> anomalies = new ArrayList<>();
    for (String key : keys) {
      LinearizabilityChecker.Verdict verdict = LinearizabilityChecker.check(ops, key);
      if (!verdict.linearizable()) {
        anomalies.add("not linearizable: " + verdict.anomaly());
      }
    }
    return anomalies;
  }

  /** Microseconds from {@code base} to {@code nanos}. */
  static long micros(long nanos, long base) {
    return (nanos - base) / 1000;
  }

  /**
   * No acknowledged write lost: the final read of each key (after the faults healed) returns a
   * value whose write was not over before some acknowledged write began, i.e. the last
   * acknowledged value, one written concurrently with it, or a later one of unknown outcome.
   */
  static List<String> nothingLost(List<Op> history, Map<String, Optional<String>> finalValues) {
    List<String> anomalies = new ArrayList<>();
    for (Map.Entry<String, Optional<String>> e : finalValues.entrySet()) {
      String key = e.getKey();
      String value = e.getValue().orElse(null);
      Op written = value == null ? null : history.stream()
          .filter(r -> r.write() && r.value().equals(value)).findFirst().orElse(null);
      for (Op acked : history) {
        if (!acked.key().equals(key) || !acked.write() || acked.outcome() != Outcome.OK) {
          continue;
        }
        boolean lost = written == null
            || (written.outcome() == Outcome.OK && written.response() < acked.invoke());
        if (lost) {
          anomalies.add("lost write: " + key + " reads " + value + " at the end, but " + acked
              + " was acknowledged after " + (written == null ? "nothing" : written) + "; around it: "
              + around(history, key, acked));
          break;
        }
      }
    }
    return anomalies;
  }

  /** Every store holds the same keys and values. */
  static List<String> replicasAgree(Map<Long, Map<String, String>> contents) {
    List<String> anomalies = new ArrayList<>();
    Set<String> keys = new TreeSet<>();
    contents.values().forEach(c -> keys.addAll(c.keySet()));
    for (String key : keys) {
      List<String> values = new ArrayList<>();
      contents.forEach((store, c) -> values.add("s" + store + "=" + c.get(key)));
      if (contents.values().stream().map(c -> c.get(key)).distinct().count() > 1) {
        anomalies.add("replicas disagree on " + key + ": " + values);
        if (anomalies.size() == 5) {
          anomalies.add("(more keys differ)");
          break;
        }
      }
    }
    return anomalies;
  }

  /** The operations on {@code key} nearest {@code op} in time: three before it, three after. */
  private static List<Op> around(List<Op> history, String key, Op op) {
    List<Op> mine = history.stream().filter(r -> r.key().equals(key))
        .sorted(Comparator.comparingLong(Op::invoke)).toList();
    int at = mine.indexOf(op);
    return at < 0 ? List.of(op) : mine.subList(Math.max(0, at - 3), Math.min(mine.size(), at + 4));
  }
}
