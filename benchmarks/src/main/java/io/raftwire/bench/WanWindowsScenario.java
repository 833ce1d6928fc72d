package io.raftwire.bench;

import com.codahale.metrics.Gauge;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.CreditAutoTuning;
import io.raftwire.example.link.LinkProxy;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * S11: credit windows on a long, fast link. A leader replicates 64 KiB regular APPENDs of 8 ranges
 * to one follower through a {@link LinkProxy} of {@value #ROUND_TRIP_MILLIS} ms round trip and
 * {@value #LINK_MB_PER_SECOND} MB/s each way, as fast as its credits let it: every proposal waits
 * for credits first, as an adapter's do, and the follower admits what it receives at once. So the
 * window is all that limits throughput below the link's bandwidth, and a window below the
 * bandwidth-delay product (here {@value #LINK_MB_PER_SECOND} MB/s × 0.2 s = 30 MB) leaves the link
 * idle part of every round trip.
 *
 * <p>Transports (all raftwire, same run): {@code default}, every setting at its default (HTTP/2
 * window 1 MiB); {@code default-credits}, the default credit windows (16 MiB regular) with HTTP/2
 * windows of 256 MiB, so only credits limit; {@code auto}, the default windows with {@link
 * CreditAutoTuning} at its defaults (which widens HTTP/2 itself); {@code fixed-<n>MiB}, hand-picked
 * regular windows (elastic half of it) with 256 MiB HTTP/2 windows.
 */
final class WanWindowsScenario implements Scenario {
  static final int ROUND_TRIP_MILLIS = 200;
  static final int LINK_MB_PER_SECOND = 150;
  private static final int RANGES = 8;
  private static final int ENTRY_BYTES = 64 * 1024;
  private static final int WIDE_HTTP2_WINDOW_BYTES = 256 << 20;
  private static final StoreId LEADER = StoreId.of(1);
  private static final StoreId FOLLOWER = StoreId.of(2);
  private static final double MiB = 1 << 20;

  @Override
  public String id() {
    return "S11";
  }

  @Override
  public String title() {
    return "credit windows on a long link: " + ROUND_TRIP_MILLIS + " ms round trip, " + LINK_MB_PER_SECOND
        + " MB/s, 8 ranges of 64 KiB regular APPENDs";
  }

  @Override
  public List<String> transports() {
    return List.of("default", "default-credits", "auto", "fixed-32MiB", "fixed-64MiB", "fixed-128MiB");
  }

  @Override
  public List<Ratio> ratios() {
    return List.of(new Ratio("auto", "default"), new Ratio("auto", "default-credits"),
        new Ratio("auto", "fixed-64MiB"), new Ratio("auto", "fixed-128MiB"));
  }

  @Override
  public List<String> figures() {
    return List.of("MB/s", "link share %", "regular window MiB", "round trip ms");
  }

  @Override
  public boolean measures(String transport, String figure) {
    return !figure.equals("round trip ms") || transport.equals("auto"); // only the tuner measures it
  }

  @Override
  public List<Plot> plots() {
    return List.of(new Plot("MB/s", "payload MB/s per 250 ms", "throughput", false),
        new Plot("regular window MiB", "the stream's regular credit window, MiB", "window", false));
  }

  private static GrpcTransportConfig.Builder configure(GrpcTransportConfig.Builder b, String transport) {
    AdmissionConfig.Builder admission = AdmissionConfig.builder();
    switch (transport) {
      case "default":
        break;
      case "default-credits":
        b.streamWindowBytes(WIDE_HTTP2_WINDOW_BYTES);
        break;
      case "auto":
        admission.creditAutoTuning(CreditAutoTuning.builder().build());
        break;
      default: {
        if (!transport.startsWith("fixed-") || !transport.endsWith("MiB")) {
          throw new IllegalArgumentException("unknown transport " + transport);
        }
        long window = Long.parseLong(transport.substring(6, transport.length() - 3)) << 20;
        admission.regularCreditBytes(window).elasticCreditBytes(window / 2);
        b.streamWindowBytes(WIDE_HTTP2_WINDOW_BYTES);
      }
    }
    return b.admission(admission.build());
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline)
      throws Exception {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    GrpcTransport follower = GrpcTransport.start(configure(
        GrpcTransportConfig.builder(FOLLOWER, StoreResolver.of(addresses)).security(PeerSecurity.insecure()), transport)
        .build());
    GrpcTransport leader = null;
    try (LinkProxy toFollower = link("s1>s2", follower.listenAddress())) {
      addresses.put(FOLLOWER, toFollower.address());
      leader = GrpcTransport.start(configure(
          GrpcTransportConfig.builder(LEADER, StoreResolver.of(addresses)).security(PeerSecurity.insecure()), transport)
          .build());
      try (LinkProxy toLeader = link("s2>s1", leader.listenAddress())) {
        addresses.put(LEADER, toLeader.address());
        Map<String, Double> figures = measure(leader, follower, settings, timeline);
        if (!measures(transport, "round trip ms")) {
          figures.put("round trip ms", Double.NaN); // reported as none
        }
        return figures;
      }
    } finally {
      if (leader != null) {
        leader.close();
      }
      follower.close();
    }
  }

  /**
   * A link of the scenario's delay and bandwidth that holds what is in flight (bandwidth × one-way
   * delay) plus a 4 MiB router buffer.
   */
  private static LinkProxy link(String name, InetSocketAddress target) throws java.io.IOException {
    long bandwidth = LINK_MB_PER_SECOND * 1_000_000L;
    LinkProxy link = new LinkProxy(name, target, bandwidth * ROUND_TRIP_MILLIS / 2 / 1000 + (4 << 20));
    link.delay(ROUND_TRIP_MILLIS / 2, 0);
    link.bandwidth(bandwidth);
    return link;
  }

  private static Map<String, Double> measure(GrpcTransport leader, GrpcTransport follower, Settings settings,
      Timeline timeline) throws Exception {
    AtomicLong received = new AtomicLong();
    for (long r = 1; r <= RANGES; r++) {
      follower.register(RangeId.of(r), (range, batch) -> {
        long bytes = 0;
        for (RaftEnvelope e : batch) {
          bytes += e.entries().get(0).data().remaining();
        }
        received.addAndGet(bytes);
      });
    }
    FlowControl flow = leader.flowControl().orElseThrow();
    byte[] payload = new byte[ENTRY_BYTES];
    long[] nextIndex = new long[RANGES + 1];
    long start = System.nanoTime();
    long measureFrom = start + settings.warmupNanos;
    long end = measureFrom + settings.measureNanos;
    long before = -1;
    long lastSample = start;
    long lastReceived = 0;
    String windowGauge = GrpcMetrics.CREDITS_REGULAR_LIMIT_BYTES.of(LEADER, FOLLOWER);
    for (long i = 0; System.nanoTime() < end; i++) {
      long now = System.nanoTime();
      if (before < 0 && now >= measureFrom) {
        before = received.get();
      }
      if (now - lastSample >= TimeUnit.MILLISECONDS.toNanos(250)) {
        long got = received.get();
        timeline.record("MB/s", now, (got - lastReceived) / ((now - lastSample) / 1e9) / 1e6);
        timeline.record("regular window MiB", now, gauge(leader, windowGauge) / MiB);
        lastReceived = got;
        lastSample = now;
      }
      int r = (int) (i % RANGES) + 1;
      RangeId range = RangeId.of(r);
      flow.admitProposal(range, List.of(FOLLOWER), Priority.REGULAR, ENTRY_BYTES)
          .get(Math.max(1, end - System.nanoTime()) + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
      RaftEnvelope append = RaftEnvelope.builder()
          .range(range)
          .from(ReplicaAddress.of(LEADER, 1))
          .to(ReplicaAddress.of(FOLLOWER, 2))
          .trafficClass(TrafficClass.APPEND)
          .priority(Priority.REGULAR)
          .payload(new byte[8])
          .entries(List.of(LogEntry.of(++nextIndex[r], 1, payload)))
          .build();
      while (!leader.send(append).isAccepted() && System.nanoTime() < end) {
        LockSupport.parkNanos(50_000); // the lane is full: retry, as a library's next heartbeat would
      }
    }
    double mbPerSecond = (received.get() - Math.max(0, before)) / (settings.measureNanos / 1e9) / 1e6;
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("MB/s", mbPerSecond);
    figures.put("link share %", 100 * mbPerSecond / LINK_MB_PER_SECOND);
    figures.put("regular window MiB", gauge(leader, windowGauge) / MiB);
    figures.put("round trip ms",
        gauge(leader, GrpcMetrics.CREDITS_ROUND_TRIP_NANOS.of(LEADER, FOLLOWER)) / 1e6);
    return figures;
  }

  private static double gauge(GrpcTransport transport, String name) {
    Gauge<?> gauge = transport.metrics().getGauges().get(name);
    return gauge == null ? 0 : ((Number) gauge.getValue()).doubleValue();
  }
}
