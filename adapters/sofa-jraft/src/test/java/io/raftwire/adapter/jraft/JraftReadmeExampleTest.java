package io.raftwire.adapter.jraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.alipay.sofa.jraft.JRaftUtils;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The jraft example of README.md, kept compiling and passing here. Change both together. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JraftReadmeExampleTest {
  @TempDir Path data;

  @Test
  void readmeExample() throws Exception {
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    StoreResolver resolver = StoreResolver.of(addresses);
    String peers = "127.0.0.1:17201,127.0.0.1:17202,127.0.0.1:17203";
    // --- README jraft directory begins
    StoreDirectory stores = new StoreDirectory()
        .put(StoreId.of(1), "127.0.0.1:17201")
        .put(StoreId.of(2), "127.0.0.1:17202")
        .put(StoreId.of(3), "127.0.0.1:17203");
    // --- README jraft directory ends
    List<AutoCloseable> started = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    List<KvMachine> machines = new ArrayList<>();
    try {
      for (long s = 1; s <= 3; s++) {
        StoreId id = StoreId.of(s);
        String dir = java.nio.file.Files.createDirectories(data.resolve("s" + s)).toString();
        KvMachine stateMachine = new KvMachine();
        // --- README jraft example begins
        GrpcTransport transport = GrpcTransport.start(GrpcTransportConfig.builder(id, resolver).security(PeerSecurity.insecure()).build());
        addresses.put(id, transport.listenAddress());
        JraftStore store = RaftwireJraft.install(transport, stores,
            JraftOptions.builder().metricRegistry(transport.metrics()).build());

        // From here on, jraft code as it is with Bolt.
        PeerId serverId = new PeerId(stores.endpointOf(id).orElseThrow(), 0);
        RpcServer rpcServer = RaftRpcServerFactory.createRaftRpcServer(serverId.getEndpoint());
        NodeOptions nodeOptions = new NodeOptions();
        nodeOptions.setInitialConf(JRaftUtils.getConfiguration(peers));
        nodeOptions.setFsm(stateMachine);
        nodeOptions.setLogUri(dir + "/log");
        nodeOptions.setRaftMetaUri(dir + "/meta");
        nodeOptions.setSnapshotUri(dir + "/snapshot");
        RaftGroupService group = new RaftGroupService("counter", serverId, nodeOptions, rpcServer);
        Node node = group.start();
        // --- README jraft example ends
        started.add(transport);
        started.add(store);
        started.add(() -> {
          group.shutdown();
          group.join();
        });
        nodes.add(node);
        machines.add(stateMachine);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().anyMatch(Node::isLeader));
      Node leader = nodes.stream().filter(Node::isLeader).findFirst().orElseThrow();
      assertEquals("1", JraftCluster.apply(leader, KvMachine.put("count", "1")).get(30, TimeUnit.SECONDS));
      await().atMost(Duration.ofSeconds(30)).until(() -> machines.stream().allMatch(m -> "1".equals(m.values.get("count"))));
    } finally {
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).close();
      }
    }
  }
}
