package io.raftwire.example.cli;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.raftwire.grpc.MetricName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A Dropwizard registry as Prometheus families with labels, one family per metric template: {@code
 * raftwire.s1.sender.s2.append.queued_bytes} is {@code
 * raftwire_sender_queued_bytes{store="s1",dest="s2",lane="append"}}, whichever store registered it.
 *
 * <p>The names come from the Prometheus client's own Dropwizard mapping, a {@link
 * CustomLabelMapper} with one {@link MapperConfig} per {@link MetricName} of the catalogues given
 * (its {@link MetricName#pattern()}, {@link MetricName#exportName()} and {@link
 * MetricName#labelNames()}, most specific first), then one per length for every other name under
 * {@code raftwire.<store>.} (the adapters' and the example's own: the store becomes the {@code
 * store} label, the rest of the name stays the name). Any other name keeps its sanitized
 * Dropwizard name. The samples are built with the client's model. This collector, not the client's
 * {@code DropwizardExports}, turns the metrics into families: in client 1.3.10 that class puts each
 * Dropwizard metric in a family of its own, so a scrape fails with "duplicate metric name" as soon
 * as two metrics map to one name, which is the point of labels. Types as the client's bridge does
 * them: a counter is a counter, a gauge of a number or boolean a gauge, a histogram a summary, a
 * timer a summary in seconds, a meter a counter of its count. Thread-safe.
 */
final class LabelledExports implements MultiCollector {
  /** Name segments after {@code raftwire.<store>} that the mapping of other names covers. */
  private static final int MAX_OTHER_SEGMENTS = 8;
  private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  private final MetricRegistry registry;
  private final CustomLabelMapper mapper;
  private final Map<String, String> helpByFamily = new HashMap<>();

  // guarded by this: the mapping of each registry name seen in the last scrape
  private Map<String, Mapped> mapped = new HashMap<>();

  private static final class Mapped {
    final String family;
    final Labels labels;

    Mapped(String family, Labels labels) {
      this.family = family;
      this.labels = labels;
    }
  }

  /**
   * @param registry the registry to export, read on every scrape
   * @param catalogues the metric names whose families get labels, for example {@code
   *     GrpcMetrics.all()}
   */
  LabelledExports(MetricRegistry registry, Collection<MetricName> catalogues) {
    this.registry = registry;
    List<MapperConfig> configs = new ArrayList<>();
    for (MetricName name : MetricName.mostSpecificFirst(catalogues)) {
      Map<String, String> labels = new LinkedHashMap<>();
      List<String> labelNames = name.labelNames();
      for (int i = 0; i < labelNames.size(); i++) {
        labels.put(labelNames.get(i), "${" + i + "}");
      }
      configs.add(new MapperConfig(name.pattern(), name.exportName(), labels));
      helpByFamily.put(name.exportName(), name.help());
    }
    // The example's own per-range gauge (KvNode: raftwire.<store>.kv.<range>.term).
    configs.add(new MapperConfig("raftwire.*.kv.*.term", "raftwire_kv_term", Map.of("store", "${0}", "range", "${1}")));
    helpByFamily.put("raftwire_kv_term", "the Raft term of each range this store hosts");
    for (int rest = 1; rest <= MAX_OTHER_SEGMENTS; rest++) {
      StringBuilder match = new StringBuilder("raftwire.*");
      StringBuilder family = new StringBuilder("raftwire");
      for (int k = 1; k <= rest; k++) {
        match.append(".*");
        family.append("_${").append(k).append('}');
      }
      configs.add(new MapperConfig(match.toString(), family.toString(), Map.of("store", "${0}")));
    }
    this.mapper = new CustomLabelMapper(configs);
  }

  private synchronized Mapped map(String dropwizardName, Map<String, Mapped> seen) {
    Mapped m = mapped.get(dropwizardName);
    if (m == null) {
      m = new Mapped(PrometheusNaming.sanitizeMetricName(mapper.getName(dropwizardName)),
          mapper.getLabels(dropwizardName, List.of(), List.of()));
    }
    seen.put(dropwizardName, m);
    return m;
  }

  private String help(String family, String dropwizardName) {
    String help = helpByFamily.get(family);
    return help != null ? help : "Dropwizard metric " + dropwizardName.replaceFirst("^raftwire\\.[^.]+\\.", "raftwire.<store>.");
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Mapped> seen = new HashMap<>();
    Map<String, String> help = new HashMap<>();
    Map<String, List<GaugeDataPointSnapshot>> gauges = new TreeMap<>();
    Map<String, List<CounterDataPointSnapshot>> counters = new TreeMap<>();
    Map<String, List<SummaryDataPointSnapshot>> summaries = new TreeMap<>();
    registry.getGauges().forEach((name, gauge) -> addGauge(name, gauge, seen, help, gauges));
    for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
      Mapped m = map(e.getKey(), seen);
      help.putIfAbsent(m.family, help(m.family, e.getKey()));
      counters.computeIfAbsent(m.family, f -> new ArrayList<>())
          .add(CounterDataPointSnapshot.builder().labels(m.labels).value((double) e.getValue().getCount()).build());
    }
    for (Map.Entry<String, Meter> e : registry.getMeters().entrySet()) {
      Mapped m = map(e.getKey(), seen);
      help.putIfAbsent(m.family, help(m.family, e.getKey()));
      counters.computeIfAbsent(m.family, f -> new ArrayList<>())
          .add(CounterDataPointSnapshot.builder().labels(m.labels).value((double) e.getValue().getCount()).build());
    }
    for (Map.Entry<String, Histogram> e : registry.getHistograms().entrySet()) {
      Mapped m = map(e.getKey(), seen);
      help.putIfAbsent(m.family, help(m.family, e.getKey()));
      summaries.computeIfAbsent(m.family, f -> new ArrayList<>())
          .add(summary(m.labels, e.getValue().getSnapshot(), e.getValue().getCount(), 1.0));
    }
    for (Map.Entry<String, Timer> e : registry.getTimers().entrySet()) {
      Mapped m = map(e.getKey(), seen);
      help.putIfAbsent(m.family, help(m.family, e.getKey()));
      summaries.computeIfAbsent(m.family, f -> new ArrayList<>())
          .add(summary(m.labels, e.getValue().getSnapshot(), e.getValue().getCount(), 1 / NANOS_PER_SECOND));
    }
    synchronized (this) {
      mapped = seen; // names gone from the registry are forgotten
    }
    MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
    gauges.forEach((family, points) -> snapshots.metricSnapshot(new GaugeSnapshot(metadata(family, help), points)));
    counters.forEach((family, points) -> snapshots.metricSnapshot(new CounterSnapshot(metadata(family, help), points)));
    summaries.forEach((family, points) -> snapshots.metricSnapshot(new SummarySnapshot(metadata(family, help), points)));
    return snapshots.build();
  }

  private void addGauge(String name, Gauge<?> gauge, Map<String, Mapped> seen, Map<String, String> help,
      Map<String, List<GaugeDataPointSnapshot>> gauges) {
    Object value = gauge.getValue();
    double v;
    if (value instanceof Number) {
      v = ((Number) value).doubleValue();
    } else if (value instanceof Boolean) {
      v = ((Boolean) value) ? 1 : 0;
    } else {
      return; // not a number: the client's bridge leaves it out too
    }
    Mapped m = map(name, seen);
    help.putIfAbsent(m.family, help(m.family, name));
    gauges.computeIfAbsent(m.family, f -> new ArrayList<>()).add(GaugeDataPointSnapshot.builder().labels(m.labels).value(v).build());
  }

  private static MetricMetadata metadata(String family, Map<String, String> help) {
    return new MetricMetadata(family, help.get(family));
  }

  private static SummaryDataPointSnapshot summary(Labels labels, Snapshot snapshot, long count, double factor) {
    Quantiles quantiles = Quantiles.builder()
        .quantile(0.5, snapshot.getMedian() * factor)
        .quantile(0.75, snapshot.get75thPercentile() * factor)
        .quantile(0.95, snapshot.get95thPercentile() * factor)
        .quantile(0.98, snapshot.get98thPercentile() * factor)
        .quantile(0.99, snapshot.get99thPercentile() * factor)
        .quantile(0.999, snapshot.get999thPercentile() * factor)
        .build();
    return SummaryDataPointSnapshot.builder().labels(labels).quantiles(quantiles).count(count).build();
  }
}
