package io.raftwire.example.cli;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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

  /** The family that counts the counters left out for being negative. */
  static final String NEGATIVE_COUNTERS = "raftwire_export_negative_counters";
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LabelledExports.class);

  private final MetricRegistry registry;
  private final CustomLabelMapper mapper;
  // guarded by itself: the names already reported for being negative
  private final java.util.Set<String> warnedNegative = new java.util.HashSet<>();
  private final Map<String, String> helpByFamily = new HashMap<>();

  // guarded by this: the mapping of each registry name seen in the last scrape
  private Map<String, Mapped> mapped = new HashMap<>();

  private record Mapped(String family, Labels labels) {}

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
    registry.getGauges().forEach((name, gauge) -> {
      // A value that is not a number is left out, as the client's own bridge does.
      numeric(gauge.getValue()).ifPresent(v -> add(name, seen, help, gauges,
          labels -> GaugeDataPointSnapshot.builder().labels(labels).value(v).build()));
    });
    // A Dropwizard counter may go below zero; a Prometheus counter may not, and one such point
    // would fail the whole scrape. It is left out, named in one WARN line, and counted.
    int negative = 0;
    for (Map.Entry<String, com.codahale.metrics.Counter> e : registry.getCounters().entrySet()) {
      long count = e.getValue().getCount();
      if (count < 0) {
        negative++;
        warnNegative(e.getKey(), count);
        continue;
      }
      add(e.getKey(), seen, help, counters, labels -> CounterDataPointSnapshot.builder().labels(labels).value((double) count).build());
    }
    registry.getMeters().forEach((name, m) -> add(name, seen, help, counters,
        labels -> CounterDataPointSnapshot.builder().labels(labels).value((double) m.getCount()).build()));
    gauges.put(NEGATIVE_COUNTERS, List.of(GaugeDataPointSnapshot.builder().value(negative).build()));
    help.put(NEGATIVE_COUNTERS, "Dropwizard counters left out of this scrape because they were below zero");
    registry.getHistograms().forEach((name, h) -> add(name, seen, help, summaries,
        labels -> summary(labels, h.getSnapshot(), h.getCount(), 1.0)));
    registry.getTimers().forEach((name, t) -> add(name, seen, help, summaries,
        labels -> summary(labels, t.getSnapshot(), t.getCount(), 1 / NANOS_PER_SECOND)));
    synchronized (this) {
      mapped = seen; // names gone from the registry are forgotten
    }
    MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
    gauges.forEach((family, points) -> snapshots.metricSnapshot(new GaugeSnapshot(metadata(family, help), points)));
    counters.forEach((family, points) -> snapshots.metricSnapshot(new CounterSnapshot(metadata(family, help), points)));
    summaries.forEach((family, points) -> snapshots.metricSnapshot(new SummarySnapshot(metadata(family, help), points)));
    return snapshots.build();
  }

  /** Adds the data point {@code point} makes for the registry name {@code name} to its family. */
  private <P> void add(String name, Map<String, Mapped> seen, Map<String, String> help, Map<String, List<P>> families,
      Function<Labels, P> point) {
    Mapped m = map(name, seen);
    help.putIfAbsent(m.family(), help(m.family(), name));
    families.computeIfAbsent(m.family(), f -> new ArrayList<>()).add(point.apply(m.labels()));
  }

  private void warnNegative(String name, long count) {
    synchronized (warnedNegative) {
      if (!warnedNegative.add(name)) {
        return;
      }
    }
    log.warn("the counter {} is {}, below zero, which a Prometheus counter cannot be: it is left out of /metrics "
        + "(counted in {})", name, count, NEGATIVE_COUNTERS);
  }

  private static Optional<Double> numeric(Object value) {
    if (value instanceof Number) {
      return Optional.of(((Number) value).doubleValue());
    }
    if (value instanceof Boolean) {
      return Optional.of(((Boolean) value) ? 1.0 : 0.0);
    }
    return Optional.empty();
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
