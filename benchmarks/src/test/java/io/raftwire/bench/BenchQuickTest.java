package io.raftwire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code verify} runs the quick mode once, so the harness cannot rot: every scenario it runs must
 * report every figure of every transport. It asserts no speed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BenchQuickTest {
  @TempDir Path out;

  @Test
  void theQuickModeRunsEveryScenarioAndWritesItsReports() throws Exception {
    Bench bench = new Bench();
    int exit = new CommandLine(bench).execute("--quick", "--out", out.toString());
    assertEquals(0, exit);
    Map<String, Scenario> known = Bench.known();
    for (String id : bench.scenarios) {
      Path report = out.resolve(LocalDate.now(ZoneOffset.UTC) + "-" + id + "-quick.md");
      assertTrue(Files.exists(report), report.toString());
      assertEveryFigure(known.get(id), Files.readString(report));
    }
    // S4 ran raftwire and the raw ceiling over mutual TLS too, and the TLS that ran is named.
    String s4 = Files.readString(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S4-quick.md"));
    for (String tls : List.of("raftwire-tls", "raw-tls")) {
      assertTrue(s4.contains("\n- " + tls + ": TLSv1."), s4);
    }
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

  @Test
  void theQuickModeRunsS9AndPlotsItAgainstTheRangeCount() throws Exception {
    int exit = new CommandLine(new Bench()).execute("--quick", "--scenarios", "S9", "--out", out.toString());
    assertEquals(0, exit);
    String name = LocalDate.now(ZoneOffset.UTC) + "-S9-quick";
    String report = Files.readString(out.resolve(name + ".md"));
    assertEveryFigure(Bench.known().get("S9"), report);
    assertTrue(report.contains("| 1000 | envelopes |") && report.contains("| 1000 | coalesced |"), report);
    for (String plot : List.of("cpu", "heartbeat-p99")) {
      assertTrue(Files.size(out.resolve(name + "-" + plot + ".png")) > 1000, plot);
    }
    // A later invocation with --merge reports the runs of both.
    assertEquals(0, new CommandLine(new Bench()).execute("--quick", "--merge", "--scenarios", "S9", "--variants", "1000",
        "--transports", "coalesced", "--out", out.toString()));
    String merged = Files.readString(out.resolve(name + ".md"));
    assertTrue(merged.contains("| 1000 | envelopes |") && merged.contains("| 1000 | coalesced |"), merged);
    assertTrue(merged.contains("runs (merged invocations) 1000 ranges per store: 2"), merged);
    assertEquals(3 * Bench.known().get("S9").figures().size(), Files.readAllLines(out.resolve(name + ".tsv")).size());
  }

  /** S11 (left out of the default run): every window reports its throughput over the delayed link. */
  @Test
  void theQuickModeRunsS11OverTheDelayedLink() throws Exception {
    int exit = new CommandLine(new Bench()).execute("--quick", "--scenarios", "S11", "--out", out.toString());
    assertEquals(0, exit);
    String report = Files.readString(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S11-quick.md"));
    assertEveryFigure(Bench.known().get("S11"), report);
  }

  /**
   * The report of {@code scenario} has a row for each of its transports; every figure cell of every
   * table holds a number (no empty cell, no {@code none}) unless the scenario says the transport
   * has no such figure ({@link Scenario#measures}); throughput figures (msgs/s, MB/s) are
   * above zero; no comparison is {@code n/a}; and every ratio the scenario declares is a column
   * of numbers.
   */
  private static void assertEveryFigure(Scenario scenario, String report) {
    List<List<List<String>>> tables = tables(report);
    assertFalse(tables.isEmpty(), report);
    Set<String> rows = new HashSet<>();
    Set<String> columns = new HashSet<>();
    for (List<List<String>> table : tables) {
      List<String> header = table.get(0);
      columns.addAll(header);
      int transportColumn = header.indexOf("transport");
      for (List<String> row : table.subList(1, table.size())) {
        assertEquals(header.size(), row.size(), scenario.id() + ": " + row + " under " + header);
        if (transportColumn >= 0) {
          rows.add(row.get(transportColumn));
        }
        for (int c = 0; c < header.size(); c++) {
          String column = header.get(c);
          if (column.equals("transport") || column.equals(scenario.variantColumn())) {
            continue;
          }
          String cell = row.get(c);
          String where = scenario.id() + " " + row.subList(0, Math.max(1, transportColumn + 1)) + " " + column + ": '" + cell + "'";
          if (transportColumn >= 0 && !scenario.measures(row.get(transportColumn), column)) {
            assertEquals("none", cell, where);
            continue;
          }
          assertTrue(NUMBER.matcher(cell).matches(), where);
          if (column.endsWith("msgs/s") || column.equals("MB/s")) {
            int space = cell.indexOf(' ');
            assertTrue(Double.parseDouble(space < 0 ? cell : cell.substring(0, space)) > 0, where);
          }
        }
      }
    }
    for (String transport : scenario.transports()) {
      assertTrue(rows.contains(transport), scenario.id() + " has no row of " + transport + ":\n" + report);
    }
    for (Scenario.Ratio ratio : scenario.ratios()) {
      String column = ratio.numerator() + " / " + ratio.denominator();
      assertTrue(columns.contains(column), scenario.id() + " has no ratio " + column + ":\n" + report);
    }
    assertFalse(report.contains("n/a"), report);
  }

  /**
   * S9M, run on its own since the default quick run leaves it out: both variants report every
   * figure for a few groups, and the groups all have leaders.
   */
  @Test
  void theQuickMicroRaftGroupsRunReportsEveryFigure() throws Exception {
    int exit = new CommandLine(new Bench()).execute("--quick", "--scenarios", "S9M", "--out", out.toString());
    assertEquals(0, exit);
    String report = Files.readString(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S9M-quick.md"));
    assertEveryFigure(Bench.known().get("S9M"), report);
    assertTrue(report.contains("| 10 groups | coalesced | ") && report.contains("| 10 groups | envelopes | "), report);
  }

  /** A figure cell: a median, with the spread over the runs when there were several. */
  private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?( \\[-?[0-9.]+\\.\\.-?[0-9.]+\\])?");

  /** The report's Markdown tables: each a header and its rows, each a list of its cells. */
  private static List<List<List<String>>> tables(String report) {
    List<List<List<String>>> tables = new ArrayList<>();
    List<String> lines = report.lines().toList();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("|") && lines.get(i + 1).startsWith("|---")) {
        List<List<String>> table = new ArrayList<>();
        table.add(cells(lines.get(i)));
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
          table.add(cells(lines.get(i)));
        }
        tables.add(table);
      }
    }
    return tables;
  }

  private static List<String> cells(String line) {
    String inner = line.strip().substring(1, line.strip().length() - 1);
    return Arrays.stream(inner.split("\\|", -1)).map(String::strip).toList();
  }

  @Test
  void mediansAreMedians() {
    assertEquals(2.0, Bench.median(List.of(3.0, 1.0, 2.0)));
    assertEquals(2.5, Bench.median(List.of(4.0, 1.0, 2.0, 3.0)));
  }
}
