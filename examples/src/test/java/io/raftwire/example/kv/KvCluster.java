package io.raftwire.example.kv;

import com.google.protobuf.ByteString;
import io.microraft.RaftConfig;
import io.microraft.RaftNode;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Three KV stores on 127.0.0.1 for tests; each can be stopped and restarted on its data. */
final class KvCluster implements AutoCloseable {
  static final int RANGES = 4;
  static final RaftConfig FAST = RaftConfig.newBuilder().setLeaderElectionTimeoutMillis(500)
      .setLeaderHeartbeatPeriodSecs(1).setLeaderHeartbeatTimeoutSecs(2).build();

  final Map<StoreId, InetSocketAddress> raftAddresses = new ConcurrentSkipListMap<>();
  final Map<StoreId, InetSocketAddress> clientAddresses = new ConcurrentSkipListMap<>();
  final Map<StoreId, KvNode> nodes = new TreeMap<>();
  private final Path dir;
  private final java.util.function.Function<StoreId, java.util.function.UnaryOperator<KvNode.Config.Builder>> configs;

  KvCluster(Path dir) {
    this(dir, store -> b -> b);
  }

  /** A cluster whose store {@code s} starts with its config adjusted by {@code configs.apply(s)}. */
  KvCluster(Path dir, java.util.function.Function<StoreId, java.util.function.UnaryOperator<KvNode.Config.Builder>> configs) {
    this.dir = dir;
    this.configs = configs;
    // Port 0: each store binds a free port when it first starts and keeps it across restarts.
    for (long s = 1; s <= 3; s++) {
      raftAddresses.put(StoreId.of(s), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      clientAddresses.put(StoreId.of(s), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }
    raftAddresses.keySet().forEach(this::start);
  }

  KvNode start(StoreId store) {
    return start(store, configs.apply(store));
  }

  /** Starts {@code store} with its config adjusted by {@code adjust}. */
  KvNode start(StoreId store, java.util.function.UnaryOperator<KvNode.Config.Builder> adjust) {
    try {
      KvNode node = KvNode.start(adjust.apply(KvNode.Config.builder(store, raftAddresses, dir.resolve(store.toString()))
          .clientAddress(clientAddresses.get(store)).rangeCount(RANGES).raftConfig(FAST)).build());
      nodes.put(store, node);
      raftAddresses.put(store, node.transport().listenAddress());
      clientAddresses.put(store, node.clientAddress());
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Shuts {@code store} down gracefully: it hands off the ranges it leads first. */
  void stop(StoreId store) {
    nodes.remove(store).close();
  }

  /** Stops {@code store} without handing anything off: its followers elect new leaders by timeout. */
  void kill(StoreId store) {
    nodes.remove(store).closeWithoutHandoff();
  }

  /**
   * Makes {@code store} the leader of {@code range} by MicroRaft's leadership transfer from the
   * current leader, waiting until it leads.
   */
  void lead(StoreId store, RangeId range) {
    RaftNode target = nodes.get(store).node(range).orElseThrow();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
      Optional<StoreId> leader = leaderOf(range);
      if (leader.isPresent() && !leader.get().equals(store)) {
        var unused = nodes.get(leader.get()).node(range).orElseThrow().transferLeadership(target.getLocalEndpoint());
      }
      return leader.isPresent() && leader.get().equals(store);
    });
  }

  KvClient client() {
    return new KvClient(clientAddresses, RANGES);
  }

  /** A client of {@code stores} only. */
  KvClient client(StoreId... stores) {
    Map<StoreId, InetSocketAddress> some = new TreeMap<>();
    for (StoreId s : stores) {
      some.put(s, clientAddresses.get(s));
    }
    return new KvClient(some, RANGES);
  }

  /** The store whose node leads {@code range}, if a running store leads it. */
  Optional<StoreId> leaderOf(RangeId range) {
    for (KvNode node : nodes.values()) {
      Optional<RaftNode> raft = node.node(range);
      if (raft.isPresent() && raft.get().getLocalEndpoint().equals(raft.get().getTerm().getLeaderEndpoint())) {
        return Optional.of(node.store());
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    nodes.values().forEach(KvNode::close);
    nodes.clear();
  }

  /** {@return the first key {@code prefix-<i>} that {@code ranges} places in {@code range}} */
  static String keyIn(Ranges ranges, RangeId range, String prefix) {
    for (int i = 0; ; i++) {
      String key = prefix + "-" + i;
      if (ranges.rangeOf(ByteString.copyFromUtf8(key)).equals(range)) {
        return key;
      }
    }
  }
}
