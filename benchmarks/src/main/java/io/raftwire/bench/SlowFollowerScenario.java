package io.raftwire.bench;

import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;
import io.raftwire.example.storage.DiskPace;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.TransportLimits;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * S2: slow follower memory. A follower's handler consumes {@value #CONSUME_BYTES_PER_SECOND} bytes/s
 * (a disk that slow), while the leader offers four times that: APPENDs of 16 KiB to 4 ranges at a
 * fixed rate, whatever the transport says. Every 100 ms it samples the bytes inside the transport
 * (accepted by {@code send}, neither delivered nor reported dropped: sender queue, wire and receiver
 * queue together), the heap in use and netty's direct memory. raftwire must stay within its budgets
 * (sender APPEND lane plus the receiver's per-range queues) and say no to the rest; the baselines
 * accept everything and hold it.
 */
final class SlowFollowerScenario implements Scenario {
  static final long CONSUME_BYTES_PER_SECOND = 8L << 20;
  private static final int RANGES = 4;
  private static final int ENTRY_BYTES = 16 * 1024;
  private static final double MIB = 1 << 20;

  @Override
  public String id() {
    return "S2";
  }

  @Override
  public String title() {
    return "slow follower memory: a follower consuming 8 MiB/s offered 32 MiB/s";
  }

  @Override
  public boolean measures(String transport, String figure) {
    return !figure.equals("budget MiB") || transport.equals("raftwire");
  }

  @Override
  public List<String> figures() {
    return List.of("peak in transport MiB", "budget MiB", "peak heap used MiB", "peak netty direct MiB",
        "delivered MiB/s", "not accepted %");
  }

  @Override
  public List<Plot> plots() {
    return List.of(new Plot("in transport MiB", "MiB accepted, not yet delivered", "queued-bytes", false),
        new Plot("heap used MiB", "heap used, MiB", "heap", false));
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    System.gc(); // start every transport from the same heap, not the previous run's garbage
    try (Transports pair = new Transports(transport)) {
      long start = System.nanoTime();
      long end = start + settings.warmupNanos + settings.measureNanos;
      AtomicLong accepted = new AtomicLong();
      long[] refused = {0}; // written by this thread only
      AtomicLong delivered = new AtomicLong();
      AtomicLong dropped = new AtomicLong();
      DiskPace disk = new DiskPace(CONSUME_BYTES_PER_SECOND);
      pair.sender.addDropListener(d -> {
        if (d.acceptedBySend()) {
          dropped.addAndGet(d.sizeBytes());
        }
      });
      for (long r = 1; r <= RANGES; r++) {
        pair.receiver.register(RangeId.of(r), (range, batch) -> {
          for (RaftEnvelope e : batch) {
            disk.consume(e.sizeBytes());
            delivered.addAndGet(e.sizeBytes());
          }
        });
      }
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      double[] peaks = new double[3];
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      var unused = sampler.scheduleAtFixedRate(() -> {
        long now = System.nanoTime();
        double inTransport = (accepted.get() - delivered.get() - dropped.get()) / MIB;
        double heap = memory.getHeapMemoryUsage().getUsed() / MIB;
        double direct = PlatformDependent.usedDirectMemory() / MIB; // -1 if netty does not count
        timeline.record("in transport MiB", now, inTransport);
        timeline.record("heap used MiB", now, heap);
        synchronized (peaks) {
          peaks[0] = Math.max(peaks[0], inTransport);
          peaks[1] = Math.max(peaks[1], heap);
          peaks[2] = Math.max(peaks[2], direct);
        }
      }, 0, 100, TimeUnit.MILLISECONDS);
      // The leader: four times what the follower consumes, at a fixed rate.
      long interval = TimeUnit.SECONDS.toNanos(1) * ENTRY_BYTES / (4 * CONSUME_BYTES_PER_SECOND);
      long sent = 0;
      for (long next = start; next < end; next += interval) {
        LockSupport.parkNanos(next - System.nanoTime());
        RaftEnvelope e = Transports.message(1 + sent % RANGES, TrafficClass.APPEND, 0, ENTRY_BYTES);
        if (pair.sender.send(e).isAccepted()) {
          accepted.addAndGet(e.sizeBytes());
        } else {
          refused[0] += e.sizeBytes();
        }
        sent++;
      }
      long deliveredAtEnd = delivered.get();
      sampler.shutdown();
      sampler.awaitTermination(1, TimeUnit.SECONDS);
      Map<String, Double> figures = new LinkedHashMap<>();
      synchronized (peaks) {
        figures.put("peak in transport MiB", peaks[0]);
        figures.put("budget MiB", budget(pair));
        figures.put("peak heap used MiB", peaks[1]);
        figures.put("peak netty direct MiB", peaks[2] < 0 ? Double.NaN : peaks[2]);
      }
      figures.put("delivered MiB/s", deliveredAtEnd / MIB / ((end - start) / 1e9));
      double offered = accepted.get() + refused[0];
      figures.put("not accepted %", 100.0 * (refused[0] + dropped.get()) / offered);
      return figures;
    }
  }

  /** What raftwire may hold: the sender's APPEND lane plus the receiver's queues of these ranges. */
  private static double budget(Transports pair) {
    if (!(pair.receiver instanceof GrpcTransport)) {
      return Double.NaN; // the baselines have none
    }
    TransportLimits sender = pair.sender.limits();
    ReceiverLimits receiver = ReceiverLimits.defaults();
    return (sender.appendLaneBytes() + Math.min(receiver.receiveBudgetBytes(), RANGES * receiver.rangeAppendQueueBytes())) / MIB;
  }
}
