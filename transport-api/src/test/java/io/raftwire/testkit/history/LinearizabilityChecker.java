package io.raftwire.testkit.history;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that the history of one key is linearizable as a register (Wing and Gong's search):
 * there must be an order of the operations, consistent with real time (an operation that
 * returned before another was invoked comes first), in which every read returns the last value
 * written. Writes whose outcome is unknown may be placed anywhere after their invocation or
 * left out. Exponential in the worst case: for the small histories of tests (at most 62 operations
 * per key).
 *
 * <p>Shared by every cluster test that records a concurrent history (the example cluster, the
 * adapters). Stateless and thread-safe.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  /** A completed (or, for writes, possibly incomplete) operation on one key. */
  public static final class Op {
    final String key;
    final boolean write;
    final String value; // written, or read (null: absent)
    final long invoke;
    final long response; // Long.MAX_VALUE: unknown outcome

    private Op(String key, boolean write, String value, long invoke, long response) {
      this.key = key;
      this.write = write;
      this.value = value;
      this.invoke = invoke;
      this.response = response;
    }

    /** A write of {@code value}; {@code response} {@link Long#MAX_VALUE} if its outcome is unknown. */
    public static Op write(String key, String value, long invoke, long response) {
      return new Op(key, true, value, invoke, response);
    }

    /** A read that returned {@code value} (null: the key was absent). */
    public static Op read(String key, String value, long invoke, long response) {
      return new Op(key, false, value, invoke, response);
    }

    @Override
    public String toString() {
      return (write ? "W(" : "R(") + key + "=" + value + ")[" + invoke + "," + (response == Long.MAX_VALUE ? "?" : response) + "]";
    }
  }

  /**
   * True if the operations of {@code history} on {@code key} are linearizable as a register.
   *
   * @throws IllegalArgumentException if the key has more than 62 operations
   */
  public static boolean isLinearizable(List<Op> history, String key) {
    List<Op> ops = new ArrayList<>();
    for (Op op : history) {
      if (op.key.equals(key)) {
        ops.add(op);
      }
    }
    if (ops.size() > 62) {
      throw new IllegalArgumentException("history too long for this checker: " + ops.size());
    }
    return search(ops, 0L, null, new HashSet<>());
  }

  private static boolean search(List<Op> ops, long done, String value, Set<String> seen) {
    if (!seen.add(done + "|" + value)) {
      return false;
    }
    boolean allMandatoryDone = true;
    long earliestResponse = Long.MAX_VALUE;
    for (int i = 0; i < ops.size(); i++) {
      if ((done & (1L << i)) == 0) {
        earliestResponse = Math.min(earliestResponse, ops.get(i).response);
        if (ops.get(i).response != Long.MAX_VALUE) {
          allMandatoryDone = false;
        }
      }
    }
    if (allMandatoryDone) {
      return true; // what is left are writes of unknown outcome: they may not have happened
    }
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if ((done & (1L << i)) != 0 || op.invoke > earliestResponse) {
        continue; // done, or must come after an operation that already returned
      }
      if (op.write) {
        if (search(ops, done | (1L << i), op.value, seen)) {
          return true;
        }
      } else if (Objects.equals(op.value, value) && search(ops, done | (1L << i), value, seen)) {
        return true;
      }
    }
    return false;
  }
}
