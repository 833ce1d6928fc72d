package io.raftwire.testkit.history;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.testkit.history.LinearizabilityChecker.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker itself must catch what it is for. */
class LinearizabilityCheckerTest {

  @Test
  void acceptsOverlappingOperationsInAnyConsistentOrder() {
    assertTrue(LinearizabilityChecker.isLinearizable(List.of(
        Op.write("k", "a", 0, 10), Op.write("k", "b", 5, 15), Op.read("k", "a", 12, 20)), "k"));
  }

  @Test
  void rejectsAStaleRead() {
    assertFalse(LinearizabilityChecker.isLinearizable(List.of(
        Op.write("k", "a", 0, 10), Op.write("k", "b", 11, 20), Op.read("k", "a", 21, 30)), "k"));
  }

  @Test
  void writesOfUnknownOutcomeMayOrMayNotHaveHappened() {
    assertTrue(LinearizabilityChecker.isLinearizable(List.of(
        Op.write("k", "a", 0, 10), Op.write("k", "b", 11, Long.MAX_VALUE), Op.read("k", "a", 12, 20),
        Op.read("k", "b", 21, 30)), "k"));
    assertFalse(LinearizabilityChecker.isLinearizable(List.of(
        Op.write("k", "a", 0, 10), Op.read("k", "c", 12, 20)), "k"), "a value nobody wrote");
  }

  @Test
  void checksLongHistoriesAndNamesTheAnomaly() {
    java.util.List<Op> history = new java.util.ArrayList<>();
    long t = 0;
    for (int i = 0; i < 5000; i++) {
      // two overlapping writers and a reader, 5000 rounds: far beyond isLinearizable's reach
      history.add(Op.write("k", "a" + i, t, t + 10));
      history.add(Op.write("k", "b" + i, t + 1, t + 11));
      history.add(Op.read("k", "b" + i, t + 12, t + 13));
      t += 20;
    }
    assertTrue(LinearizabilityChecker.check(history, "k").linearizable());
    history.add(Op.read("k", "a7", t + 1, t + 2)); // a stale read at the end
    LinearizabilityChecker.Verdict verdict = LinearizabilityChecker.check(history, "k");
    assertFalse(verdict.linearizable());
    assertTrue(verdict.anomaly().contains("R(k=a7)"), verdict.anomaly());
    assertTrue(verdict.anomaly().contains("a7 was written by W(k=a7)"), verdict.anomaly());
    assertTrue(verdict.anomaly().length() < 1000, "a minimal anomaly, not the whole history: " + verdict.anomaly());
  }

  @Test
  void anUnknownWriteThatWasReadHappenedBeforeTheRead() {
    assertTrue(LinearizabilityChecker.check(List.of(
        Op.write("k", "a", 0, 10), Op.write("k", "b", 5, Long.MAX_VALUE), Op.read("k", "b", 12, 20),
        Op.read("k", "b", 21, 30)), "k").linearizable());
    assertFalse(LinearizabilityChecker.check(List.of(
        Op.write("k", "a", 0, 10), Op.write("k", "b", 5, Long.MAX_VALUE), Op.read("k", "b", 12, 20),
        Op.read("k", "a", 21, 30)), "k").linearizable(), "b was read, so a cannot come back");
    assertTrue(LinearizabilityChecker.check(List.of(
        Op.write("k", "a", 0, 10), Op.write("k", "b", 5, Long.MAX_VALUE), Op.read("k", "a", 21, 30)), "k")
        .linearizable(), "an unknown write nobody read may not have happened");
    assertFalse(LinearizabilityChecker.check(List.of(
        Op.write("k", "a", 0, 10), Op.read("k", "c", 12, 20)), "k").linearizable(), "a value nobody wrote");
  }
}
