package io.raftwire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code verify} runs the quick mode once, so the harness cannot rot. It asserts no speed. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BenchQuickTest {
  @TempDir Path out;

  @Test
  void theQuickModeRunsEveryScenarioAndWritesItsReports() throws Exception {
    int exit = new CommandLine(new Bench()).execute("--quick", "--out", out.toString());
    assertEquals(0, exit);
    for (String scenario : List.of("S1", "S4", "S5")) {
      Path report = out.resolve(LocalDate.now() + "-" + scenario + "-quick.md");
      assertTrue(Files.exists(report), report.toString());
      String text = Files.readString(report);
      assertTrue(text.contains("| raftwire |") || text.contains("| 1024 B | raftwire |"), text);
      assertTrue(text.contains("fifo"), text);
    }
  }

  @Test
  void mediansAreMedians() {
    assertEquals(2.0, Bench.median(List.of(3.0, 1.0, 2.0)));
    assertEquals(2.5, Bench.median(List.of(4.0, 1.0, 2.0, 3.0)));
  }
}
