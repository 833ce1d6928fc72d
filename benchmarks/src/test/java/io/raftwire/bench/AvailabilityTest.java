package io.raftwire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.bench.Availability.Write;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** S10's arithmetic on made-up instants: what its failover and gap figures mean. */
class AvailabilityTest {
  @Test
  void aRangeRecoversWithTheFirstWriteSentAfterTheCrashThatSucceeds() {
    long crash = 1_000;
    List<List<Write>> range = List.of(
        // answered after the crash, but sent before it: the old leader may have served it
        List.of(new Write(900, 1_050), new Write(1_100, 3_500)),
        List.of(new Write(1_200, 2_800), new Write(2_900, 3_000)));
    assertEquals(OptionalLong.of(1_800), Availability.recoveryNanos(range, crash, 10_000));
  }

  @Test
  void aRangeWithoutASuccessWithinTheLimitDidNotRecover() {
    List<List<Write>> range = List.of(List.of(new Write(500, 900), new Write(1_500, 40_000)), List.of());
    assertEquals(OptionalLong.empty(), Availability.recoveryNanos(range, 1_000, 30_000));
    assertEquals(OptionalLong.of(39_000), Availability.recoveryNanos(range, 1_000, 39_000));
  }

  @Test
  void theLongestGapIsBetweenTwoSuccessiveAnswersOfOneKey() {
    long[] ends = {1_300, 100, 1_000, 2_900, 3_000, 900}; // any order
    assertEquals(1_600, Availability.maxGapNanos(ends, 950, 3_100));
  }

  @Test
  void theWindowsEdgesCountAsGapsToo() {
    // from the start of the window to the first success
    assertEquals(1_500, Availability.maxGapNanos(new long[] {500, 2_500, 2_600}, 1_000, 2_700));
    // a key that stops taking writes is unavailable until the end
    assertEquals(4_000, Availability.maxGapNanos(new long[] {1_000, 1_100}, 1_000, 5_100));
    // no success at all: the whole window
    assertEquals(2_000, Availability.maxGapNanos(new long[] {}, 1_000, 3_000));
    // successes after the window do not close a gap in it
    assertEquals(1_900, Availability.maxGapNanos(new long[] {1_100, 9_000}, 1_000, 3_000));
    assertThrows(IllegalArgumentException.class, () -> Availability.maxGapNanos(new long[0], 2, 1));
  }

  @Test
  void percentilesAreNearestRankOverTheRanges() {
    List<Double> ranges = List.of(5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 7.0, 6.0, 9.0, 8.0);
    assertEquals(5.0, Availability.percentile(ranges, 0.5));
    assertEquals(10.0, Availability.percentile(ranges, 0.99));
    assertEquals(8.0, Availability.percentile(ranges, 0.75));
    assertEquals(10.0, Availability.percentile(ranges, 1.0));
    assertEquals(3.0, Availability.percentile(List.of(3.0), 0.5));
    assertTrue(Double.isNaN(Availability.percentile(List.of(), 0.99)));
    assertThrows(IllegalArgumentException.class, () -> Availability.percentile(ranges, 0));
  }

  @Test
  void aWriteCannotEndBeforeItStarts() {
    assertThrows(IllegalArgumentException.class, () -> new Write(2, 1));
  }

  @Test
  void s10ReportsOneTablePerPartWithTheTransportsThatRanIt() {
    AvailabilityScenario s10 = new AvailabilityScenario();
    Map<String, Map<String, Map<String, List<Double>>>> results = Map.of("", Map.of(
        "raftwire", Map.of(AvailabilityScenario.FAILOVER_P99, List.of(2500.0, 2100.0, 2300.0),
            AvailabilityScenario.ELECTIONS, List.of(0.0, 0.0, 1.0), AvailabilityScenario.GAP_MAX, List.of(800.0)),
        "fifo", Map.of(AvailabilityScenario.ELECTIONS, List.of(4.0, 6.0, 5.0))));
    String md = Bench.markdown(s10, new Scenario.Settings(false, 1, 1, 3), List.of(""), List.of("raftwire", "fifo"), results);
    List<String> parts = sections(md);
    assertEquals(4, parts.size(), md);
    assertTrue(parts.get(1).startsWith("(a) Failover") && parts.get(1).contains("| raftwire |") && !parts.get(1).contains("| fifo |"), md);
    assertTrue(parts.get(1).contains("| 2300 [2100..2500] |"), md);
    assertTrue(parts.get(2).startsWith("(b) Elections") && parts.get(2).contains("| raftwire | 0.00 [0.00..1.00] |")
        && parts.get(2).contains("| fifo | 5.00 [4.00..6.00] |"), md);
    assertTrue(parts.get(3).startsWith("(c) Rolling restart") && parts.get(3).contains("| raftwire | 800 |"), md);
    // only the tables asked for: fifo alone reports part (b) alone
    String fifoOnly = Bench.markdown(s10, new Scenario.Settings(false, 1, 1, 3), List.of(""), List.of("fifo"),
        Map.of("", Map.of("fifo", Map.of(AvailabilityScenario.ELECTIONS, List.of(5.0)))));
    assertEquals(2, sections(fifoOnly).size(), fifoOnly);
  }

  /** The report's text before its first table heading, then each table's text from its heading on. */
  private static List<String> sections(String md) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int at = md.indexOf("### "); at >= 0; at = md.indexOf("### ", at + 1)) {
      parts.add(md.substring(start, at));
      start = at + 4;
    }
    parts.add(md.substring(start));
    return parts;
  }
}
