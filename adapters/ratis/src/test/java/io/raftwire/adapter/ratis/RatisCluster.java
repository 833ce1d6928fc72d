package io.raftwire.adapter.ratis;

import static org.awaitility.Awaitility.await;

import io.raftwire.admission.AdmissionConfig;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * A Ratis cluster over raftwire's gRPC transport on 127.0.0.1, in one process: each server runs one
 * GrpcTransport (ephemeral port) and one Ratis server whose groups all share it, with Ratis's own
 * segmented log on disk. Ratis's client port is chosen once per server and kept across restarts
 * (it is in the groups' configurations); the transport's port changes and the resolver follows.
 */
final class RatisCluster implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);
  private static final AtomicLong callIds = new AtomicLong();

  final Path dataDir;
  final int serverCount;
  final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  final RatisStores stores = new RatisStores();
  final Map<Integer, Server> servers = new LinkedHashMap<>();
  final Map<Integer, Integer> clientPorts = new LinkedHashMap<>();
  final List<RaftGroup> groups = new ArrayList<>();
  /** A snapshot every this many applied entries, with the log purged up to it; 0: no snapshots. */
  long snapshotEvery;
  /** Whether servers run with logical admission (followers report durability; proposals through {@link RatisAdmission}). */
  boolean admission;
  /** Wraps server {@code s}'s transport before Ratis gets it (a test's fault injection). */
  java.util.function.BiFunction<Integer, RaftTransport, RaftTransport> wrapper = (s, t) -> t;
  /** Ratis's election timeouts, the lower bound; the upper is twice it. */
  long electionTimeoutMillis = 500;
  /** The group-to-range mapping every server uses. */
  RatisGroupRanges ranges = RatisGroupRanges.hashed();

  RatisCluster(Path dataDir, int serverCount) {
    // Ratis calls System.exit on some start failures; in a test that must be a failure, not a crash.
    ExitUtils.disableSystemExit();
    this.dataDir = dataDir;
    this.serverCount = serverCount;
    for (int s = 1; s <= serverCount; s++) {
      stores.put(peerId(s), StoreId.of(s), Locality.parse("zone=z" + s));
      clientPorts.put(s, freePort());
    }
  }

  static RaftPeerId peerId(int s) {
    return RaftPeerId.valueOf("s" + s);
  }

  RaftPeer peer(int s) {
    return RaftPeer.newBuilder().setId(peerId(s)).setAddress("127.0.0.1:" + clientPorts.get(s)).build();
  }

  /** A new group of every server, remembered for {@link #startAll} and restarts. */
  RaftGroup newGroup(int index) {
    List<RaftPeer> peers = new ArrayList<>();
    for (int s = 1; s <= serverCount; s++) {
      peers.add(peer(s));
    }
    return RaftGroup.valueOf(RaftGroupId.valueOf(new UUID(0x5241_5449_5300_0000L + index, index)), peers);
  }

  /** Starts every server and adds {@code groupCount} groups to each. */
  RatisCluster startAll(int groupCount) throws IOException {
    for (int s = 1; s <= serverCount; s++) {
      start(s, true);
    }
    for (int g = 0; g < groupCount; g++) {
      addGroup(newGroup(g));
    }
    return this;
  }

  /** Adds {@code group} on every running server. */
  void addGroup(RaftGroup group) throws IOException {
    for (Server server : servers.values()) {
      RaftClientReply reply = server.ratis.groupManagement(
          GroupManagementRequest.newAdd(ClientId.randomId(), server.ratis.getId(), callIds.incrementAndGet(), group));
      if (!reply.isSuccess()) {
        throw new IOException("adding " + group + " to " + server.ratis.getId() + " failed: " + reply);
      }
    }
    groups.add(group);
  }

  /** Removes {@code group} from every running server, deleting its directories. */
  void removeGroup(RaftGroup group) throws IOException {
    for (Server server : servers.values()) {
      RaftClientReply reply = server.ratis.groupManagement(GroupManagementRequest.newRemove(ClientId.randomId(),
          server.ratis.getId(), callIds.incrementAndGet(), group.getGroupId(), true, false));
      if (!reply.isSuccess()) {
        throw new IOException("removing " + group + " from " + server.ratis.getId() + " failed: " + reply);
      }
    }
    groups.remove(group);
  }

  /** Starts server {@code s}: a transport, then a Ratis server on it (formatted, or recovering its groups from disk). */
  Server start(int s, boolean format) throws IOException {
    StoreId id = StoreId.of(s);
    // Ratis closes its client service without waiting for the listener to go (shutdownNow), and
    // ends the process when a restart cannot bind it: start only once the port is free again.
    int clientPort = clientPorts.get(s);
    await("client port " + clientPort + " of server " + s + " free").atMost(WAIT).until(() -> canBind(clientPort));
    GrpcTransportConfig.Builder config = GrpcTransportConfig.builder(id, StoreResolver.of(addresses)).security(PeerSecurity.insecure());
    if (admission) {
      config.admission(AdmissionConfig.builder().libraryReportsDurability(true).build());
    }
    GrpcTransport grpc = GrpcTransport.start(config.build());
    addresses.put(id, grpc.listenAddress());
    MetricRegistry metrics = grpc.metrics();
    RaftTransport transport = wrapper.apply(s, grpc);
    try {
      RaftProperties properties = properties(s);
      Parameters parameters = new Parameters();
      RaftwireRatis.configure(properties, parameters, transport, stores,
          RatisOptions.builder().metricRegistry(metrics).reportDurability(admission).groupRanges(ranges).build());
      Map<RaftGroupId, KvStateMachine> machines = new ConcurrentHashMap<>();
      RaftServer ratis = RaftServer.newBuilder()
          .setServerId(peerId(s))
          .setProperties(properties)
          .setParameters(parameters)
          .setStateMachineRegistry(group -> machines.computeIfAbsent(group, g -> new KvStateMachine()))
          .setOption(format ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
          .build();
      ratis.start();
      RatisAdmission hooks = admission
          ? new RatisAdmission(ratis, transport.flowControl().orElseThrow(), stores, ranges) : null;
      Server server = new Server(s, transport, metrics, ratis, machines, hooks);
      servers.put(s, server);
      return server;
    } catch (IOException | RuntimeException e) {
      transport.close();
      throw e;
    }
  }

  RaftProperties properties(int s) {
    RaftProperties properties = new RaftProperties();
    Path dir = dataDir.resolve("s" + s);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setPort(properties, clientPorts.get(s));
    // Elections slow enough for a 2-core machine running three servers and their groups.
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(electionTimeoutMillis, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(2 * electionTimeoutMillis, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("16KB"));
    if (snapshotEvery > 0) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, snapshotEvery);
      RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
      RaftServerConfigKeys.Log.setPurgeGap(properties, 1);
    }
    return properties;
  }

  /** Stops server {@code s}: its Ratis server, then its transport; its data stays. */
  void stop(int s) throws IOException {
    Server server = servers.remove(s);
    if (server != null) {
      server.close();
    }
  }

  Server server(int s) {
    return servers.get(s);
  }

  /** A Ratis client of {@code group} on Ratis's gRPC client protocol, as any Ratis application has. */
  RaftClient client(RaftGroup group) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** The server leading {@code group} once a majority of the running servers name it leader. */
  int leader(RaftGroup group) {
    int[] found = new int[1];
    await().atMost(WAIT).until(() -> {
      for (Server server : servers.values()) {
        Optional<RaftServer.Division> d = server.division(group.getGroupId());
        if (d.isPresent() && d.get().getInfo().isLeader() && d.get().getInfo().isLeaderReady()) {
          RaftPeerId id = server.ratis.getId();
          long agreeing = servers.values().stream()
              .map(o -> o.division(group.getGroupId()))
              .filter(o -> o.isPresent() && id.equals(o.get().getInfo().getLeaderId()))
              .count();
          if (agreeing >= serverCount / 2 + 1) {
            found[0] = server.index;
            return true;
          }
        }
      }
      return false;
    });
    return found[0];
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (Integer s : List.copyOf(servers.keySet())) {
      try {
        stop(s);
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * A port for a Ratis client service that stays this cluster's across restarts. It is taken from
   * [10000, 32000), below the ephemeral ranges of Linux (32768), macOS and Windows (49152), where no
   * {@code bind(0)} (the transports') and no outgoing connection's local port can land meanwhile,
   * and checked free now.
   */
  static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 10_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(22_000);
      if (canBind(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port in [10000, 32000)");
  }

  /** Whether a listener could bind {@code port} on 127.0.0.1 now. */
  static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** One running server: its transport, its Ratis server, the state machine of each of its groups. */
  static final class Server implements AutoCloseable {
    final int index;
    final RaftTransport transport;
    final MetricRegistry metrics;
    final RaftServer ratis;
    final Map<RaftGroupId, KvStateMachine> machines;
    final RatisAdmission admission; // null without admission

    Server(int index, RaftTransport transport, MetricRegistry metrics, RaftServer ratis, Map<RaftGroupId, KvStateMachine> machines,
        RatisAdmission admission) {
      this.index = index;
      this.transport = transport;
      this.metrics = metrics;
      this.ratis = ratis;
      this.machines = machines;
      this.admission = admission;
    }

    /** The adapter of this server. */
    RatisServerRpc rpc() {
      return (RatisServerRpc) ratis.getServerRpc();
    }

    Optional<RaftServer.Division> division(RaftGroupId group) {
      try {
        return Optional.of(ratis.getDivision(group));
      } catch (IOException e) {
        return Optional.empty();
      }
    }

    /** A counter of this server's adapter, by its name after {@code raftwire.<store>.ratis.}. */
    long counter(String name) {
      var c = metrics.getCounters().get(RatisServerRpc.prefixOf(transport.localStore()) + "." + name);
      return c == null ? 0 : c.getCount();
    }

    @Override
    public void close() throws IOException {
      try {
        ratis.close();
      } finally {
        transport.close();
      }
    }
  }
}
