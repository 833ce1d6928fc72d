package io.raftwire.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.testkit.time.FakeTimebase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProblemLogTest {
  private static final long INTERVAL = TimeUnit.SECONDS.toNanos(10);
  private final FakeTimebase time = new FakeTimebase();
  private final List<String> lines = new ArrayList<>();

  @Test
  void aFloodFromOnePeerIsOneLinePerIntervalWithTheCountOfWhatWasHeldBack() {
    ProblemLog log = ProblemLog.create(time, INTERVAL, 16, 50, lines::add);
    for (int i = 0; i < 3000; i++) {
      log.report("s2", "malformed", "payload " + i + " does not decode");
    }
    assertEquals(List.of("s2: malformed: payload 0 does not decode"), lines);

    time.advance(Duration.ofSeconds(10));
    assertTrue(log.report("s2", "malformed", "payload 3000 does not decode"));
    assertEquals("s2: malformed: payload 3000 does not decode (and 2999 more like it in the last 10 s)", lines.get(1));
  }

  @Test
  void eachPeerAndReasonHasItsOwnWindow() {
    ProblemLog log = ProblemLog.create(time, INTERVAL, 16, 50, lines::add);
    assertTrue(log.report("s2", "malformed", ""));
    assertTrue(log.report("s3", "malformed", ""));
    assertTrue(log.report("s2", "wrong-sender", ""));
    assertFalse(log.report("s2", "malformed", ""));
    assertEquals(List.of("s2: malformed", "s3: malformed", "s2: wrong-sender"), lines);
  }

  @Test
  void manyDistinctSourcesAreCappedPerIntervalAndTheCapIsReported() {
    ProblemLog log = ProblemLog.create(time, INTERVAL, 100_000, 5, lines::add);
    for (int i = 0; i < 10_000; i++) {
      log.report("10.0.0." + i, "rapid-reset", "");
    }
    assertEquals(5, lines.size());
    time.advance(Duration.ofSeconds(10));
    log.report("10.0.0.1", "rapid-reset", "");
    assertEquals("10.0.0.1: rapid-reset (9995 other problem lines held back by the line cap)", lines.get(5));
  }

  @Test
  void theKeysItRemembersAreBounded() {
    ProblemLog log = ProblemLog.create(time, INTERVAL, 8, 1_000_000, lines::add);
    for (int i = 0; i < 1000; i++) {
      log.report("peer-" + i, "refused", "");
    }
    assertEquals(8, log.keys());
  }

  @Test
  void flushWritesTheLastCountOfABurstOnceItsIntervalEnded() {
    ProblemLog log = ProblemLog.create(time, INTERVAL, 16, 50, lines::add);
    log.report("s2", "malformed", "first");
    log.report("s2", "malformed", "second");
    log.report("s2", "malformed", "third");
    assertEquals(0, log.flush(), "the interval has not ended");
    time.advance(Duration.ofSeconds(10));
    assertEquals(1, log.flush());
    assertEquals("s2: malformed: 2 more in the last 10 s", lines.get(1));
    assertEquals(0, log.flush(), "written once");
  }

  @Test
  void textFromAPeerCannotForgeALogLineOrGrowWithoutLimit() {
    ProblemLog log = ProblemLog.create(time, INTERVAL, 16, 50, lines::add);
    log.report("s2\nINFO forged", "malformed", "x".repeat(10_000) + "\r\nERROR forged");
    String line = lines.get(0);
    assertFalse(line.contains("\n") || line.contains("\r"), line);
    assertTrue(line.startsWith("s2?INFO forged: malformed: xxx"), line);
    assertTrue(line.length() < 2 * ProblemLog.MAX_TEXT_CHARS + 40, "cut: " + line.length());
  }

  @Test
  void boundsMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> ProblemLog.create(time, 0, 1, 1, lines::add));
    assertThrows(IllegalArgumentException.class, () -> ProblemLog.create(time, 1, 0, 1, lines::add));
    assertThrows(IllegalArgumentException.class, () -> ProblemLog.create(time, 1, 1, 0, lines::add));
  }
}
