package io.raftwire.bench.jraft;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * S7: the same jraft application on raftwire, on Bolt (jraft as it ships) and on jraft's own gRPC
 * extension. Every run of every column is a fresh JVM with that column's class path (jraft picks its
 * RPC factory once per JVM), the columns interleaved within each run; the report gives medians
 * with the spread over the runs, and a plot of the first run.
 *
 * <p>Options: {@code --quick} (one run, 1 s warm-up, 3 s measured), {@code --runs N} (3), {@code
 * --warmup-seconds} (8), {@code --measure-seconds} (8), {@code --out DIR} ({@code
 * benchmarks/results}), {@code --root DIR} (the repository, {@code .}), {@code --columns}
 * ({@code raftwire,bolt,grpc-impl}). Needs the modules built ({@code mvn install -DskipTests}):
 * it reads each column's class path from {@code benchmarks/jraft/<module>/target/s7-classpath.txt}.
 */
public final class S7 {
  /** One scenario variant: what runs, and which figures its table shows. */
  record Variant(String scenario, int payload, String title, List<String> figures) {
    String key() {
      return scenario + "-" + payload;
    }
  }

  static final List<Variant> VARIANTS = List.of(
      new Variant("starvation", 1024, "heartbeat starvation: store 3's disk at 512 KiB/s, 1 KiB proposals saturating (32 per group in flight)",
          List.of("elections", "heartbeat_gap_p99_ms", "heartbeat_gap_max_ms", "ok_per_s", "failed", "raftwire_refused")),
      new Variant("memory", 16384, "slow follower memory: store 3's disk at 512 KiB/s, 2 MiB/s of 16 KiB proposals offered",
          List.of("peak_heap_after_gc_mib", "heap_retained_at_end_mib", "peak_direct_mib", "mb_per_s", "slow_follower_lag_entries", "failed",
              "raftwire_refused", "append_lane_budget_mib")),
      new Variant("throughput", 1024, "throughput, 1 KiB proposals at saturation (32 per group in flight)",
          List.of("ok_per_s", "mb_per_s", "failed")),
      new Variant("throughput", 16384, "throughput, 16 KiB proposals at saturation (4 per group in flight)",
          List.of("ok_per_s", "mb_per_s", "failed")));

  private S7() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  /** Runs S7; returns the process exit code (0: every run produced figures). */
  public static int run(String... args) throws Exception {
    boolean quick = false;
    int runs = 3;
    int warmup = 8;
    int measure = 8;
    Path out = Path.of("benchmarks/results");
    Path root = Path.of(".");
    List<String> columns = List.of("raftwire", "bolt", "grpc-impl");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick": quick = true; break;
        case "--runs": runs = Integer.parseInt(args[++i]); break;
        case "--warmup-seconds": warmup = Integer.parseInt(args[++i]); break;
        case "--measure-seconds": measure = Integer.parseInt(args[++i]); break;
        case "--out": out = Path.of(args[++i]); break;
        case "--root": root = Path.of(args[++i]); break;
        case "--columns": columns = List.of(args[++i].split(",")); break;
        default:
          System.err.println("unknown option " + args[i]);
          return 2;
      }
    }
    if (quick) {
      runs = 1;
      warmup = 1;
      measure = 3;
    }
    Files.createDirectories(out);
    // results.get(variant).get(column).get(figure) -> one value per run
    Map<String, Map<String, Map<String, List<Double>>>> results = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    Map<String, Path> timelines = new LinkedHashMap<>();
    Path scratch = Files.createTempDirectory("s7-");
    int exit = 0;
    for (int run = 1; run <= runs; run++) {
      for (Variant v : VARIANTS) {
        for (String column : columns) {
          System.out.printf("S7 run %d/%d %s %d B %s ...%n", run, runs, v.scenario, v.payload, column);
          Path timeline = scratch.resolve(v.key() + "-" + column + "-" + run + ".csv");
          Map<String, Double> figures;
          Path data = scratch.resolve("data-" + v.key() + "-" + column + "-" + run);
          try {
            figures = launch(root, column, v, warmup, measure, data, timeline);
          } catch (IOException | RuntimeException e) {
            failures.put(column + " " + v.key() + " run " + run, e.getMessage());
            System.out.println("  failed: " + e.getMessage());
            exit = 1;
            continue;
          } finally {
            deleteTree(data); // a run's stores write gigabytes of log; only its figures are kept
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
    String name = LocalDate.now(ZoneOffset.UTC) + "-S7" + (quick ? "-quick" : "");
    Path plot = plot(out.resolve(name + "-heartbeat-gap"), columns, timelines);
    Path report = out.resolve(name + ".md");
    Files.writeString(report, markdown(runs, warmup, measure, columns, results, failures, plot.getFileName().toString()));
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
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Map<String, Double> launch(Path root, String column, Variant v, int warmup, int measure, Path data,
      Path timeline) throws IOException, InterruptedException {
    String classpath = classpath(root, column);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true", "-cp", classpath, S7Run.class.getName(), v.scenario,
        Integer.toString(v.payload), Long.toString(warmup * 1000L), Long.toString(measure * 1000L), data.toString(),
        timeline.toString()));
    Path log = Files.createTempFile("s7-run-", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(warmup + measure + 180L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("the run did not end in time; its log: " + log);
    }
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("S7RESULT ")) {
        Map<String, Double> figures = new LinkedHashMap<>();
        for (String kv : line.substring("S7RESULT ".length()).split(";", -1)) {
          if (!kv.isBlank()) {
            String[] parts = kv.split("=", 2);
            figures.put(parts[0], Double.parseDouble(parts[1]));
          }
        }
        Files.deleteIfExists(log);
        return figures;
      }
    }
    throw new IllegalStateException("the run printed no figures (exit " + p.exitValue() + "); its log: " + log);
  }

  /** The class path of a column, as its module wrote it at build time. */
  static String classpath(Path root, String column) throws IOException {
    Path jraft = root.resolve("benchmarks/jraft");
    // The application's classes come first in every column, so all three run the same build of it.
    String app = jraft.resolve("app/target/classes").toAbsolutePath() + java.io.File.pathSeparator;
    switch (column) {
      case "bolt":
        return app + Files.readString(jraft.resolve("app/target/s7-classpath.txt")).strip();
      case "raftwire":
        return jraft.resolve("raftwire/target/classes").toAbsolutePath() + java.io.File.pathSeparator + app
            + Files.readString(jraft.resolve("raftwire/target/s7-classpath.txt")).strip();
      case "grpc-impl":
        return app + Files.readString(jraft.resolve("grpc-impl/target/s7-classpath.txt")).strip();
      default:
        throw new IllegalArgumentException("unknown column " + column);
    }
  }

  private static Path plot(Path file, List<String> columns, Map<String, Path> timelines) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(900).height(500)
        .title("S7 heartbeat starvation: followers' longest time since leader contact (run 1)")
        .xAxisTitle("seconds since the cluster was ready").yAxisTitle("ms since last leader contact, worst follower").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    boolean any = false;
    for (String column : columns) {
      Path csv = timelines.get("starvation-1024|" + column);
      if (csv == null || !Files.exists(csv)) {
        continue;
      }
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
        String[] parts = line.split(",", -1);
        x.add(Double.parseDouble(parts[0]));
        y.add(Double.parseDouble(parts[1]));
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

  static String markdown(int runs, int warmup, int measure, List<String> columns,
      Map<String, Map<String, Map<String, List<Double>>>> results, Map<String, String> failures, String plot) {
    StringBuilder md = new StringBuilder("# S7: jraft on raftwire, on Bolt and on jraft's gRPC extension\n\n");
    md.append(String.format(Locale.ROOT,
        "%s; %d cores, Java %s; %d run(s) of %d s after %d s warm-up, each run of each column a fresh JVM, columns interleaved. "
            + "3 stores in one JVM, 16 groups, a counter; store 1 leads every group.%n%n",
        LocalDate.now(ZoneOffset.UTC), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), runs, measure, warmup));
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
      String first = v.figures.get(0);
      double bolt = median(byColumn.getOrDefault("bolt", Map.of()).get(first));
      for (String column : columns) {
        if (!column.equals("bolt")) {
          double ours = median(byColumn.getOrDefault(column, Map.of()).get(first));
          md.append(String.format(Locale.ROOT, "%n- %s: %s / bolt = %s", first.replace('_', ' '), column,
              Double.isNaN(ours) || Double.isNaN(bolt) || bolt == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", ours / bolt)));
        }
      }
      md.append("\n\n");
    }
    if (!failures.isEmpty()) {
      md.append("Runs that produced no figures:\n\n");
      failures.forEach((k, why) -> md.append("- ").append(k).append(": ").append(why).append('\n'));
      md.append('\n');
    }
    md.append("![S7 heartbeat gap](").append(plot).append(")\n");
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
