package io.raftwire.bench;

import com.codahale.metrics.Counter;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import io.raftwire.topology.StoreId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * S6: zone fan-out on the example cluster. Five stores, every one a replica of every range: store
 * 1 (the leader of every range) in zone a, stores 2 and 3 in zone b, 4 and 5 in zone c. An open
 * loop of regular puts of 4 KiB at a fixed rate, with the transport's zone fan-out on and off.
 * Reports the bytes all stores wrote across zone boundaries per MB of values committed, the part
 * of it that is APPENDs from zone a to zone b, and the puts' latency: what the agent's extra hop
 * costs. The first run of a process warms up three times as long: it also warms the JIT, and
 * would otherwise penalize whichever mode runs first.
 */
final class CrossZoneScenario implements Scenario {
  static final String ON = "fan-out on";
  static final String OFF = "fan-out off";
  private static final int RANGES = 4;
  private static final double PUTS_PER_SECOND = 300;
  private static final int VALUE_BYTES = 4096;
  /** The first cluster of a process also warms the JIT up: it gets three warm-ups. */
  private static boolean jvmWarm;
  private static final Pattern ZONE_BYTES = Pattern.compile("raftwire\\.s\\d+\\.sender\\.zone_bytes\\.([^.]+)\\.([^.]+)");

  @Override
  public String id() {
    return "S6";
  }

  @Override
  public String title() {
    return "zone fan-out: leader in zone a, two followers each in zones b and c, 300 puts/s of 4 KiB";
  }

  @Override
  public List<String> transports() {
    return List.of(ON, OFF);
  }

  @Override
  public List<String> figures() {
    return List.of("cross-zone MB per committed MB", "APPEND a->b MB per committed MB", "put p50 ms", "put p99 ms",
        "puts ok/s", "puts failed");
  }

  @Override
  public List<Plot> plots() {
    return List.of(new Plot("put latency ms", "worst put latency per 250 ms, ms", "put-latency", true));
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().zones("a", "b", "b", "c", "c").ranges(RANGES)
        .fanOut(transport.equals(ON)).start()) {
      if (!cluster.awaitLeaders(TimeUnit.SECONDS.toNanos(60))) {
        throw new IllegalStateException("not every range elected a leader within 60 s");
      }
      if (!cluster.lead(StoreId.of(1), TimeUnit.SECONDS.toNanos(60))) {
        throw new IllegalStateException("store 1 did not become the leader of every range within 60 s");
      }
      try (KvClient client = cluster.client(); LoadGenerator load = new LoadGenerator(client, 10_000)) {
        long warmup = jvmWarm ? settings.warmupNanos : 3 * settings.warmupNanos;
        jvmWarm = true;
        load.openLoop(Priority.REGULAR, PUTS_PER_SECOND, VALUE_BYTES, 256, System.nanoTime() + warmup,
            new LoadGenerator.Stats(Priority.REGULAR));
        long crossBefore = crossZoneBytes(cluster);
        long appendBefore = counter(cluster, "raftwire.s1.sender.zone_data_bytes.a.b");
        LoadGenerator.Stats puts = new LoadGenerator.Stats(Priority.REGULAR,
            (start, nanos) -> timeline.record("put latency ms", start + nanos, nanos / 1e6));
        long start = System.nanoTime();
        load.openLoop(Priority.REGULAR, PUTS_PER_SECOND, VALUE_BYTES, 256, start + settings.measureNanos, puts);
        double seconds = (System.nanoTime() - start) / 1e9;
        double committedMb = puts.count() * (double) VALUE_BYTES / 1e6;
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("cross-zone MB per committed MB", (crossZoneBytes(cluster) - crossBefore) / 1e6 / committedMb);
        figures.put("APPEND a->b MB per committed MB",
            (counter(cluster, "raftwire.s1.sender.zone_data_bytes.a.b") - appendBefore) / 1e6 / committedMb);
        figures.put("put p50 ms", puts.percentileMillis(0.5));
        figures.put("put p99 ms", puts.percentileMillis(0.99));
        figures.put("puts ok/s", puts.count() / seconds);
        figures.put("puts failed", (double) puts.failed());
        return figures;
      }
    }
  }

  private static long counter(LocalCluster cluster, String name) {
    Counter c = cluster.metrics().getCounters().get(name);
    return c == null ? 0 : c.getCount();
  }

  /** Bytes every store's sender wrote to stores of another zone. */
  private static long crossZoneBytes(LocalCluster cluster) {
    long sum = 0;
    for (Map.Entry<String, Counter> e : cluster.metrics().getCounters().entrySet()) {
      Matcher m = ZONE_BYTES.matcher(e.getKey());
      if (m.matches() && !m.group(1).equals(m.group(2))) {
        sum += e.getValue().getCount();
      }
    }
    return sum;
  }
}
