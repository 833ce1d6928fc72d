package io.raftwire.bench;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * S4: messages/s and MB/s one sender delivers to one receiver over 8 ranges, for several payload
 * sizes, the bytes the whole JVM allocated per message delivered ({@link AllocationMeter}: all
 * threads, sender and receiver alike, over the measured window) and the CPU time it used per
 * message delivered ({@link CpuMeter}, the same window). raftwire's sender backs off when
 * refused; the baselines never refuse, so the harness stops offering once 64 MiB or 10,000
 * messages are outstanding (they would otherwise grow without bound).
 *
 * <p>Two raw gRPC baselines, measured in the same run as raftwire: {@code raw-encoded}
 * ({@link RawEncoded}) builds one protobuf envelope per message from its fields and parses and
 * reads every envelope on receipt, as a careful user of gRPC would; {@code raw} ({@link
 * RawCeiling}) writes one pre-encoded frame again and again and only counts what arrives, the
 * ceiling. The report gives raftwire / raw-encoded and raftwire / raw run by run.
 *
 * <p>{@code raftwire-tls} and {@code raw-tls} are raftwire and the raw ceiling over mutual TLS,
 * with certificates made for each run; each is measured in the same run as its plaintext twin, and
 * the report gives the TLS / plaintext ratio of every run, and which TLS (protocol, cipher,
 * engine) ran.
 */
final class ThroughputScenario implements Scenario {
  private final Set<String> notes = new LinkedHashSet<>();

  @Override
  public String id() {
    return "S4";
  }

  @Override
  public String title() {
    return "throughput: one sender, one receiver, 8 ranges, APPEND messages";
  }

  @Override
  public List<String> transports() {
    return List.of("raftwire", "raftwire-tls", "raw", "raw-encoded", "raw-tls", "fifo", "unary");
  }

  @Override
  public List<Ratio> ratios() {
    return List.of(new Ratio("raftwire", "raw-encoded"), new Ratio("raftwire", "raw"),
        new Ratio("raftwire-tls", "raftwire"), new Ratio("raw-tls", "raw"));
  }

  @Override
  public List<String> notes() {
    return List.copyOf(notes);
  }

  @Override
  public List<String> variants(Settings settings) {
    return settings.quick ? List.of("1024") : List.of("64", "1024", "16384", "262144");
  }

  @Override
  public List<String> figures() {
    return List.of("msgs/s", "MB/s", "alloc B/msg", "cpu us/msg");
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline) throws Exception {
    int bytes = Integer.parseInt(variant);
    long size = Transports.message(1, TrafficClass.APPEND, 0, bytes).sizeBytes();
    long delivered;
    long allocated;
    long cpuNanos;
    if (transport.startsWith("raw")) {
      try (RawStream raw = transport.equals("raw-encoded") ? RawEncoded.start(bytes)
          : RawCeiling.start(transport.equals("raw-tls"), bytes)) {
        note(transport, raw.tls());
        LockSupport.parkNanos(settings.warmupNanos);
        long before = raw.received();
        AllocationMeter meter = AllocationMeter.start();
        CpuMeter cpu = CpuMeter.start();
        LockSupport.parkNanos(settings.measureNanos);
        delivered = raw.received() - before;
        allocated = meter.allocatedBytes();
        cpuNanos = cpu.usedNanos();
      }
    } else {
      try (Transports pair = new Transports(transport)) {
        note(transport, pair.tls());
        AtomicLong count = new AtomicLong();
        for (long r = 1; r <= 8; r++) {
          pair.receiver.register(RangeId.of(r), (range, batch) -> count.addAndGet(batch.size()));
        }
        RaftEnvelope[] messages = new RaftEnvelope[8];
        for (int r = 0; r < 8; r++) {
          messages[r] = Transports.message(r + 1, TrafficClass.APPEND, 0, bytes);
        }
        long start = System.nanoTime();
        long measureFrom = start + settings.warmupNanos;
        long end = measureFrom + settings.measureNanos;
        long before = -1;
        AllocationMeter meter = null;
        CpuMeter cpu = null;
        long sent = 0;
        boolean bounded = !transport.startsWith("raftwire");
        while (System.nanoTime() < end) {
          if (before < 0 && System.nanoTime() >= measureFrom) {
            before = count.get();
            meter = AllocationMeter.start();
            cpu = CpuMeter.start();
          }
          long outstanding = sent - count.get();
          if (bounded && (outstanding * size > Flood.OUTSTANDING_BYTES || outstanding > Flood.OUTSTANDING_MESSAGES)) {
            LockSupport.parkNanos(20_000);
            continue;
          }
          if (pair.sender.send(messages[(int) (sent & 7)]).isAccepted()) {
            sent++;
          } else {
            LockSupport.parkNanos(20_000);
          }
        }
        delivered = count.get() - Math.max(0, before);
        allocated = meter == null ? 0 : meter.allocatedBytes();
        cpuNanos = cpu == null ? -1 : cpu.usedNanos();
      }
    }
    double seconds = settings.measureNanos / 1e9;
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("msgs/s", delivered / seconds);
    figures.put("MB/s", delivered * size / seconds / 1e6);
    figures.put("alloc B/msg", delivered == 0 ? Double.NaN : (double) allocated / delivered);
    figures.put("cpu us/msg", delivered == 0 || cpuNanos < 0 ? Double.NaN : cpuNanos / 1e3 / delivered);
    return figures;
  }

  private void note(String transport, String tls) {
    if (!tls.isEmpty()) {
      notes.add(transport + ": " + tls);
    }
  }
}
