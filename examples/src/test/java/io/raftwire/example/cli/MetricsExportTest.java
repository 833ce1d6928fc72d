package io.raftwire.example.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.RaftConfig;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_31_1.Metrics;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.kv.KvClient;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.MetricName;
import io.raftwire.message.Priority;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code /metrics} of a running three-store cluster (one registry, as in the in-process demo),
 * scraped over HTTP and parsed as the Prometheus protobuf exposition format with the client's
 * generated classes: the families carry no ids, their labels are the README's, every metric the
 * README lists is there, and every limit has a series beside each of its usage's.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MetricsExportTest {
  static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** A README table row: the template and the Prometheus family with its labels. */
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| `([a-z_]+)\\{([a-z_,]*)\\}` \\| ([a-z]+) \\|", Pattern.MULTILINE);
  /**
   * Families the cluster here does not make: bytes of a snapshot sent between zones, and the
   * certificate's expiry (the cluster is plaintext).
   */
  private static final Set<String> NOT_MADE_HERE =
      Set.of("snapshot.zone_bytes.<from>.<to>", "security.certificate_expiry_seconds");

  private LocalCluster cluster;
  private MetricsEndpoints endpoints;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
    if (endpoints != null) {
      endpoints.close();
    }
  }

  /** One row of the README's metric table. */
  record Row(String template, String family, List<String> labels, String type) {}

  static List<Row> readmeRows() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    List<Row> rows = new ArrayList<>();
    Matcher m = ROW.matcher(readme);
    while (m.find()) {
      rows.add(new Row(m.group(1), m.group(2), List.of(m.group(3).split(",", -1)), m.group(4)));
    }
    return rows;
  }

  /** Scrapes {@code port}'s {@code /metrics} in the protobuf format: family name to family. */
  static Map<String, Metrics.MetricFamily> scrape(int port) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).header("Accept", PROTOBUF).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/vnd.google.protobuf"),
        "protobuf served: " + response.headers().map());
    Map<String, Metrics.MetricFamily> families = new TreeMap<>();
    try (InputStream in = response.body()) {
      Metrics.MetricFamily family;
      while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
        assertEquals(null, families.put(family.getName(), family), "family twice: " + family.getName());
      }
    }
    return families;
  }

  static Set<String> labelNames(Metrics.Metric metric) {
    Set<String> names = new TreeSet<>();
    for (Metrics.LabelPair label : metric.getLabelList()) {
      names.add(label.getName());
    }
    return names;
  }

  static Map<String, String> labels(Metrics.Metric metric) {
    Map<String, String> labels = new TreeMap<>();
    for (Metrics.LabelPair label : metric.getLabelList()) {
      labels.put(label.getName(), label.getValue());
    }
    return labels;
  }

  /** The family a README row names: counters carry {@code _total} in the exposition. */
  static Metrics.MetricFamily family(Map<String, Metrics.MetricFamily> families, Row row) {
    Metrics.MetricFamily f = families.get(row.family());
    return f != null || !row.type().equals("counter") ? f : families.get(row.family() + "_total");
  }

  @Test
  void aRunningClustersMetricsHaveLabelsNoIdsInNamesAndEveryReadmeMetric() throws Exception {
    // zones a, b, b: store 1 leads, so its entries cross into zone b once, through zone b's agent
    cluster = LocalCluster.builder().zones("a", "b", "b").ranges(4).raftConfig(RaftConfig.newBuilder()
        .setLeaderElectionTimeoutMillis(500).setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(3).build()).start();
    assertTrue(cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(30)), "every range elects a leader");
    assertTrue(cluster.lead(StoreId.of(1), TimeUnit.SECONDS.toNanos(30)), "store 1 leads every range");
    endpoints = MetricsEndpoints.onFreePort(cluster.metrics(), "127.0.0.1");
    try (KvClient client = cluster.client()) {
      for (int i = 0; i < 20; i++) { // entries to replicate: zone b's agent is chosen
        client.put(("key-" + i).getBytes(StandardCharsets.UTF_8), new byte[100], Priority.REGULAR);
      }
    }
    List<Row> rows = readmeRows();
    assertEquals(GrpcMetrics.all().size(), rows.size(), "one README row per catalogue name");

    // every store talks to both others on every lane; the range gauges are chosen once a second
    Set<String> expectedPairs = Set.of("s1>s2", "s1>s3", "s2>s1", "s2>s3", "s3>s1", "s3>s2");
    await().atMost(WAIT).until(() -> {
      Map<String, Metrics.MetricFamily> f = scrape(endpoints.port());
      Metrics.MetricFamily limits = f.get("raftwire_sender_limit_bytes");
      Metrics.MetricFamily ranges = f.get("raftwire_receiver_range_queued_bytes_append");
      if (limits == null || ranges == null) {
        return false;
      }
      Set<String> pairs = new HashSet<>();
      for (Metrics.Metric m : limits.getMetricList()) {
        pairs.add(labels(m).get("store") + ">" + labels(m).get("dest"));
      }
      return pairs.containsAll(expectedPairs) && ranges.getMetricCount() == 3 * 4
          && f.containsKey("raftwire_sender_fanout_agent");
    });
    Map<String, Metrics.MetricFamily> families = scrape(endpoints.port());
    assertEquals(Set.of("s1", "s2", "s3"), stores(families.get("raftwire_sender_queued_bytes")),
        "the stores of one registry share a family, told apart by the store label");

    Pattern idInName = Pattern.compile(".*_(s|r)[0-9]+(_.*|$)");
    for (String name : families.keySet()) {
      assertFalse(idInName.matcher(name).matches(), "an id in a family name: " + name);
      assertTrue(name.startsWith("raftwire_"), name);
    }

    List<String> missing = new ArrayList<>();
    for (Row row : rows) {
      Metrics.MetricFamily f = family(families, row);
      if (f == null) {
        if (!NOT_MADE_HERE.contains(row.template())) {
          missing.add(row.template() + " as " + row.family());
        }
        continue;
      }
      assertEquals(row.type().equals("timer") || row.type().equals("histogram") ? Metrics.MetricType.SUMMARY
          : row.type().equals("counter") ? Metrics.MetricType.COUNTER : Metrics.MetricType.GAUGE, f.getType(), row.family());
      Set<String> stores = new TreeSet<>();
      for (Metrics.Metric m : f.getMetricList()) {
        assertEquals(new TreeSet<>(row.labels()), labelNames(m), row.family() + " " + labels(m));
        stores.add(labels(m).get("store"));
      }
      assertTrue(Set.of("s1", "s2", "s3").containsAll(stores) && !stores.isEmpty(), row.family() + ": " + stores);
    }
    assertEquals(List.of(), missing, "README metrics that /metrics does not show");

    // a sample of values: the lane label holds the lane, the limit the default in force
    Map<String, String> appendLane = Map.of("store", "s1", "dest", "s2", "lane", "append");
    assertEquals(64.0 * 1024 * 1024, value(families.get("raftwire_sender_limit_bytes"), appendLane));
    assertEquals(3 * 4, families.get("raftwire_receiver_range_queued_bytes_append").getMetricCount(),
        "4 ranges on each of 3 stores, within rangeQueueGauges (10)");

    // every limit has a series beside each series of its usage, on the usage's labels or a part of them
    for (MetricName limit : GrpcMetrics.all()) {
      if (limit.limitOf().isEmpty()) {
        continue;
      }
      MetricName usage = limit.limitOf().get();
      Metrics.MetricFamily usageFamily = families.get(usage.exportName());
      Metrics.MetricFamily limitFamily = families.get(limit.exportName());
      assertTrue(limitFamily != null && usageFamily != null, limit + " beside " + usage);
      Set<Map<String, String>> limitLabels = new HashSet<>();
      for (Metrics.Metric m : limitFamily.getMetricList()) {
        limitLabels.add(labels(m));
      }
      for (Metrics.Metric m : usageFamily.getMetricList()) {
        Map<String, String> wanted = new TreeMap<>(labels(m));
        wanted.keySet().retainAll(limit.labelNames());
        assertTrue(limitLabels.contains(wanted), limit.exportName() + " has no series " + wanted);
      }
    }

    // the text format that Prometheus scrapes by default shows the same labelled series
    String text = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(text.contains("raftwire_sender_limit_bytes{dest=\"s2\",lane=\"append\",store=\"s1\"} 6.7108864E7"), text);
    assertFalse(text.contains("raftwire_s1_"), "no store id in a name");
    Files.writeString(Path.of("target", "metrics-sample.txt"), text); // for a reader of the build

    theDashboardsQueriesNameOnlyExportedSeries(families);
  }

  /** The series names a scrape has: a counter's with {@code _total}, a summary's with {@code _count} and {@code _sum}. */
  static Set<String> seriesNames(Map<String, Metrics.MetricFamily> families) {
    Set<String> names = new TreeSet<>();
    for (Metrics.MetricFamily f : families.values()) {
      String name = f.getName();
      if (f.getType() == Metrics.MetricType.COUNTER) {
        names.add(name.endsWith("_total") ? name : name + "_total");
      } else if (f.getType() == Metrics.MetricType.SUMMARY) {
        names.addAll(List.of(name, name + "_count", name + "_sum"));
      } else {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * {@code examples/grafana/raftwire.json} is a Grafana dashboard (panels with Prometheus targets,
   * a store variable), it has the panels the README names, and every metric its queries name is a
   * series the cluster's scrape has (or a README family this cluster does not make).
   */
  private static void theDashboardsQueriesNameOnlyExportedSeries(Map<String, Metrics.MetricFamily> families)
      throws IOException {
    JsonObject dashboard = JsonParser.parseString(Files.readString(Path.of("grafana", "raftwire.json"))).getAsJsonObject();
    assertEquals("raftwire", dashboard.get("title").getAsString());
    assertTrue(dashboard.get("schemaVersion").getAsInt() >= 36, "a current Grafana schema");
    assertFalse(dashboard.get("uid").getAsString().isBlank());
    Set<String> variables = new TreeSet<>();
    List<String> queries = new ArrayList<>();
    for (JsonElement v : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
      variables.add(v.getAsJsonObject().get("name").getAsString());
      if (v.getAsJsonObject().has("definition")) {
        queries.add(v.getAsJsonObject().get("definition").getAsString());
      }
    }
    assertEquals(Set.of("datasource", "store"), variables);
    Set<String> rows = new TreeSet<>();
    Set<Integer> ids = new HashSet<>();
    int withTargets = 0;
    for (JsonElement p : dashboard.getAsJsonArray("panels")) {
      JsonObject panel = p.getAsJsonObject();
      assertTrue(ids.add(panel.get("id").getAsInt()), "panel ids are unique");
      assertTrue(panel.has("gridPos") && panel.has("title") && panel.has("type"), panel.toString());
      if (panel.get("type").getAsString().equals("row")) {
        rows.add(panel.get("title").getAsString());
        continue;
      }
      assertEquals("timeseries", panel.get("type").getAsString());
      JsonArray targets = panel.getAsJsonArray("targets");
      assertTrue(targets.size() > 0, panel.get("title").getAsString());
      withTargets++;
      for (JsonElement t : targets) {
        queries.add(t.getAsJsonObject().get("expr").getAsString());
      }
    }
    assertEquals(Set.of("Queues", "Budgets vs limits", "Credits and IO tokens", "Elections and heartbeats", "Snapshots"), rows);
    assertTrue(withTargets >= 15, "panels: " + withTargets);

    Set<String> exported = seriesNames(families);
    Set<String> notMadeHere = new TreeSet<>();
    for (Row row : readmeRows()) {
      if (NOT_MADE_HERE.contains(row.template())) {
        notMadeHere.addAll(List.of(row.family(), row.family() + "_total"));
      }
    }
    Pattern metric = Pattern.compile("\\braftwire_[a-zA-Z0-9_]+");
    List<String> unknown = new ArrayList<>();
    int named = 0;
    for (String query : queries) {
      Matcher m = metric.matcher(query);
      while (m.find()) {
        named++;
        if (!exported.contains(m.group()) && !notMadeHere.contains(m.group())) {
          unknown.add(m.group() + " in " + query);
        }
      }
    }
    assertTrue(named >= queries.size(), "every query names a metric");
    assertEquals(List.of(), unknown, "dashboard queries name metrics /metrics does not have");
  }

  private static Set<String> stores(Metrics.MetricFamily family) {
    Set<String> stores = new TreeSet<>();
    for (Metrics.Metric m : family.getMetricList()) {
      stores.add(labels(m).get("store"));
    }
    return stores;
  }

  private static double value(Metrics.MetricFamily family, Map<String, String> labels) {
    for (Metrics.Metric m : family.getMetricList()) {
      if (labels(m).equals(new TreeMap<>(labels))) {
        return m.hasGauge() ? m.getGauge().getValue() : m.getCounter().getValue();
      }
    }
    throw new AssertionError(family.getName() + " has no series " + labels);
  }
}
