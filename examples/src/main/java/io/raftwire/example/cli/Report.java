package io.raftwire.example.cli;

import io.raftwire.example.load.LoadGenerator;
import java.util.List;
import java.util.Locale;

/** Formats progress lines and summary tables. */
final class Report {
  private Report() {}

  /** One table row: a phase's stats of one priority. */
  static final class Row {
    final String phase;
    final LoadGenerator.Stats stats;
    final double seconds;

    Row(String phase, LoadGenerator.Stats stats, double seconds) {
      this.phase = phase;
      this.stats = stats;
      this.seconds = seconds;
    }
  }

  static String progress(long startNanos, LoadGenerator.Stats regular, LoadGenerator.Stats elastic) {
    double t = (System.nanoTime() - startNanos) / 1e9;
    return String.format(Locale.ROOT, "%5.0fs  regular %6d ok p99 %7.1f ms  elastic %6d ok p99 %7.1f ms  failed %d",
        t, regular.count(), regular.percentileMillis(0.99), elastic.count(), elastic.percentileMillis(0.99),
        regular.failed() + elastic.failed());
  }

  static String clientTable(List<Row> rows) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "%-18s %-9s %8s %9s %9s %9s %7s %8s%n", "phase", "priority", "ops", "ops/s", "p50 ms", "p99 ms", "failed", "skipped"));
    for (Row r : rows) {
      if (r.stats.count() == 0 && r.stats.failed() == 0) {
        continue;
      }
      sb.append(String.format(Locale.ROOT, "%-18s %-9s %8d %9.1f %9.1f %9.1f %7d %8d%n",
          r.phase, r.stats.priority().name().toLowerCase(Locale.ROOT), r.stats.count(), r.stats.count() / r.seconds,
          r.stats.percentileMillis(0.5), r.stats.percentileMillis(0.99), r.stats.failed(), r.stats.skipped()));
    }
    return sb.toString();
  }
}
