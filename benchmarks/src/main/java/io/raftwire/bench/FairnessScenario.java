package io.raftwire.bench;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * S5: hot-range fairness. Range 1 floods APPENDs of 1 KiB ({@link Flood}: the same offered load
 * for every transport) into a receiver slowed to about 20 µs per append; ranges 2..64
 * each send one APPEND every 100 ms. Reports the trickling ranges' delivery latency and the hot
 * range's throughput.
 */
final class FairnessScenario implements Scenario {
  private static final int RANGES = 64;

  @Override
  public String id() {
    return "S5";
  }

  @Override
  public String title() {
    return "hot-range fairness: one range floods, 63 trickle, into a slowed receiver";
  }

  @Override
  public List<String> figures() {
    return List.of("trickle p50 ms", "trickle p99 ms", "hot range msgs/s");
  }

  @Override
  public List<Plot> plots() {
    return List.of(new Plot("trickle latency ms", "worst trickling-range latency per 250 ms, ms", "trickle-latency", true));
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    try (Transports pair = new Transports(transport)) {
      long start = System.nanoTime();
      long measureFrom = start + settings.warmupNanos;
      long end = measureFrom + settings.measureNanos;
      Latencies latencies = new Latencies();
      AtomicLong hotDelivered = new AtomicLong();
      AtomicLong hotMeasured = new AtomicLong();
      for (long r = 1; r <= RANGES; r++) {
        boolean hot = r == 1;
        pair.receiver.register(RangeId.of(r), (range, batch) -> {
          for (RaftEnvelope e : batch) {
            LockSupport.parkNanos(20_000); // a receiver slower than its senders
            if (hot) {
              hotDelivered.incrementAndGet();
              if (System.nanoTime() >= measureFrom) {
                hotMeasured.incrementAndGet();
              }
            } else {
              long now = System.nanoTime();
              timeline.record("trickle latency ms", now, (now - Transports.stamp(e)) / 1e6);
              if (Transports.stamp(e) >= measureFrom) {
                latencies.record(now - Transports.stamp(e));
              }
            }
          }
        });
      }
      CompletableFuture<Void> flood =
          Flood.start(pair.sender, n -> Transports.message(1, TrafficClass.APPEND, 0, 1024), hotDelivered, end);
      for (long round = start; round < end; round += TimeUnit.MILLISECONDS.toNanos(100)) {
        LockSupport.parkNanos(round - System.nanoTime());
        for (long r = 2; r <= RANGES; r++) {
          pair.sender.send(Transports.message(r, TrafficClass.APPEND, System.nanoTime(), 1024));
        }
      }
      flood.join();
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // stragglers
      Map<String, Double> figures = new LinkedHashMap<>();
      figures.put("trickle p50 ms", latencies.millis(0.5));
      figures.put("trickle p99 ms", latencies.millis(0.99));
      figures.put("hot range msgs/s", hotMeasured.get() / (settings.measureNanos / 1e9));
      return figures;
    }
  }
}
