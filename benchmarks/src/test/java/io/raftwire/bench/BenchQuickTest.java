package io.raftwire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
    for (String scenario : List.of("S1", "S2", "S4", "S5")) {
      Path report = out.resolve(LocalDate.now(ZoneOffset.UTC) + "-" + scenario + "-quick.md");
      assertTrue(Files.exists(report), report.toString());
      String text = Files.readString(report);
      assertTrue(text.contains("| raftwire |") || text.contains("| 1024 B | raftwire |"), text);
      assertTrue(text.contains("fifo"), text);
    }
    // S4 ran raftwire and the raw ceiling over mutual TLS too: they delivered, and the TLS that ran is named.
    String s4 = Files.readString(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S4-quick.md"));
    for (String tls : List.of("raftwire-tls", "raw-tls")) {
      assertTrue(messagesPerSecond(s4, "| 1024 B | " + tls + " |") > 0, s4);
      assertTrue(s4.contains("\n- " + tls + ": TLSv1."), s4);
    }
    assertTrue(s4.contains("| raftwire-tls / raftwire | raw-tls / raw |"), s4);
    String s3 = Files.readString(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S3-quick.md"));
    assertTrue(s3.contains("| with admission |") && s3.contains("| without admission |"), s3);
    String s6 = Files.readString(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S6-quick.md"));
    assertTrue(s6.contains("| fan-out on |") && s6.contains("| fan-out off |"), s6);
    // Every plot a report links to was drawn.
    try (var files = Files.list(out)) {
      for (Path report : files.filter(f -> f.toString().endsWith(".md")).toList()) {
        for (String line : Files.readAllLines(report)) {
          if (line.startsWith("![")) {
            Path png = out.resolve(line.substring(line.indexOf("](") + 2, line.length() - 1));
            assertTrue(Files.size(png) > 1000, png.toString());
          }
        }
      }
    }
    assertTrue(Files.exists(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S2-quick-queued-bytes.png")));
  }

  /** The median msgs/s (the first figure) of the report row that starts with {@code row}. */
  private static double messagesPerSecond(String report, String row) {
    String line = report.lines().filter(l -> l.startsWith(row)).findFirst().orElseThrow(() -> new AssertionError(row + " in " + report));
    String rest = line.substring(row.length()).strip();
    int end = rest.indexOf(' ');
    return Double.parseDouble(end < 0 ? rest : rest.substring(0, end));
  }

  @Test
  void mediansAreMedians() {
    assertEquals(2.0, Bench.median(List.of(3.0, 1.0, 2.0)));
    assertEquals(2.5, Bench.median(List.of(4.0, 1.0, 2.0, 3.0)));
  }
}
