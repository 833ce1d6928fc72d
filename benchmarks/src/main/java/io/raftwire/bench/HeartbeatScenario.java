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
 * S1: heartbeats under saturation. 64 ranges; APPENDs of 1 KiB flood one destination whose handler
 * is slowed (about 50 µs per append, a follower that cannot keep up), while a heartbeat (CONTROL)
 * goes to every range every 50 ms. Reports the heartbeats' delivery latency (the clock is shared:
 * one process) and the share delivered within the run. Every transport is offered the same load:
 * the flood keeps at most 64 MiB or 10,000 appends outstanding (sent, not yet delivered), a backlog
 * far beyond what the slowed handler drains in a heartbeat interval. (How raftwire bounds an
 * unbounded flood is S2's subject.)
 */
final class HeartbeatScenario implements Scenario {
  private static final int RANGES = 64;

  @Override
  public String id() {
    return "S1";
  }

  @Override
  public String title() {
    return "heartbeats under saturation: 64 ranges, appends flooding a slowed receiver";
  }

  @Override
  public List<String> figures() {
    return List.of("heartbeat p50 ms", "heartbeat p99 ms", "heartbeat max ms", "heartbeats delivered %");
  }

  @Override
  public List<Plot> plots() {
    return List.of(new Plot("heartbeat latency ms", "worst heartbeat latency per 250 ms, ms", "heartbeat-latency", true));
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    try (Transports pair = new Transports(transport)) {
      long start = System.nanoTime();
      long measureFrom = start + settings.warmupNanos;
      long end = measureFrom + settings.measureNanos;
      Latencies latencies = new Latencies();
      AtomicLong appendsDelivered = new AtomicLong();
      for (long r = 1; r <= RANGES; r++) {
        pair.receiver.register(RangeId.of(r), (range, batch) -> {
          for (RaftEnvelope e : batch) {
            if (e.trafficClass() == TrafficClass.CONTROL) {
              long stamp = Transports.stamp(e);
              long now = System.nanoTime();
              timeline.record("heartbeat latency ms", now, (now - stamp) / 1e6);
              if (stamp >= measureFrom) {
                latencies.record(now - stamp);
              }
            } else {
              appendsDelivered.incrementAndGet();
              LockSupport.parkNanos(50_000); // a follower slower than its leader
            }
          }
        });
      }
      CompletableFuture<Void> flood = Flood.start(
          pair.sender, n -> Transports.message(1 + n % RANGES, TrafficClass.APPEND, 0, 1024), appendsDelivered, end);
      long heartbeats = 0;
      for (long round = start; round < end; round += TimeUnit.MILLISECONDS.toNanos(50)) {
        LockSupport.parkNanos(round - System.nanoTime());
        long now = System.nanoTime();
        for (long r = 1; r <= RANGES; r++) {
          pair.sender.send(Transports.message(r, TrafficClass.CONTROL, now, 0));
          if (now >= measureFrom) {
            heartbeats++;
          }
        }
      }
      flood.join();
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // stragglers
      Map<String, Double> figures = new LinkedHashMap<>();
      figures.put("heartbeat p50 ms", latencies.millis(0.5));
      figures.put("heartbeat p99 ms", latencies.millis(0.99));
      figures.put("heartbeat max ms", latencies.millis(1.0));
      figures.put("heartbeats delivered %", heartbeats == 0 ? Double.NaN : 100.0 * latencies.count() / heartbeats);
      return figures;
    }
  }
}
