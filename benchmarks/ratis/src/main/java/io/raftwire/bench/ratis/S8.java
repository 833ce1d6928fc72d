package io.raftwire.bench.ratis;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * S8: the same Ratis application on raftwire and on ratis-grpc (Ratis's own gRPC transport). Every
 * run of every column is a fresh JVM with the module's class path (both columns share it), the
 * columns interleaved within each run; the report gives medians with the spread over the runs,
 * ratios to ratis-grpc, and plots of the first run.
 *
 * <p>Options: {@code --quick} (one run, 1 s warm-up, 2 s measured), {@code --runs N} (3), {@code
 * --warmup-seconds} (5), {@code --measure-seconds} (8), {@code --out DIR} ({@code
 * benchmarks/results}), {@code --root DIR} (the repository, {@code .}), {@code --columns} ({@code
 * raftwire,ratis-grpc}), {@code --logs DIR} (keep every run's log there; without it they are
 * deleted once counted). Needs the module built ({@code mvn install -DskipTests}): it reads the
 * class path from {@code benchmarks/ratis/target/s8-classpath.txt}.
 */
public final class S8 {
  /** The column the others are compared to. */
  static final String BASELINE = "ratis-grpc";

  /** One scenario variant: what runs, which figures its table shows, which of them get a ratio line. */
  record Variant(String scenario, int payload, String title, List<String> figures, List<String> ratios) {
    String key() {
      return scenario + "-" + payload;
    }
  }

  static final List<Variant> VARIANTS = List.of(
      new Variant("starvation", 1024,
          "heartbeat starvation: server 3's apply paced at 512 KiB/s, 1 KiB proposals saturating (32 per group in flight)",
          List.of("elections", "heartbeat_gap_p99_ms", "heartbeat_gap_max_ms", "ok_per_s", "failed", "raftwire_refused"),
          List.of("heartbeat_gap_p99_ms", "heartbeat_gap_max_ms", "ok_per_s")),
      new Variant("memory", 16384,
          "slow follower memory: server 3's apply paced at 512 KiB/s, 2 MiB/s of 16 KiB proposals offered",
          List.of("peak_heap_after_gc_mib", "heap_retained_at_end_mib", "peak_direct_mib", "mb_per_s",
              "slow_follower_lag_entries", "failed", "raftwire_refused", "append_lane_budget_mib"),
          List.of("peak_heap_after_gc_mib", "peak_direct_mib", "mb_per_s")),
      new Variant("throughput", 1024, "throughput, 1 KiB proposals at saturation (32 per group in flight)",
          List.of("ok_per_s", "mb_per_s", "failed"), List.of("ok_per_s")),
      new Variant("throughput", 16384, "throughput, 16 KiB proposals at saturation (4 per group in flight)",
          List.of("ok_per_s", "mb_per_s", "failed"), List.of("ok_per_s")));

  private S8() {}

  /**
   * Runs S8 and exits with its code.
   *
   * @param args the options (see the class comment)
   * @throws Exception if the report cannot be written
   */
  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  /**
   * Runs S8.
   *
   * @param args the options (see the class comment)
   * @return the process exit code: 0 if every run produced figures, 1 if some did not, 2 for a bad option
   * @throws Exception if the report cannot be written
   */
  public static int run(String... args) throws Exception {
    boolean quick = false;
    int runs = 3;
    int warmup = 5;
    int measure = 8;
    Path out = Path.of("benchmarks/results");
    Path root = Path.of(".");
    Path keepLogs = null;
    List<String> columns = List.of("raftwire", BASELINE);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick": quick = true; break;
        case "--runs": runs = Integer.parseInt(args[++i]); break;
        case "--warmup-seconds": warmup = Integer.parseInt(args[++i]); break;
        case "--measure-seconds": measure = Integer.parseInt(args[++i]); break;
        case "--out": out = Path.of(args[++i]); break;
        case "--root": root = Path.of(args[++i]); break;
        case "--logs": keepLogs = Path.of(args[++i]); break;
        case "--columns": columns = List.of(args[++i].split(",")); break;
        default:
          System.err.println("unknown option " + args[i]);
          return 2;
      }
    }
    if (quick) {
      runs = 1;
      warmup = 1;
      measure = 2;
    }
    Files.createDirectories(out);
    Path scratch = Files.createTempDirectory("s8-");
    Path logs = keepLogs != null ? Files.createDirectories(keepLogs) : scratch.resolve("logs");
    Files.createDirectories(logs);
    String classpath = classpath(root);
    // results.get(variant).get(column).get(figure) -> one value per run
    Map<String, Map<String, Map<String, List<Double>>>> results = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    Map<String, String> logNotes = new LinkedHashMap<>();
    Map<String, Path> timelines = new LinkedHashMap<>();
    int exit = 0;
    for (int run = 1; run <= runs; run++) {
      for (Variant v : VARIANTS) {
        for (String column : columns) {
          System.out.printf("S8 run %d/%d %s %d B %s ...%n", run, runs, v.scenario, v.payload, column);
          String id = v.key() + "-" + column + "-" + run;
          Path timeline = scratch.resolve(id + ".csv");
          Path data = scratch.resolve("data-" + id);
          Path log = logs.resolve(id + ".log");
          Map<String, Double> figures;
          try {
            figures = launch(classpath, column, v, warmup, measure, data, timeline, log);
          } catch (IOException | RuntimeException e) {
            failures.put(column + " " + v.key() + " run " + run, e.getMessage());
            System.out.println("  failed: " + e.getMessage());
            exit = 1;
            continue;
          } finally {
            deleteTree(data); // only a run's figures are kept, not its Ratis logs on disk
            String note = logNote(log);
            if (!note.isEmpty()) {
              logNotes.put(column + " " + v.key() + " run " + run, note);
            }
          }
          System.out.println("  " + figures);
          if (run == 1) {
            timelines.put(v.key() + "|" + column, timeline);
          }
          figures.forEach((k, value) -> results.computeIfAbsent(v.key(), x -> new LinkedHashMap<>())
              .computeIfAbsent(column, x -> new LinkedHashMap<>())
              .computeIfAbsent(k, x -> new ArrayList<>()).add(value));
        }
      }
    }
    String name = LocalDate.now(ZoneOffset.UTC) + "-S8" + (quick ? "-quick" : "");
    System.setProperty("java.awt.headless", "true");
    Path gapPlot = plot(out.resolve(name + "-heartbeat-gap"), columns, timelines, "starvation-1024", 1,
        "S8 heartbeat starvation: followers' longest time since leader contact (run 1)",
        "ms since last leader RPC, worst follower per 50 ms");
    Path heapPlot = plot(out.resolve(name + "-heap"), columns, timelines, "memory-16384", 2,
        "S8 slow follower memory: heap used, the whole process (run 1)", "heap used, MiB");
    Path report = out.resolve(name + ".md");
    Files.writeString(report, markdown(String.join(" ", args), runs, warmup, measure, columns, results, failures, logNotes,
        gapPlot.getFileName().toString(), heapPlot.getFileName().toString()));
    System.out.println(Files.readString(report));
    System.out.println("written to " + report);
    deleteTree(scratch);
    return exit;
  }

  /** Deletes {@code dir} and everything under it, if it exists. */
  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Map<String, Double> launch(String classpath, String column, Variant v, int warmup, int measure,
      Path data, Path timeline, Path log) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, S8Run.class.getName(), column, v.scenario, Integer.toString(v.payload),
        Long.toString(warmup * 1000L), Long.toString(measure * 1000L), data.toString(), timeline.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(warmup + measure + 180L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("the run did not end in time; its log: " + log);
    }
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("S8RESULT ")) {
        Map<String, Double> figures = new LinkedHashMap<>();
        for (String kv : line.substring("S8RESULT ".length()).split(";", -1)) {
          if (!kv.isBlank()) {
            String[] parts = kv.split("=", 2);
            figures.put(parts[0], Double.parseDouble(parts[1]));
          }
        }
        return figures;
      }
    }
    throw new IllegalStateException("the run printed no figures (exit " + p.exitValue() + "); its log: " + log);
  }

  /** What a run's log holds besides its figures: WARN/ERROR lines (counted, the first one quoted) and raftwire's counters. */
  private static String logNote(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    int warnings = 0;
    String first = null;
    String counters = "";
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("S8COUNTERS ")) {
        String c = line.substring("S8COUNTERS ".length());
        counters = c.equals("{}") ? "" : "raftwire counters " + c;
      } else if ((line.contains(" WARN ") || line.contains(" ERROR ")) && !line.contains("PLAINTEXT: peers are not authenticated")) {
        warnings++;
        if (first == null) {
          first = line.length() > 300 ? line.substring(0, 300) + "..." : line;
        }
      }
    }
    StringBuilder note = new StringBuilder();
    if (warnings > 0) {
      note.append(warnings).append(" WARN/ERROR log line(s), the first: `").append(first.replace('`', '\'')).append('`');
    }
    if (!counters.isEmpty()) {
      note.append(note.length() > 0 ? "; " : "").append(counters);
    }
    return note.toString();
  }

  /** The class path of the runs: the module's classes, then its runtime dependencies as the build wrote them. */
  static String classpath(Path root) throws IOException {
    Path module = root.resolve("benchmarks/ratis");
    return module.resolve("target/classes").toAbsolutePath() + File.pathSeparator
        + Files.readString(module.resolve("target/s8-classpath.txt")).strip();
  }

  private static Path plot(Path file, List<String> columns, Map<String, Path> timelines, String variant, int yColumn,
      String title, String yTitle) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
        .xAxisTitle("seconds since the cluster was ready").yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    boolean any = false;
    for (String column : columns) {
      Path csv = timelines.get(variant + "|" + column);
      if (csv == null || !Files.exists(csv)) {
        continue;
      }
      List<String> lines = Files.readAllLines(csv);
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] parts = line.split(",", -1);
        x.add(Double.parseDouble(parts[0]));
        y.add(Double.parseDouble(parts[yColumn]));
      }
      if (!x.isEmpty()) {
        chart.addSeries(column, x, y).setMarker(SeriesMarkers.NONE);
        any = true;
      }
    }
    if (!any) {
      chart.addSeries("no data", new double[] {0}, new double[] {0});
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return Path.of(file + ".png");
  }

  static String markdown(String args, int runs, int warmup, int measure, List<String> columns,
      Map<String, Map<String, Map<String, List<Double>>>> results, Map<String, String> failures,
      Map<String, String> logNotes, String gapPlot, String heapPlot) {
    StringBuilder md = new StringBuilder("# S8: Ratis on raftwire and on ratis-grpc\n\n");
    md.append(String.format(Locale.ROOT,
        "%s; %d cores, Java %s; %d run(s) of %d s measured after %d s warm-up; each run of each column a fresh JVM "
            + "(default heap and GC), the columns interleaved within each run. 3 Ratis 3.3.0 servers in one JVM, 16 groups, "
            + "a counter state machine, load from one Ratis client per group (Ratis's gRPC client protocol in both columns). "
            + "Leadership of every group is transferred to server 1 (Ratis's admin transferLeadership) before the warm-up. "
            + "Both columns run identical Ratis properties (election timeout 500..1000 ms, everything else Ratis's defaults) "
            + "apart from the RPC type: ratis-grpc is `SupportedRpcType.GRPC` (GrpcLogAppender), raftwire is the adapter "
            + "on raftwire's gRPC transport with its default lanes, budgets and credits and the adapter's own log appender (RaftwireLogAppender).%n%n",
        LocalDate.now(ZoneOffset.UTC), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        runs, measure, warmup));
    md.append("Command (from the repository root, after `mvn -o -B -pl benchmarks/ratis -am install -DskipTests`):\n\n")
        .append("```\njava -cp \"benchmarks/ratis/target/classes:$(cat benchmarks/ratis/target/s8-classpath.txt)\" ")
        .append(S8.class.getName()).append(args.isEmpty() ? "" : " " + args).append("\n```\n\n");
    md.append("Heartbeat gap: every 10 ms, each follower division's time since its leader's last RPC "
        + "(Ratis's `RoleInfoProto.followerInfo.leaderInfo.lastRpcElapsedTimeMs`), p99 and max over all samples of "
        + "servers 2 and 3 in the measured window. Elections: term increases summed over the groups in the window. "
        + "Heap: used after each GC (GC notifications), peak in the window; retained: after one full GC at the end. "
        + "Direct: the JDK's direct buffer pool plus what both shaded Netty copies (raftwire's grpc-netty-shaded, "
        + "Ratis's thirdparty) count, sampled every 50 ms. The slow follower's apply lag (committed on server 1, "
        + "not applied on server 3) stays in server 3's log cache: heap figures are the whole process.\n\n");
    md.append("Median, with the spread (min..max) over the runs in brackets.\n\n");
    for (Variant v : VARIANTS) {
      Map<String, Map<String, List<Double>>> byColumn = results.getOrDefault(v.key(), Map.of());
      md.append("## ").append(v.title).append("\n\n| transport |");
      v.figures.forEach(f -> md.append(' ').append(f.replace('_', ' ')).append(" |"));
      md.append("\n|---|");
      v.figures.forEach(f -> md.append("---:|"));
      md.append('\n');
      for (String column : columns) {
        Map<String, List<Double>> figures = byColumn.getOrDefault(column, Map.of());
        md.append("| ").append(column).append(" |");
        for (String f : v.figures) {
          md.append(' ').append(cell(figures.get(f))).append(" |");
        }
        md.append('\n');
      }
      for (String f : v.ratios) {
        double base = median(byColumn.getOrDefault(BASELINE, Map.of()).get(f));
        for (String column : columns) {
          if (!column.equals(BASELINE)) {
            double ours = median(byColumn.getOrDefault(column, Map.of()).get(f));
            md.append(String.format(Locale.ROOT, "%n- %s: %s / %s = %s", f.replace('_', ' '), column, BASELINE,
                Double.isNaN(ours) || Double.isNaN(base) || base == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", ours / base)));
          }
        }
      }
      md.append("\n\n");
    }
    if (!failures.isEmpty()) {
      md.append("Runs that produced no figures:\n\n");
      failures.forEach((k, why) -> md.append("- ").append(k).append(": ").append(why).append('\n'));
      md.append('\n');
    }
    if (!logNotes.isEmpty()) {
      md.append("What the runs' logs hold (raftwire and Ratis at WARN/ERROR; Ratis at ERROR only), and raftwire's "
          + "non-zero adapter counters:\n\n");
      logNotes.forEach((k, note) -> md.append("- ").append(k).append(": ").append(note).append('\n'));
      md.append('\n');
    }
    md.append("![S8 heartbeat gap](").append(gapPlot).append(")\n\n");
    md.append("![S8 heap](").append(heapPlot).append(")\n");
    md.append("\nMachine: ").append(ManagementFactory.getOperatingSystemMXBean().getName()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores.\n");
    return md.toString();
  }

  private static String cell(List<Double> values) {
    if (values == null || values.isEmpty()) {
      return "";
    }
    List<Double> v = values.stream().filter(d -> !d.isNaN()).sorted().toList();
    if (v.isEmpty()) {
      return "n/a";
    }
    String median = format(median(v));
    return v.size() == 1 ? median : median + " [" + format(v.get(0)) + ".." + format(v.get(v.size() - 1)) + "]";
  }

  private static String format(double d) {
    return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
  }

  static double median(List<Double> values) {
    if (values == null) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().filter(d -> !d.isNaN()).sorted().toList();
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
