package com.example.consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.Ordered;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.persistence.NopRaftStore;
import io.microraft.statemachine.StateMachine;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.MicroRaftNodes;
import io.raftwire.adapter.microraft.OperationCodec;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** What a user's project sees when it depends on raftwire's published artifacts and nothing else. */
class TwoStoreClusterTest {

  @Test
  void twoStoresElectALeaderAndReplicateOverRaftwire() {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    List<GrpcTransport> transports = new ArrayList<>();
    List<MicroRaftNodes> stores = new ArrayList<>();
    List<RaftNode> nodes = new ArrayList<>();
    List<AppliedLog> logs = new ArrayList<>();
    try {
      for (long s = 1; s <= 2; s++) {
        GrpcTransport transport = GrpcTransport.start(
            GrpcTransportConfig.builder(StoreId.of(s), StoreResolver.of(addresses))
                .security(PeerSecurity.insecure())
                .build());
        addresses.put(StoreId.of(s), transport.listenAddress());
        transports.add(transport);
      }
      for (GrpcTransport transport : transports) {
        MicroRaftNodes ranges = MicroRaftNodes.builder(transport, new MicroRaftCodec(new Utf8())).build();
        AppliedLog log = new AppliedLog();
        nodes.add(ranges.start(RangeId.of(1), RaftNode.newBuilder()
            .setGroupId(RangeId.of(1))
            .setLocalEndpoint(StoreEndpoint.of(transport.localStore()))
            .setInitialGroupMembers(List.of(StoreEndpoint.of(1), StoreEndpoint.of(2)))
            .setStateMachine(log), new NopRaftStore()));
        stores.add(ranges);
        logs.add(log);
      }

      await().atMost(Duration.ofSeconds(60)).until(() -> nodes.get(0).getTerm().getLeaderEndpoint() != null);
      RaftEndpoint leaderEndpoint = nodes.get(0).getTerm().getLeaderEndpoint();
      int leader = nodes.get(0).getLocalEndpoint().equals(leaderEndpoint) ? 0 : 1;
      Ordered<Object> committed = stores.get(leader).replicate(nodes.get(leader), "hello", 5).join();

      assertTrue(committed.getCommitIndex() > 0, "the write committed");
      await().atMost(Duration.ofSeconds(30)).until(() -> logs.get(1 - leader).applied.contains("hello"));
    } finally {
      nodes.forEach(n -> n.terminate().join());
      stores.forEach(MicroRaftNodes::close);
      transports.forEach(GrpcTransport::close);
    }
  }

  @Test
  void theBomHandsOutTheVersionsRaftwireWasBuiltWith() throws IOException, URISyntaxException {
    assertEquals(System.getProperty("expected.grpc.version"), version(io.grpc.ManagedChannel.class, "grpc-api"));
    assertEquals(System.getProperty("expected.protobuf.version"),
        version(com.google.protobuf.Message.class, "protobuf-java"));
    assertEquals(System.getProperty("expected.raftwire.version"),
        version(GrpcTransport.class, "raftwire-transport-grpc"));
  }

  @Test
  void everyRaftwireJarNamesItsModule() throws IOException, URISyntaxException {
    assertEquals("io.raftwire", moduleName(StoreId.class));
    assertEquals("io.raftwire.grpc", moduleName(GrpcTransport.class));
    assertEquals("io.raftwire.admission", moduleName(io.raftwire.admission.AdmissionConfig.class));
    assertEquals("io.raftwire.adapter.microraft", moduleName(MicroRaftNodes.class));
  }

  /** The version in the file name of the jar a class was loaded from: artifact-version.jar. */
  private static String version(Class<?> type, String artifact) throws URISyntaxException {
    String file = jar(type).getFileName().toString();
    assertTrue(file.startsWith(artifact + "-") && file.endsWith(".jar"), type + " comes from " + file);
    return file.substring(artifact.length() + 1, file.length() - ".jar".length());
  }

  private static String moduleName(Class<?> type) throws IOException, URISyntaxException {
    try (JarFile jar = new JarFile(jar(type).toFile())) {
      return jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
    }
  }

  private static Path jar(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  static final class Utf8 implements OperationCodec {
    @Override
    public byte[] encode(Object operation) {
      return ((String) operation).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Object decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  static final class AppliedLog implements StateMachine {
    final List<Object> applied = new CopyOnWriteArrayList<>();

    @Override
    public Object runOperation(long commitIndex, Object operation) {
      if (operation != null) {
        applied.add(operation);
      }
      return operation;
    }

    @Override
    public void takeSnapshot(long commitIndex, Consumer<Object> chunks) {
      chunks.accept(String.join("\n", applied.stream().map(Object::toString).toList()));
    }

    @Override
    public void installSnapshot(long commitIndex, List<Object> chunks) {
      applied.clear();
      for (Object chunk : chunks) {
        if (!((String) chunk).isEmpty()) {
          applied.addAll(List.of(((String) chunk).split("\n")));
        }
      }
    }

    @Override
    public Object getNewTermOperation() {
      return null;
    }
  }
}
