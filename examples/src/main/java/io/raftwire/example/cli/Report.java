package io.raftwire.example.cli;

import io.raftwire.example.cluster.PhaseMetrics;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Function;

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

  /** What one phase of the demo saw: the clients' stats and the cluster's figures, of that phase only. */
  static final class PhaseResult {
    final LoadGenerator.Stats regular;
    final LoadGenerator.Stats elastic;
    final PhaseMetrics.Phase cluster;

    PhaseResult(LoadGenerator.Stats regular, LoadGenerator.Stats elastic, PhaseMetrics.Phase cluster) {
      this.regular = Objects.requireNonNull(regular, "regular");
      this.elastic = Objects.requireNonNull(elastic, "elastic");
      this.cluster = Objects.requireNonNull(cluster, "cluster");
    }
  }

  /** The slow disks a summary measures elastic throughput against. */
  static final class Disk {
    final long bytesPerSecond;
    final int disks;
    final int elasticValueBytes;

    /**
     * @param bytesPerSecond each slow disk's speed
     * @param disks how many slow disks (each sees every entry of the ranges it holds)
     * @param elasticValueBytes the value size of an elastic put
     */
    Disk(long bytesPerSecond, int disks, int elasticValueBytes) {
      if (bytesPerSecond < 1 || disks < 1 || elasticValueBytes < 1) {
        throw new IllegalArgumentException("need a disk speed, disks and a value size >= 1; were " + bytesPerSecond
            + ", " + disks + ", " + elasticValueBytes);
      }
      this.bytesPerSecond = bytesPerSecond;
      this.disks = disks;
      this.elasticValueBytes = elasticValueBytes;
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

  /**
   * The disk bytes per second left for elastic writes on each slow disk: its speed less what the
   * regular writes alone put on it, measured in the {@code unloaded} phase.
   */
  static double elasticAllowedBytesPerSecond(PhaseResult unloaded, Disk disk) {
    double regular = unloaded.cluster.seconds() <= 0 ? 0
        : unloaded.cluster.slowDiskBytes() / (double) disk.disks / unloaded.cluster.seconds();
    return Math.max(0, disk.bytesPerSecond - regular);
  }

  /**
   * One column per phase, every figure of that phase only; ratios are to the first phase (the
   * unloaded one). "n/a": the cluster does not report the figure (for example RocksDB gauges, or
   * admission figures with admission off); "-": nothing happened to measure.
   */
  static String phaseTable(List<PhaseResult> phases, Disk disk) {
    if (phases.isEmpty()) {
      return "";
    }
    PhaseResult base = phases.get(0);
    double allowed = elasticAllowedBytesPerSecond(base, disk);
    List<String[]> rows = new ArrayList<>();
    row(rows, "regular puts/s", phases, p -> fixed(p.regular.count() / p.cluster.seconds(), 1));
    for (double q : new double[] {0.5, 0.99, 0.999, 1.0}) {
      String label = q == 1.0 ? "regular max ms" : "regular p" + percent(q) + " ms";
      row(rows, label, phases, p -> millis(p.regular, q));
    }
    row(rows, "regular p50 / unloaded p50", phases, p -> ratio(p.regular.percentileMillis(0.5), base.regular.percentileMillis(0.5)));
    row(rows, "regular p99 / unloaded p99", phases, p -> ratio(p.regular.percentileMillis(0.99), base.regular.percentileMillis(0.99)));
    row(rows, "regular failed", phases, p -> Long.toString(p.regular.failed()));
    row(rows, "leader elections (term changes)", phases, p -> Long.toString(p.cluster.elections()));
    row(rows, "elastic puts/s", phases, p -> fixed(p.elastic.count() / p.cluster.seconds(), 1));
    row(rows, "elastic MB/s", phases, p -> fixed(elasticBytesPerSecond(p, disk) / 1e6, 2));
    row(rows, String.format(Locale.ROOT, "elastic / disk-allowed (%.2f MB/s)", allowed / 1e6), phases,
        p -> p.elastic.count() == 0 ? "-" : fixed(elasticBytesPerSecond(p, disk) / allowed, 2));
    row(rows, String.format(Locale.ROOT, "slow disk busy (of %.1f MB/s)", disk.bytesPerSecond / 1e6), phases,
        p -> percentOf(p.cluster.slowDiskBytes() / (double) disk.disks / p.cluster.seconds(), (double) disk.bytesPerSecond));
    row(rows, "IO tokens granted, regular MB", phases, p -> megabytes(p.cluster.grantedBytes(Priority.REGULAR)));
    row(rows, "IO tokens granted, elastic MB", phases, p -> megabytes(p.cluster.grantedBytes(Priority.ELASTIC)));
    row(rows, "elastic IO tokens per interval, lowest MB", phases, p -> tokens(p.cluster.minTokensPerInterval()));
    row(rows, "IO queue, elastic (max)", phases, p -> count(p.cluster.maxQueueLength(Priority.ELASTIC)));
    row(rows, "RocksDB L0 files (max)", phases, p -> count(p.cluster.maxL0Files()));
    row(rows, "RocksDB pending compaction MB (max)", phases, p -> megabytes(p.cluster.maxPendingCompactionBytes()));
    for (String group : List.of(PhaseMetrics.HEARTBEAT_QUEUE_WAIT, PhaseMetrics.APPEND_QUEUE_WAIT,
        PhaseMetrics.DELIVERY_LATENCY, PhaseMetrics.CREDIT_WAIT_REGULAR, PhaseMetrics.CREDIT_WAIT_ELASTIC,
        PhaseMetrics.ADMISSION_DELAY_REGULAR, PhaseMetrics.ADMISSION_DELAY_ELASTIC)) {
      row(rows, group + " p99 ms", phases, p -> timer(p.cluster.timerMillis(group, 0.99)));
    }
    row(rows, "bytes within zones (MB)", phases, p -> fixed(p.cluster.counters().getOrDefault("bytes within zones", 0L) / 1e6, 1));
    row(rows, "bytes across zones (MB)", phases, p -> fixed(p.cluster.counters().getOrDefault("bytes across zones", 0L) / 1e6, 1));
    row(rows, "messages dropped or refused (all reasons)", phases, p -> Long.toString(p.cluster.counters().entrySet().stream()
        .filter(e -> !e.getKey().startsWith("bytes")).mapToLong(java.util.Map.Entry::getValue).sum()));
    java.util.Set<String> reasons = new java.util.TreeSet<>();
    phases.forEach(p -> p.cluster.counters().keySet().stream().filter(k -> !k.startsWith("bytes")).forEach(reasons::add));
    for (String reason : reasons) {
      row(rows, "  " + reason, phases, p -> Long.toString(p.cluster.counters().getOrDefault(reason, 0L)));
    }
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-44s", ""));
    phases.forEach(p -> sb.append(String.format(Locale.ROOT, "%18s", p.cluster.name())));
    sb.append('\n');
    for (String[] r : rows) {
      sb.append(String.format(Locale.ROOT, "%-44s", r[0]));
      for (int i = 1; i < r.length; i++) {
        sb.append(String.format(Locale.ROOT, "%18s", r[i]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static void row(List<String[]> rows, String label, List<PhaseResult> phases, Function<PhaseResult, String> cell) {
    String[] r = new String[phases.size() + 1];
    r[0] = label;
    for (int i = 0; i < phases.size(); i++) {
      r[i + 1] = cell.apply(phases.get(i));
    }
    rows.add(r);
  }

  private static double elasticBytesPerSecond(PhaseResult p, Disk disk) {
    return p.elastic.count() * (double) disk.elasticValueBytes / p.cluster.seconds();
  }

  private static String percent(double q) {
    String s = String.format(Locale.ROOT, "%.1f", q * 100);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  private static String millis(LoadGenerator.Stats stats, double q) {
    double v = stats.percentileMillis(q);
    return Double.isNaN(v) ? "-" : fixed(v, 1);
  }

  static String ratio(double value, double base) {
    return Double.isNaN(value) || Double.isNaN(base) || base <= 0 ? "-" : fixed(value / base, 2);
  }

  private static String fixed(double v, int decimals) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String percentOf(double value, double whole) {
    return String.format(Locale.ROOT, "%.0f%%", 100 * value / whole);
  }

  private static String megabytes(OptionalLong bytes) {
    return bytes.isPresent() ? fixed(bytes.getAsLong() / 1e6, 2) : "n/a";
  }

  private static String tokens(OptionalLong bytes) {
    if (bytes.isEmpty()) {
      return "n/a";
    }
    return bytes.getAsLong() == Long.MAX_VALUE ? "unlimited" : fixed(bytes.getAsLong() / 1e6, 2);
  }

  private static String count(OptionalLong value) {
    return value.isPresent() ? Long.toString(value.getAsLong()) : "n/a";
  }

  private static String timer(OptionalDouble millis) {
    return millis.isPresent() ? fixed(millis.getAsDouble(), 1) : "-";
  }
}
