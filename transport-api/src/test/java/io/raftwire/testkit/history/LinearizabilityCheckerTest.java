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
}
