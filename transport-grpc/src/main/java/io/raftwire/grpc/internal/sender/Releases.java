package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.budget.ByteBudget;
import java.util.Arrays;

/**
 * Budget releases gathered over many items and given back once per budget: an acknowledgement
 * covering a thousand envelopes of one lane gives its bytes back in one release instead of a
 * thousand (each a compare-and-set on a line the accepting threads contend for). A handful of
 * distinct budgets is the rule (a lane's, the elastic share's), so a short linear list is enough.
 *
 * <p>Not thread-safe: one is used by one thread, for one batch, and then {@link #flush flushed}.
 */
final class Releases {
  private ByteBudget[] budgets = new ByteBudget[4];
  private long[] bytes = new long[4];
  private int size;

  /** Adds {@code amount} bytes to give back to {@code budget} at the next {@link #flush}. */
  void add(ByteBudget budget, long amount) {
    for (int i = 0; i < size; i++) {
      if (budgets[i] == budget) {
        bytes[i] += amount;
        return;
      }
    }
    if (size == budgets.length) {
      budgets = Arrays.copyOf(budgets, size * 2);
      bytes = Arrays.copyOf(bytes, size * 2);
    }
    budgets[size] = budget;
    bytes[size] = amount;
    size++;
  }

  /** Gives everything gathered back, one release per budget, and starts over. */
  void flush() {
    for (int i = 0; i < size; i++) {
      ByteBudget budget = budgets[i];
      budgets[i] = null;
      budget.release(bytes[i]);
    }
    size = 0;
  }
}
