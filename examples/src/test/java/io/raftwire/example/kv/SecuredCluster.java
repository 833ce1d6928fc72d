package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.example.security.TlsFiles;
import io.raftwire.grpc.MetricName;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The example cluster over mutual TLS, for attack tests: three stores in zones a, b and c, store 1
 * leading every range, and the checks every attack ends with. It is quiet between attacks (nothing
 * writes), so any change of a term, a leader or a log is the attack's doing.
 */
final class SecuredCluster implements AutoCloseable {
  static final String CLUSTER_ID = "attacked";
  static final StoreId S1 = StoreId.of(1);
  static final StoreId S2 = StoreId.of(2);
  static final StoreId S3 = StoreId.of(3);
  static final Duration WAIT = Duration.ofSeconds(60);
  static final int RANGES = 4;

  final LocalCluster cluster;
  private int honestWrites;

  /** Starts the cluster over mutual TLS with the default server limits; waits until store 1 leads every range. */
  static SecuredCluster start() {
    return new SecuredCluster(LocalCluster.builder().ranges(RANGES).mutualTls(CLUSTER_ID));
  }

  /** Starts the same cluster in plaintext (for the controls); waits until store 1 leads every range. */
  static SecuredCluster plaintext() {
    return new SecuredCluster(LocalCluster.builder().ranges(RANGES));
  }

  private SecuredCluster(LocalCluster.Builder builder) {
    try {
      this.cluster = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      assertTrue(cluster.awaitLeaders(WAIT.toNanos()), "every range elects a leader");
      settled();
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Makes store 1 lead every range again, gives every range an entry of the current term through
   * honest puts, and returns the state once it is quiet: where each attack starts from.
   */
  RaftState settled() {
    assertTrue(cluster.lead(S1, WAIT.toNanos()), "store 1 leads every range");
    honestPutsSucceed();
    return quiet();
  }

  /** Where {@code store}'s raftwire server listens. */
  InetSocketAddress raftAddress(StoreId store) {
    return cluster.node(store).transport().listenAddress();
  }

  /** The certificate and key of {@code store}, as an intruder who stole them has them. */
  TlsFiles stolenFrom(StoreId store) {
    return cluster.tlsDirectory().orElseThrow().files(store);
  }

  /** The cluster once every replica agrees and has committed its whole log; nothing writes meanwhile. */
  RaftState quiet() {
    return await().atMost(WAIT).until(() -> RaftState.of(cluster), RaftState::quiet);
  }

  /** The follower's view of {@code range} on {@code store}. */
  RaftState.Replica replica(RaftState state, RangeId range, StoreId store) {
    return state.replicas().get(range + "@" + store);
  }

  /** A key of {@code range}. */
  String keyIn(RangeId range, String prefix) {
    return KvCluster.keyIn(cluster.node(S1).ranges(), range, prefix);
  }

  /**
   * Asserts that no term, leader or log changed since {@code before}, that no store holds any of
   * {@code forgedKeys}, that honest puts to every range still succeed, and that they changed no term
   * or leader either.
   */
  void assertNothingChangedSince(RaftState before, String... forgedKeys) {
    assertEquals(before, RaftState.of(cluster), "terms, leaders and logs are as before the attack");
    assertTrue(before.ledBy(S1), "store 1 still leads every range");
    for (String key : forgedKeys) {
      for (KvNode node : cluster.nodes()) {
        try {
          assertTrue(node.localGet(key.getBytes(StandardCharsets.UTF_8)).isEmpty(), node.store() + " holds " + key);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    honestPutsSucceed();
    assertEquals(before.leadership(), quiet().leadership(), "honest puts changed no term or leader");
  }

  /** Puts a key into every range through the client API and reads each back. */
  void honestPutsSucceed() {
    try (KvClient client = cluster.client()) {
      for (int r = 1; r <= RANGES; r++) {
        String key = keyIn(RangeId.of(r), "honest-" + ++honestWrites);
        byte[] value = ("v" + honestWrites).getBytes(StandardCharsets.UTF_8);
        client.put(key.getBytes(StandardCharsets.UTF_8), value, Priority.REGULAR);
        assertArrayEquals(value, client.get(key.getBytes(StandardCharsets.UTF_8)).orElseThrow());
      }
    }
  }

  /** A counter's count or a gauge's value of {@code store}'s transport; 0 if it was never registered. */
  long metric(StoreId store, MetricName name, Object... parts) {
    Metric metric = cluster.metrics().getMetrics().get(name.of(store, parts));
    if (metric == null) {
      return 0;
    }
    return metric instanceof Gauge ? ((Number) ((Gauge<?>) metric).getValue()).longValue() : ((Counting) metric).getCount();
  }

  @Override
  public void close() {
    cluster.close();
  }
}
