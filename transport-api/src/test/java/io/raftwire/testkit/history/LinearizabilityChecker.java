package io.raftwire.testkit.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks that the history of one key is linearizable as a register (Wing and Gong's search):
 * there must be an order of the operations, consistent with real time (an operation that
 * returned before another was invoked comes first), in which every read returns the last value
 * written. Writes whose outcome is unknown may be placed anywhere after their invocation or
 * left out. {@link #isLinearizable} is exponential in the worst case: for the small histories of
 * tests (at most 62 operations per key). {@link #check} takes the long histories of a fault run
 * (thousands of operations per key, every value written once) and names the anomaly it finds.
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

    /** The key. */
    public String key() {
      return key;
    }

    /** True for a write. */
    public boolean isWrite() {
      return write;
    }

    /** The value written or read (null: a read of an absent key). */
    public String value() {
      return value;
    }

    /** When the operation was invoked ({@link System#nanoTime()}). */
    public long invoke() {
      return invoke;
    }

    /** When it returned; {@link Long#MAX_VALUE} for a write of unknown outcome. */
    public long response() {
      return response;
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

  /**
   * The verdict of {@link #check}: linearizable, or the anomaly, shown as the few operations
   * around the point where no order could go on.
   */
  public record Verdict(boolean linearizable, String anomaly) {
    static Verdict ok() {
      return new Verdict(true, "");
    }
  }

  /** States the search of {@link #check} may visit before it gives up (reported as not linearizable). */
  static final int MAX_STATES = 2_000_000;

  /**
   * Checks the operations of {@code history} on {@code key} as a register, for long histories in
   * which every value is written at most once (a fault run's unique writes). Two reductions keep
   * the search near linear: a write of unknown outcome that no read returned is left out (had it
   * happened, leaving it out changes no read), and one that a read returned did happen, before the
   * first such read returned, so it counts as having returned then. What is left is searched in
   * invocation order (Wing and Gong, with Lowe's memo of visited states), considering only the
   * operations that overlap the earliest pending response.
   *
   * @throws IllegalArgumentException if a value is written twice
   */
  public static Verdict check(List<Op> history, String key) {
    List<Op> mine = new ArrayList<>();
    Map<String, Op> writes = new HashMap<>();
    Map<String, Long> firstReadResponse = new HashMap<>();
    for (Op op : history) {
      if (!op.key.equals(key)) {
        continue;
      }
      mine.add(op);
      if (op.write) {
        if (writes.put(op.value, op) != null) {
          throw new IllegalArgumentException("value " + op.value + " of " + key + " is written twice");
        }
      } else if (op.value != null) {
        firstReadResponse.merge(op.value, op.response, Math::min);
      }
    }
    List<Op> ops = new ArrayList<>();
    for (Op op : mine) {
      if (!op.write) {
        if (op.value != null && !writes.containsKey(op.value)) {
          return new Verdict(false, key + ": " + op + " read a value nobody wrote");
        }
        ops.add(op);
      } else if (op.response != Long.MAX_VALUE) {
        ops.add(op);
      } else if (firstReadResponse.containsKey(op.value)) {
        ops.add(new Op(op.key, true, op.value, op.invoke, Math.max(op.invoke, firstReadResponse.get(op.value))));
      }
    }
    ops.sort(Comparator.comparingLong((Op op) -> op.invoke).thenComparingLong(op -> op.response));
    Search search = new Search(ops);
    AtomicReference<Boolean> found = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    // Recursion one level per operation: a thread with a stack to match.
    Thread worker = new Thread(null, () -> {
      try {
        found.set(search.run(new BitSet(ops.size()), 0, null));
      } catch (RuntimeException | StackOverflowError e) {
        failure.set(e);
      }
    }, "linearizability-" + key, 1L << 30);
    worker.start();
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (failure.get() != null) {
      return new Verdict(false, key + ": the search failed: " + failure.get());
    }
    return Boolean.TRUE.equals(found.get()) ? Verdict.ok() : new Verdict(false, key + ": " + search.anomaly());
  }

  /** One depth-first search; confined to the thread that runs it. */
  private static final class Search {
    private final List<Op> ops;
    private final Set<String> seen = new HashSet<>();
    private int deepest = -1; // most operations placed in any visited state
    private String deepestValue;
    private List<Integer> deepestCandidates = List.of();
    private int deepestFirst;

    Search(List<Op> ops) {
      this.ops = ops;
    }

    boolean run(BitSet done, int placed, String value) {
      int first = done.nextClearBit(0);
      if (first >= ops.size()) {
        return true;
      }
      long earliestResponse = Long.MAX_VALUE;
      int end = first;
      for (; end < ops.size() && ops.get(end).invoke <= earliestResponse; end++) {
        if (!done.get(end)) {
          earliestResponse = Math.min(earliestResponse, ops.get(end).response);
        }
      }
      while (end > first && ops.get(end - 1).invoke > earliestResponse) {
        end--;
      }
      String state = first + ":" + Arrays.toString(done.get(first, end).toLongArray()) + ":" + value;
      if (!seen.add(state)) {
        return false;
      }
      if (seen.size() > MAX_STATES) {
        throw new IllegalStateException("gave up after " + MAX_STATES + " states");
      }
      List<Integer> candidates = new ArrayList<>();
      for (int i = first; i < end; i++) {
        if (!done.get(i)) {
          candidates.add(i);
        }
      }
      if (placed > deepest) {
        deepest = placed;
        deepestValue = value;
        deepestCandidates = candidates;
        deepestFirst = first;
      }
      for (int i : candidates) {
        Op op = ops.get(i);
        if (!op.write && !Objects.equals(op.value, value)) {
          continue;
        }
        done.set(i);
        boolean ok = run(done, placed + 1, op.write ? op.value : value);
        done.clear(i);
        if (ok) {
          return true;
        }
      }
      return false;
    }

    /** The operations around the point the search got furthest. */
    String anomaly() {
      StringBuilder text = new StringBuilder("no order goes on after ").append(deepest)
          .append(" operations, with the register at ").append(deepestValue).append("; none of these can come next: ");
      for (int i : deepestCandidates) {
        text.append(ops.get(i)).append(' ');
      }
      List<String> shown = new ArrayList<>();
      for (int i : deepestCandidates) {
        Op op = ops.get(i);
        if (!op.write && !Objects.equals(op.value, deepestValue) && !shown.contains(op.value)) {
          shown.add(op.value);
          for (Op w : ops) {
            if (w.write && Objects.equals(w.value, op.value)) {
              text.append("; ").append(op.value).append(" was written by ").append(w);
            }
          }
        }
      }
      text.append("; the operations before them: ");
      for (int i = Math.max(0, deepestFirst - 4); i < deepestFirst; i++) {
        text.append(ops.get(i)).append(' ');
      }
      return text.toString().strip();
    }
  }
}
