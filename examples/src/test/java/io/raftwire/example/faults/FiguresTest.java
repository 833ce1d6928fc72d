package io.raftwire.example.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftwire.example.faults.Workload.Op;
import io.raftwire.example.faults.Workload.Outcome;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the suite's figures are computed from a history. */
class FiguresTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void theLongestOutageIsTheLongestGapBetweenCompletionsOfAnyKey() {
    List<Op> history = List.of(
        new Op("a", true, "v1", 0, 100 * MS, Outcome.OK),
        new Op("a", false, "v1", 100 * MS, 900 * MS, Outcome.OK),
        new Op("a", true, "v2", 900 * MS, 1000 * MS, Outcome.UNKNOWN), // not a completion
        new Op("b", false, null, 0, 500 * MS, Outcome.OK),
        new Op("b", false, null, 500 * MS, 1000 * MS, Outcome.OK));
    assertEquals("800 ms (a)", Figures.longestOutage(history, List.of("a", "b"), 0, 1000 * MS));
  }

  @Test
  void recoveryWaitsForEveryKeysFirstOperationInvokedAfterTheFault() {
    List<Op> history = List.of(
        new Op("a", false, null, 50 * MS, 70 * MS, Outcome.OK), // invoked before the fault ended
        new Op("a", false, null, 110 * MS, 130 * MS, Outcome.OK),
        new Op("b", false, null, 120 * MS, 400 * MS, Outcome.OK));
    assertEquals("300 ms", Figures.recovery(history, List.of("a", "b"), 100 * MS));
    assertEquals("never", Figures.recovery(history, List.of("a", "b", "c"), 100 * MS));
  }
}
