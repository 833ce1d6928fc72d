package io.raftwire.adapter.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Ratis example of README.md, kept compiling and passing here. Change both together. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RatisReadmeExampleTest {
  @TempDir Path data;

  @Test
  void readmeExample() throws Exception {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);
    int[] clientPorts = {RatisCluster.freePort(), RatisCluster.freePort(), RatisCluster.freePort()};
    List<RaftPeer> peers = new ArrayList<>();
    for (int s = 1; s <= 3; s++) {
      peers.add(RaftPeer.newBuilder().setId("n" + s).setAddress("127.0.0.1:" + clientPorts[s - 1]).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
    // --- README ratis directory begins
    RatisStores stores = new RatisStores()
        .put(RaftPeerId.valueOf("n1"), StoreId.of(1), Locality.parse("zone=a"))
        .put(RaftPeerId.valueOf("n2"), StoreId.of(2), Locality.parse("zone=b"))
        .put(RaftPeerId.valueOf("n3"), StoreId.of(3), Locality.parse("zone=c"));
    // --- README ratis directory ends
    List<AutoCloseable> started = new ArrayList<>();
    List<KvStateMachine> machines = new ArrayList<>();
    try {
      for (int s = 1; s <= 3; s++) {
        StoreId id = StoreId.of(s);
        RaftPeer me = peers.get(s - 1);
        int clientPort = clientPorts[s - 1];
        File dir = data.resolve("n" + s).toFile();
        KvStateMachine stateMachine = new KvStateMachine();
        // --- README ratis example begins
        GrpcTransport transport = GrpcTransport.start(GrpcTransportConfig.builder(id, resolver).security(PeerSecurity.insecure()).build());
        addresses.put(id, transport.listenAddress());
        RaftProperties properties = new RaftProperties();
        Parameters parameters = new Parameters();
        RaftwireRatis.configure(properties, parameters, transport, stores,
            RatisOptions.builder().metricRegistry(transport.metrics()).build());

        // From here on, Ratis code as it is with ratis-grpc (whose port still serves clients and admin).
        RaftServerConfigKeys.setStorageDir(properties, List.of(dir));
        GrpcConfigKeys.Server.setPort(properties, clientPort);
        RaftServer server = RaftServer.newBuilder()
            .setServerId(me.getId())
            .setGroup(group)
            .setProperties(properties)
            .setParameters(parameters)
            .setStateMachine(stateMachine)
            .build();
        server.start();
        // --- README ratis example ends
        started.add(transport);
        started.add(server);
        machines.add(stateMachine);
      }
      // --- README ratis client begins
      try (RaftClient client = RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group).build()) {
        client.io().send(KvStateMachine.put("count", "1"));
      }
      // --- README ratis client ends
      await().atMost(Duration.ofSeconds(60)).until(() -> machines.stream().allMatch(m -> "1".equals(m.values.get("count"))));
      assertEquals(3, machines.size());
    } finally {
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).close();
      }
    }
  }
}
