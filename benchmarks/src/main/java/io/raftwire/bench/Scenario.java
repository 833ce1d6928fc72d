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

  /** The figures {@link #run} returns, in report order. */
  List<String> figures();

  /** What to plot over time, from the timelines {@link #run} fills; none by default. */
  default List<Plot> plots() {
    return List.of();
  }

  /**
   * Runs once; must stop by itself within its settings' time.
   *
   * @param timeline where to record values over time for {@link #plots()}
   */
  Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception;

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
