package io.raftwire.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the scenarios, each transport interleaved within every run, and writes one Markdown report
 * per scenario to {@code benchmarks/results/<date>-<scenario>.md}: median and spread (min..max)
 * over the runs, with the machine's cores, memory and JVM.
 */
@Command(name = "raftwire-bench", mixinStandardHelpOptions = true,
    description = "raftwire side by side with baseline transports and raw gRPC, measured in one run.")
public final class Bench implements Callable<Integer> {
  @Option(names = "--quick", description = "A smoke run: one short run of one variant per scenario.")
  boolean quick;

  @Option(names = "--scenarios", split = ",", defaultValue = "S1,S2,S3,S4,S5,S6", description = "Which (default ${DEFAULT-VALUE}).")
  List<String> scenarios;

  @Option(names = "--runs", defaultValue = "3", description = "Runs per configuration (default ${DEFAULT-VALUE}; quick: 1).")
  int runs;

  @Option(names = "--warmup-seconds", defaultValue = "8", description = "Warm-up per run (default ${DEFAULT-VALUE}; quick: 1).")
  int warmupSeconds;

  @Option(names = "--measure-seconds", defaultValue = "10", description = "Measured time per run (default ${DEFAULT-VALUE}; quick: 2).")
  int measureSeconds;

  @Option(names = "--transports", split = ",", description = "Only these of a scenario's transports, e.g. raftwire,raftwire-tls (default: all).")
  List<String> onlyTransports = List.of();

  @Option(names = "--variants", split = ",", description = "Only these of a scenario's variants, e.g. S4's payload sizes 16384,262144 (default: all).")
  List<String> onlyVariants = List.of();

  @Option(names = "--out", defaultValue = "benchmarks/results", description = "Report directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--merge", description = "Add this invocation's runs to those of today's earlier invocations of the "
      + "scenario (kept in <report>.tsv) and report them all: a long scenario measured in several short invocations.")
  boolean merge;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Scenario.Settings settings = quick
        ? new Scenario.Settings(true, TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(2), 1)
        : new Scenario.Settings(false, TimeUnit.SECONDS.toNanos(warmupSeconds), TimeUnit.SECONDS.toNanos(measureSeconds), runs);
    Map<String, Scenario> known = known();
    Files.createDirectories(out);
    for (String id : scenarios) {
      Scenario scenario = known.get(id.strip());
      if (scenario == null) {
        System.err.println("unknown scenario " + id + "; known: " + known.keySet());
        return 2;
      }
      List<String> variants = selected(scenario.variants(settings), onlyVariants);
      List<String> transports = selected(scenario.transports(), onlyTransports);
      if (variants.isEmpty() || transports.isEmpty()) {
        System.err.println(scenario.id() + " has none of the variants or transports asked for; it has "
            + scenario.variants(settings) + " and " + scenario.transports());
        return 2;
      }
      Path report = run(scenario, settings, variants, transports);
      System.out.println("\n" + Files.readString(report));
      System.out.println("written to " + report);
    }
    return 0;
  }

  /** Every scenario, new, by id. */
  static Map<String, Scenario> known() {
    Map<String, Scenario> known = new LinkedHashMap<>();
    for (Scenario s : List.of(new HeartbeatScenario(), new SlowFollowerScenario(), new ElasticOverloadScenario(false),
        new ElasticOverloadScenario(true),
        new ThroughputScenario(), new FairnessScenario(), new CrossZoneScenario(), new IdleRangesScenario(),
        new AvailabilityScenario(), new MicroRaftGroupsScenario(), new WanWindowsScenario())) {
      known.put(s.id(), s);
    }
    return known;
  }

  /** The members of {@code all} that are in {@code wanted}, in their order; all of them if nothing is wanted. */
  private static List<String> selected(List<String> all, List<String> wanted) {
    return wanted.isEmpty() ? all : all.stream().filter(wanted::contains).toList();
  }

  private Path run(Scenario scenario, Scenario.Settings settings, List<String> variants, List<String> transports)
      throws Exception {
    // results.get(variant).get(transport).get(figure) -> one value per run
    Map<String, Map<String, Map<String, List<Double>>>> results = new LinkedHashMap<>();
    // The first run's timelines, by variant and transport, for the plots.
    Map<String, Map<String, Timeline>> timelines = new LinkedHashMap<>();
    String name = LocalDate.now(ZoneOffset.UTC) + "-" + scenario.id() + (settings.quick ? "-quick" : "");
    Path raw = out.resolve(name + ".tsv");
    if (merge && Files.exists(raw)) {
      readRaw(raw, results);
    }
    for (int run = 1; run <= settings.runs; run++) {
      for (String variant : variants) {
        for (String transport : transports) {
          System.out.printf("\r%s run %d/%d %s %-9s ...%30s", scenario.id(), run, settings.runs,
              scenario.variantLabel(variant), transport, "");
          Timeline timeline = new Timeline(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(250));
          if (run == 1) {
            timelines.computeIfAbsent(variant, v -> new LinkedHashMap<>()).put(transport, timeline);
          }
          Map<String, Double> figures = scenario.run(transport, variant, settings, timeline);
          figures.forEach((figure, value) -> results
              .computeIfAbsent(variant, v -> new LinkedHashMap<>())
              .computeIfAbsent(transport, t -> new LinkedHashMap<>())
              .computeIfAbsent(figure, f -> new ArrayList<>())
              .add(value));
          System.out.printf("\r%s run %d/%d %s %-9s %s%30s", scenario.id(), run, settings.runs,
              scenario.variantLabel(variant), transport, summary(figures), "");
          writeRaw(raw, results); // after every run: a run that fails later keeps what was measured
        }
      }
    }
    System.out.println();
    List<String> reported = variants;
    List<String> reportedTransports = transports;
    if (merge) { // report every variant and transport measured, in the scenario's order
      List<String> all = new ArrayList<>(scenario.variants(new Scenario.Settings(false, 0, 0, 1)));
      all.addAll(scenario.variants(settings));
      reported = all.stream().distinct().filter(results::containsKey).toList();
      reportedTransports = scenario.transports().stream()
          .filter(t -> results.values().stream().anyMatch(byTransport -> byTransport.containsKey(t))).toList();
    }
    StringBuilder md = new StringBuilder(markdown(scenario, settings, reported, reportedTransports, results));
    for (Scenario.Plot plot : scenario.plots()) {
      for (Map.Entry<String, Map<String, Timeline>> v : timelines.entrySet()) {
        String base = name + (v.getKey().isEmpty() ? "" : "-" + v.getKey()) + "-" + plot.fileSuffix();
        Path png = Charts.draw(out.resolve(base), scenario.id() + ": " + plot.series() + " (run 1)", plot, v.getValue());
        md.append(String.format(Locale.ROOT, "%n![%s: %s](%s)%n", scenario.id(), plot.series(), png.getFileName()));
      }
    }
    for (Scenario.VariantPlot plot : scenario.variantPlots()) {
      Map<String, double[][]> lines = new LinkedHashMap<>();
      for (String transport : reportedTransports) {
        List<double[]> points = new ArrayList<>();
        for (String variant : reported) {
          Map<String, List<Double>> figures = results.get(variant).get(transport);
          double y = figures == null || !figures.containsKey(plot.figure()) ? Double.NaN : median(figures.get(plot.figure()));
          if (!Double.isNaN(y)) {
            points.add(new double[] {Double.parseDouble(variant), y});
          }
        }
        lines.put(transport, new double[][] {
            points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray()});
      }
      Path png = Charts.drawLines(out.resolve(name + "-" + plot.fileSuffix()),
          scenario.id() + ": " + plot.figure() + " (median over the runs)", plot.xAxis(), plot.yAxis(), true,
          plot.logarithmic(), lines);
      md.append(String.format(Locale.ROOT, "%n![%s: %s](%s)%n", scenario.id(), plot.figure(), png.getFileName()));
    }
    Path report = out.resolve(name + ".md");
    Files.writeString(report, md.toString());
    return report;
  }

  /** Writes every value of {@code results}, a line per value in run order: variant, transport, figure, value. */
  private static void writeRaw(Path raw, Map<String, Map<String, Map<String, List<Double>>>> results) throws IOException {
    StringBuilder sb = new StringBuilder();
    results.forEach((variant, byTransport) -> byTransport.forEach((transport, figures) -> figures.forEach(
        (figure, values) -> values.forEach(v -> sb.append(variant).append('\t').append(transport).append('\t')
            .append(figure).append('\t').append(v).append('\n')))));
    Files.writeString(raw, sb.toString());
  }

  /** Adds the values {@link #writeRaw} wrote to {@code results}, in their order. */
  private static void readRaw(Path raw, Map<String, Map<String, Map<String, List<Double>>>> results) throws IOException {
    for (String line : Files.readAllLines(raw)) {
      String[] f = line.split("\t", -1);
      if (f.length != 4) {
        throw new IOException(raw + ": not a line of variant, transport, figure and value: " + line);
      }
      results.computeIfAbsent(f[0], v -> new LinkedHashMap<>()).computeIfAbsent(f[1], t -> new LinkedHashMap<>())
          .computeIfAbsent(f[2], x -> new ArrayList<>()).add(Double.parseDouble(f[3]));
    }
  }

  private static String summary(Map<String, Double> figures) {
    StringBuilder sb = new StringBuilder();
    figures.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%s %.1f  ", k, v)));
    return sb.toString();
  }

  static String markdown(Scenario scenario, Scenario.Settings settings, List<String> variants, List<String> transports,
      Map<String, Map<String, Map<String, List<Double>>>> results) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(scenario.id()).append(": ").append(scenario.title()).append("\n\n");
    md.append(String.format(Locale.ROOT, "%s; %d cores, %d MiB max heap, Java %s (%s), %s; %s of %d s after %d s warm-up, transports interleaved.%n%n",
        LocalDate.now(ZoneOffset.UTC), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getVmName(), System.getProperty("os.name"),
        runs(scenario, settings, variants, transports, results), settings.measureNanos / 1_000_000_000L,
        settings.warmupNanos / 1_000_000_000L));
    md.append("Median, with the spread (min..max) over the runs in brackets.\n\n");
    if (!scenario.tables().isEmpty()) {
      appendTables(md, scenario, variants, transports, results);
      appendNotes(md, scenario);
      return md.toString();
    }
    md.append("| ").append(variants.size() > 1 || !variants.get(0).isEmpty() ? scenario.variantColumn() + " | " : "").append("transport |");
    scenario.figures().forEach(f -> md.append(' ').append(f).append(" |"));
    md.append("\n|").append(variants.size() > 1 || !variants.get(0).isEmpty() ? "---|" : "").append("---|");
    scenario.figures().forEach(f -> md.append("---:|"));
    md.append('\n');
    for (String variant : variants) {
      for (String transport : transports) {
        Map<String, List<Double>> figures = results.get(variant).get(transport);
        md.append("| ").append(variant.isEmpty() ? "" : scenario.variantLabel(variant) + " | ").append(transport).append(" |");
        for (String figure : scenario.figures()) {
          md.append(' ').append(cell(figures.get(figure))).append(" |");
        }
        md.append('\n');
      }
    }
    md.append('\n');
    String reference = transports.get(0);
    for (String variant : variants) {
      Map<String, Map<String, List<Double>>> byTransport = results.get(variant);
      String first = scenario.figures().get(0);
      double ours = median(byTransport.get(reference).get(first));
      for (String other : transports.subList(1, transports.size())) {
        double theirs = median(byTransport.get(other).get(first));
        md.append(String.format(Locale.ROOT, "- %s%s: %s / %s = %s%n", variant.isEmpty() ? "" : scenario.variantLabel(variant) + ", ",
            first, reference, other,
            Double.isNaN(theirs) || Double.isNaN(ours) ? "n/a (" + (Double.isNaN(theirs) ? other : reference) + " has no value)"
                : String.format(Locale.ROOT, "%.2f", ours / theirs)));
      }
    }
    appendRatios(md, scenario, variants, transports, results);
    appendNotes(md, scenario);
    return md.toString();
  }

  /**
   * "3 run(s)", or, when the variants were run a different number of times (runs merged from
   * several invocations), the count of each.
   */
  private static String runs(Scenario scenario, Scenario.Settings settings, List<String> variants,
      List<String> transports, Map<String, Map<String, Map<String, List<Double>>>> results) {
    String first = scenario.figures().get(0);
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String variant : variants) {
      Map<String, Map<String, List<Double>>> byTransport = results.getOrDefault(variant, Map.of());
      counts.put(variant, transports.stream().filter(byTransport::containsKey)
          .mapToInt(t -> byTransport.get(t).getOrDefault(first, List.of()).size()).max().orElse(0));
    }
    if (counts.values().stream().allMatch(c -> c == settings.runs)) {
      return settings.runs + " run(s)";
    }
    StringBuilder sb = new StringBuilder("runs (merged invocations) ");
    counts.forEach((variant, count) -> sb.append(scenario.variantLabel(variant)).append(": ").append(count).append(", "));
    return sb.substring(0, sb.length() - 2);
  }

  private static void appendNotes(StringBuilder md, Scenario scenario) {
    if (!scenario.notes().isEmpty()) {
      md.append('\n');
      scenario.notes().forEach(note -> md.append("- ").append(note).append('\n'));
    }
  }

  /** The scenario's own tables ({@link Scenario#tables()}), per variant, with the rows of the transports that ran. */
  private static void appendTables(StringBuilder md, Scenario scenario, List<String> variants, List<String> transports,
      Map<String, Map<String, Map<String, List<Double>>>> results) {
    for (Scenario.Table table : scenario.tables()) {
      if (table.variantColumn().isEmpty()) {
        continue;
      }
      List<String> rows = table.transports().stream().filter(transports::contains).toList();
      if (rows.isEmpty()) {
        continue;
      }
      md.append("### ").append(table.heading()).append("\n\n");
      md.append("| ").append(table.variantColumn()).append(" | transport |");
      table.figures().forEach(f -> md.append(' ').append(f).append(" |"));
      md.append("\n|---:|---|");
      table.figures().forEach(f -> md.append("---:|"));
      md.append('\n');
      for (String variant : variants) {
        for (String transport : rows) {
          Map<String, List<Double>> figures = results.getOrDefault(variant, Map.of()).get(transport);
          if (figures == null) {
            continue;
          }
          md.append("| ").append(variant).append(" | ").append(transport).append(" |");
          for (String figure : table.figures()) {
            md.append(' ').append(cell(figures.get(figure))).append(" |");
          }
          md.append('\n');
        }
      }
      md.append('\n');
    }
    for (String variant : variants) {
      for (Scenario.Table table : scenario.tables()) {
        List<String> rows = table.transports().stream().filter(transports::contains).toList();
        if (rows.isEmpty() || !table.variantColumn().isEmpty()) {
          continue;
        }
        String label = scenario.variantLabel(variant);
        md.append("### ").append(table.heading()).append(label.isEmpty() ? "" : ", " + label).append("\n\n");
        md.append("| transport |");
        table.figures().forEach(f -> md.append(' ').append(f).append(" |"));
        md.append("\n|---|");
        table.figures().forEach(f -> md.append("---:|"));
        md.append('\n');
        for (String transport : rows) {
          Map<String, List<Double>> figures = results.get(variant).get(transport);
          md.append("| ").append(transport).append(" |");
          for (String figure : table.figures()) {
            md.append(' ').append(cell(figures == null ? null : figures.get(figure))).append(" |");
          }
          md.append('\n');
        }
        md.append('\n');
      }
    }
  }

  /** The scenario's same-run ratios: per variant, the ratio of each run, as median [min..max]. */
  private static void appendRatios(StringBuilder md, Scenario scenario, List<String> variants, List<String> transports,
      Map<String, Map<String, Map<String, List<Double>>>> results) {
    List<Scenario.Ratio> ratios = scenario.ratios().stream()
        .filter(r -> transports.contains(r.numerator()) && transports.contains(r.denominator())).toList();
    if (ratios.isEmpty()) {
      return;
    }
    String figure = scenario.figures().get(0);
    md.append(String.format(Locale.ROOT, "%nRatios of %s within each run (median, with the spread over the runs):%n%n", figure));
    md.append("| ").append(scenario.variantColumn()).append(" |");
    ratios.forEach(r -> md.append(' ').append(r.numerator()).append(" / ").append(r.denominator()).append(" |"));
    md.append("\n|---|");
    ratios.forEach(r -> md.append("---:|"));
    md.append('\n');
    for (String variant : variants) {
      md.append("| ").append(variant.isEmpty() ? "all" : scenario.variantLabel(variant)).append(" |");
      for (Scenario.Ratio ratio : ratios) {
        List<Double> over = results.get(variant).get(ratio.numerator()).get(figure);
        List<Double> under = results.get(variant).get(ratio.denominator()).get(figure);
        List<Double> perRun = new ArrayList<>();
        for (int run = 0; run < Math.min(over.size(), under.size()); run++) {
          perRun.add(over.get(run) / under.get(run));
        }
        md.append(' ').append(cell(perRun)).append(" |");
      }
      md.append('\n');
    }
  }

  private static String cell(List<Double> values) {
    if (values == null || values.isEmpty()) {
      return "";
    }
    if (values.stream().allMatch(v -> v.isNaN())) {
      return "none"; // e.g. no heartbeat got through at all
    }
    values = values.stream().filter(v -> !v.isNaN()).toList();
    double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    String median = format(median(values));
    return values.size() == 1 ? median : median + " [" + format(min) + ".." + format(max) + "]";
  }

  private static String format(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values.stream().filter(v -> !v.isNaN()).toList());
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
