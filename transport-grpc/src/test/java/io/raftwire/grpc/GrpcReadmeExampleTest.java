package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC examples of README.md, kept compiling and passing here; {@link
 * #theReadmeShowsEveryExampleAsItIsHere} checks that the README shows them as they are here.
 */
class GrpcReadmeExampleTest {
  private static final Pattern EXAMPLE =
      Pattern.compile("// --- README ([\\w ]*)begins\\n(.*?)\\n[ ]*// --- README \\1ends", Pattern.DOTALL);

  @Test
  void readmeExample() {
    AtomicBoolean delivered = new AtomicBoolean();
    // --- README example begins
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);

    GrpcTransport store1 = GrpcTransport.start(
        GrpcTransportConfig.builder(StoreId.of(1), resolver).security(PeerSecurity.insecure())
            .limits(TransportLimits.builder().appendLaneBytes(32L << 20).build())
            .build());
    GrpcTransport store2 = GrpcTransport.start(
        GrpcTransportConfig.builder(StoreId.of(2), resolver).security(PeerSecurity.insecure())
            .receiverLimits(ReceiverLimits.builder().rangeAppendQueueBytes(8L << 20).build())
            .build());
    addresses.put(StoreId.of(1), store1.listenAddress());   // 127.0.0.1, ephemeral port
    addresses.put(StoreId.of(2), store2.listenAddress());

    store2.register(RangeId.of(7), (range, batch) -> delivered.set(true));
    store1.send(RaftEnvelope.builder()
        .range(RangeId.of(7))
        .from(ReplicaAddress.of(StoreId.of(1), 1))
        .to(ReplicaAddress.of(StoreId.of(2), 2))
        .trafficClass(TrafficClass.CONTROL)
        .payload(new byte[] {1})
        .build());
    // Budgets change at runtime; every queue, drop and latency is in store1.metrics().
    store1.updateLimits(store1.limits().toBuilder().appendLaneBytes(64L << 20).build());
    // --- README example ends
    try {
      await().until(delivered::get);
      assertTrue(Readings.read(store1, GrpcMetrics.SENDER_ACCEPTED, StoreId.of(2), "control") == 1);
    } finally {
      store1.close();
      store2.close();
    }
  }

  @Test
  void flowControlExample() throws Exception {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);
    RangeId range = RangeId.of(7);
    StoreId follower = StoreId.of(2);
    long bytes = 4096;
    // --- README flow control example begins
    GrpcTransport transport = GrpcTransport.start(
        GrpcTransportConfig.builder(StoreId.of(1), resolver).security(PeerSecurity.insecure())
            .admission(AdmissionConfig.builder()
                .regularCreditBytes(16L << 20)        // in flight per follower stream
                .provisionedWriteBytesPerSecond(200L << 20) // elastic work: at most half
                .libraryReportsDurability(true)       // the adapter calls entriesDurable
                .build())
            .build());
    FlowControl flow = transport.flowControl().orElseThrow();

    // Leader, before proposing: wait for credits without blocking a thread.
    CompletableFuture<Void> proposed =
        flow.admitProposal(range, List.of(follower), Priority.REGULAR, bytes)
            .thenRun(() -> { /* propose to Raft here */ });

    // Follower, after fsync: report the entries, and what the write cost (IO tokens follow it).
    flow.entriesDurable(DurableEntries.of(range, StoreId.of(1), Priority.REGULAR, 10, 12, bytes));
    flow.recordDiskWrite(bytes, TimeUnit.MILLISECONDS.toNanos(3));
    // --- README flow control example ends
    try {
      proposed.get(30, TimeUnit.SECONDS);
      assertTrue(Readings.exists(transport, GrpcMetrics.IO_TOKENS_PER_INTERVAL, "regular"));
    } finally {
      transport.close();
    }
  }

  @Test
  void securityExample(@TempDir Path dir) {
    TestPki.Ca ca = TestPki.Ca.create("readme");
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);
    List<GrpcTransport> started = new ArrayList<>();
    AtomicBoolean delivered = new AtomicBoolean();
    try {
      for (long s = 1; s <= 2; s++) {
        StoreId store = StoreId.of(s);
        TestPki.Material files = ca.store(dir, "s" + s, "prod-eu", store);
        Path certificateChain = files.chain();
        Path privateKey = files.key();
        Path trustRoots = files.roots();
        // --- README security example begins
        PeerSecurity security = PeerSecurity.mutualTls(certificateChain, privateKey, trustRoots)   // PEM files
            .clusterId("prod-eu")   // every peer's certificate must name raftwire://cluster/prod-eu/store/<id>
            .allowedStores(Set.of(StoreId.of(1), StoreId.of(2), StoreId.of(3)))   // default: every such store
            .build();               // the files are checked for changes every 30 s (reloadCheckNanos)
        GrpcTransport transport = GrpcTransport.start(
            GrpcTransportConfig.builder(store, resolver).security(security)
                .serverLimits(ServerLimits.builder().maxStreamsPerPeer(32).build())   // see the table below
                .build());
        // --- README security example ends
        started.add(transport);
        addresses.put(store, transport.listenAddress());
      }
      GrpcTransport store1 = started.get(0);
      started.get(1).register(RangeId.of(7), (range, batch) -> delivered.set(true));
      store1.send(RaftEnvelope.builder().range(RangeId.of(7)).from(ReplicaAddress.of(StoreId.of(1), 1))
          .to(ReplicaAddress.of(StoreId.of(2), 2)).trafficClass(TrafficClass.CONTROL).payload(new byte[] {1}).build());
      await().until(delivered::get);
      store1.updateAllowedStores(Set.of(StoreId.of(1), StoreId.of(2), StoreId.of(3), StoreId.of(4)));
      assertEquals(Set.of(StoreId.of(1), StoreId.of(2), StoreId.of(3), StoreId.of(4)), store1.allowedStores());
    } finally {
      started.forEach(GrpcTransport::close);
    }
  }

  @Test
  void theReadmeShowsEveryExampleAsItIsHere() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String source = Files.readString(Path.of("src", "test", "java", "io", "raftwire", "grpc", "GrpcReadmeExampleTest.java"));
    Matcher example = EXAMPLE.matcher(source);
    int examples = 0;
    while (example.find()) {
      examples++;
      String shown = dedent(example.group(2));
      assertTrue(readme.contains("```java\n" + shown + "\n```"),
          "README.md does not show its " + example.group(1).trim() + " as this test runs it:\n" + shown);
    }
    assertEquals(3, examples, "examples in this test");
  }

  @Test
  void everyReadmeExampleThatConfiguresATransportChoosesItsSecurity() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    while (block.find()) {
      String code = block.group(1);
      int builders = code.split("GrpcTransportConfig\\.builder\\(", -1).length - 1;
      int secured = code.split("GrpcTransportConfig\\.builder\\((?:[^()]|\\([^()]*\\))*\\)\\s*\\.security\\(", -1).length - 1;
      assertEquals(builders, secured, "a README example builds a GrpcTransportConfig without choosing its security"
          + " right after builder(...):\n" + code);
    }
  }

  /** {@code lines} without the indentation they all share. */
  private static String dedent(String lines) {
    String[] split = lines.split("\n", -1);
    int indent = Integer.MAX_VALUE;
    for (String line : split) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String line : split) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }
}
