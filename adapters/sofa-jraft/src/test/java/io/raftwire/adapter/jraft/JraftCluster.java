package io.raftwire.adapter.jraft;

import static org.awaitility.Awaitility.await;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import io.raftwire.adapter.jraft.admission.JraftAdmission;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stores of a jraft cluster over raftwire's gRPC transport on 127.0.0.1, in one process: each store
 * runs one GrpcTransport (ephemeral port), one jraft RpcServer and one node per group, with jraft's
 * RocksDB log storage. A store keeps its jraft endpoint and data across restarts.
 */
final class JraftCluster implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);

  final Path dataDir;
  final List<String> groups;
  final int storeCount;
  final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  final StoreDirectory directory = new StoreDirectory();
  final Map<StoreId, Store> stores = new LinkedHashMap<>();
  final int electionTimeoutMs;
  /** Whether stores run with admission control (proposals through {@link JraftAdmission}). */
  boolean admission;

  JraftCluster(Path dataDir, int storeCount, List<String> groups, int electionTimeoutMs) {
    this.dataDir = dataDir;
    this.storeCount = storeCount;
    this.groups = groups;
    this.electionTimeoutMs = electionTimeoutMs;
    for (long s = 1; s <= storeCount; s++) {
      // jraft's name for the store; nothing binds it (the transport listens on its own port).
      directory.put(StoreId.of(s), "127.0.0.1:" + (17000 + s));
    }
  }

  /** The jraft peer of store {@code s}. */
  PeerId peer(long s) {
    return new PeerId(directory.endpointOf(StoreId.of(s)).orElseThrow(), 0);
  }

  Configuration conf() {
    List<PeerId> peers = new ArrayList<>();
    for (long s = 1; s <= storeCount; s++) {
      peers.add(peer(s));
    }
    return new Configuration(peers);
  }

  /** Starts every store. */
  JraftCluster startAll() {
    for (long s = 1; s <= storeCount; s++) {
      start(s);
    }
    return this;
  }

  /** Starts store {@code s} (again): transport, adapter, RpcServer, one node per group. */
  Store start(long s) {
    StoreId id = StoreId.of(s);
    GrpcTransportConfig.Builder config = GrpcTransportConfig.builder(id, StoreResolver.of(addresses)).security(PeerSecurity.insecure());
    if (admission) {
      config.admission(AdmissionConfig.builder().libraryReportsDurability(true).build());
    }
    GrpcTransport transport = GrpcTransport.start(config.build());
    addresses.put(id, transport.listenAddress());
    JraftOptions.Builder options = JraftOptions.builder().metricRegistry(transport.metrics());
    JraftAdmission hooks = null;
    if (admission) {
      hooks = new JraftAdmission(transport.flowControl().orElseThrow(), id, directory, GroupRanges.hashed());
      options.onAppendReceived(hooks.onAppendReceived()).onLeadershipLost(hooks.onLeadershipLost());
    }
    JraftStore adapter = RaftwireJraft.install(transport, directory, options.build());
    Endpoint endpoint = directory.endpointOf(id).orElseThrow();
    RpcServer server = RaftRpcServerFactory.createRaftRpcServer(endpoint);
    server.init(null);
    Store store = new Store(id, transport, adapter, server, hooks);
    for (String group : groups) {
      store.startGroup(group, conf());
    }
    stores.put(id, store);
    return store;
  }

  /** Stops store {@code s}: its nodes, RpcServer, adapter and transport; its data stays. */
  void stop(long s) {
    Store store = stores.remove(StoreId.of(s));
    if (store != null) {
      store.close();
    }
  }

  Store store(long s) {
    return stores.get(StoreId.of(s));
  }

  /** The node leading {@code group}, once the running stores agree on one. */
  Node leader(String group) {
    Node[] found = new Node[1];
    await().atMost(WAIT).until(() -> {
      for (Store s : stores.values()) {
        Node n = s.nodes.get(group);
        if (n != null && n.isLeader()) {
          PeerId leaderId = n.getLeaderId();
          long agreeing = stores.values().stream()
              .map(o -> o.nodes.get(group))
              .filter(o -> o != null && leaderId.equals(o.getLeaderId()))
              .count();
          boolean agreed = agreeing >= storeCount / 2 + 1;
          if (agreed) {
            found[0] = n;
            return true;
          }
        }
      }
      return false;
    });
    return found[0];
  }

  /** Applies {@code data} on {@code node}; the future completes with the value read or written. */
  static CompletableFuture<String> apply(Node node, ByteBuffer data) {
    KvMachine.Done done = new KvMachine.Done();
    node.apply(new Task(data, done));
    return done.result;
  }

  @Override
  public void close() {
    for (StoreId id : List.copyOf(stores.keySet())) {
      stop(id.value());
    }
  }

  final class Store implements AutoCloseable {
    final StoreId id;
    final GrpcTransport transport;
    final JraftStore adapter;
    final RpcServer server;
    final Map<String, RaftGroupService> services = new LinkedHashMap<>();
    final Map<String, Node> nodes = new ConcurrentHashMap<>();
    final Map<String, KvMachine> machines = new ConcurrentHashMap<>();
    final JraftAdmission admission; // null without admission control

    Store(StoreId id, GrpcTransport transport, JraftStore adapter, RpcServer server, JraftAdmission admission) {
      this.admission = admission;
      this.id = id;
      this.transport = transport;
      this.adapter = adapter;
      this.server = server;
    }

    void startGroup(String group, Configuration conf) {
      Path dir = dataDir.resolve(id.toString()).resolve(group);
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      KvMachine machine = new KvMachine();
      NodeOptions options = new NodeOptions();
      options.setElectionTimeoutMs(electionTimeoutMs);
      options.setInitialConf(conf);
      options.setFsm(machine);
      options.setLogUri(dir.resolve("log").toString());
      options.setRaftMetaUri(dir.resolve("meta").toString());
      options.setSnapshotUri(dir.resolve("snapshot").toString());
      options.setSnapshotIntervalSecs(0); // snapshots only when a test asks for one
      if (admission != null) {
        options.setServiceFactory(admission.serviceFactory());
      }
      RaftGroupService service = new RaftGroupService(group, new PeerId(directory.endpointOf(id).orElseThrow(), 0),
          options, server, true);
      machines.put(group, machine);
      nodes.put(group, service.start(false));
      services.put(group, service);
    }

    void stopGroup(String group) throws InterruptedException {
      RaftGroupService service = services.remove(group);
      if (service != null) {
        service.shutdown();
        service.join();
      }
      nodes.remove(group);
    }

    @Override
    public void close() {
      for (String group : List.copyOf(services.keySet())) {
        try {
          stopGroup(group);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      server.shutdown();
      adapter.close();
      transport.close();
    }
  }
}
