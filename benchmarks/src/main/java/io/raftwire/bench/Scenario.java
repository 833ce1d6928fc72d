package io.raftwire.bench;

import java.util.List;
import java.util.Map;

/** One benchmark scenario: run once per (variant, transport) and return named figures. */
interface Scenario {
  String id();

  String title();

  /** The transports compared, the reference first; by default raftwire and the two baselines. */
  default List<String> transports() {
    return List.of("raftwire", "fifo", "unary");
  }

  /** Variants (for example payload sizes); by default a single "" (none). */
  default List<String> variants(Settings settings) {
    return List.of("");
  }

  /** The heading of the report's column of variants; by default {@code payload}. */
  default String variantColumn() {
    return "payload";
  }

  /**
   * {@return how {@code variant} reads in the report's headings and the progress line} By default
   * as a payload size ({@code "16384 B"}), nothing for the single variant "".
   *
   * @param variant one of {@link #variants}
   */
  default String variantLabel(String variant) {
    return variant.isEmpty() ? "" : variant + " B";
  }

  /** The figures {@link #run} returns, in report order. */
  List<String> figures();

  /**
   * Whether {@code transport} has {@code figure} at all (S2: the baselines have no budget, and
   * their cell reads {@code none}); every other figure of every transport has a value in every
   * report. By default every transport has every figure.
   */
  default boolean measures(String transport, String figure) {
    return true;
  }

  /**
   * Pairs of transports whose ratio is reported run by run: in each run, the first figure of
   * {@code numerator} divided by that of {@code denominator} (measured one after the other in
   * that run), then the median and spread of those ratios. None by default.
   */
  default List<Ratio> ratios() {
    return List.of();
  }

  /** Lines for the report learnt while running (for example which TLS ran); none by default. */
  default List<String> notes() {
    return List.of();
  }

  /**
   * Tables to report instead of the one table of every figure by transport: for a scenario
   * whose parts measure different things on different transports. None by default.
   */
  default List<Table> tables() {
    return List.of();
  }

  /** What to plot over time, from the timelines {@link #run} fills; none by default. */
  default List<Plot> plots() {
    return List.of();
  }

  /**
   * Figures to plot against the variant (which must then be numbers, such as a range count): the
   * median over the runs, one line per transport. None by default.
   */
  default List<VariantPlot> variantPlots() {
    return List.of();
  }

  /**
   * Runs once; must stop by itself within its settings' time.
   *
   * @param timeline where to record values over time for {@link #plots()}
   */
  Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception;

  /**
   * A table of the report: a row per transport (those that ran), a column per figure. Without a
   * {@code variantColumn} (empty) there is one such table per variant; with one, a single table has
   * a row per variant and transport, the variant in a first column of that name.
   */
  record Table(String heading, List<String> transports, List<String> figures, String variantColumn) {
    public Table {
      transports = List.copyOf(transports);
      figures = List.copyOf(figures);
      if (transports.isEmpty() || figures.isEmpty()) {
        throw new IllegalArgumentException("a table needs transports and figures: " + heading);
      }
    }

    /** A table per variant. */
    public Table(String heading, List<String> transports, List<String> figures) {
      this(heading, transports, figures, "");
    }
  }

  /**
   * A figure against the variant, drawn into {@code <report>-<fileSuffix>.png}.
   *
   * @param figure one of {@link #figures()}
   * @param xAxis what the variant is, for the x axis
   */
  record VariantPlot(String figure, String xAxis, String yAxis, String fileSuffix, boolean logarithmic) {}

  /** A same-run ratio of two of the scenario's transports. */
  record Ratio(String numerator, String denominator) {}

  /** One plot: a timeline series, drawn for every transport into {@code <report>-<fileSuffix>.png}. */
  record Plot(String series, String yAxis, String fileSuffix, boolean logarithmic) {}

  /** Timing of a suite run. */
  final class Settings {
    final boolean quick;
    final long warmupNanos;
    final long measureNanos;
    final int runs;

    Settings(boolean quick, long warmupNanos, long measureNanos, int runs) {
      this.quick = quick;
      this.warmupNanos = warmupNanos;
      this.measureNanos = measureNanos;
      this.runs = runs;
    }
  }
}
