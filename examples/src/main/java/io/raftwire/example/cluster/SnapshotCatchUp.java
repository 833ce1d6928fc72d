package io.raftwire.example.cluster;

import io.microraft.RaftNode;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.KvNode;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The snapshot scenario: a replica is down while the range moves on and compacts its log, comes
 * back, and catches up by snapshot, sent by the healthy replica in its own zone rather than by
 * the leader in another. Run it on a cluster whose stores are in zones a, b, b (store 1 leads, store
 * 3 lags) with snapshots every few dozen commits; {@link Result} holds what it measured.
 */
public final class SnapshotCatchUp {
  private final LocalCluster cluster;
  private final StoreId leader;
  private final StoreId lagging;
  private final Consumer<String> progress;

  /** What one run saw. */
  public static final class Result {
    /** Snapshot bytes sent per "from zone -> to zone", by every store, during the catch-up. */
    public final Map<String, Long> snapshotZoneBytes;
    /** Snapshots installed on the lagging store. */
    public final long installs;
    /** Snapshots a delegate sent in the leader's place. */
    public final long delegated;
    /** Snapshots the leader sent itself (no delegate could). */
    public final long leaderSends;
    /** The leader's non-zero {@code snapshot.delegation.*} counters of the run (why it sent, if it did). */
    public final Map<String, Long> delegation;
    /** From restarting the lagging store until every range on it had caught up. */
    public final long catchUpMillis;
    /** Keys written while it was down, and how many of them its own replica holds afterwards. */
    public final int keysWritten;
    public final int keysPresent;

    Result(Map<String, Long> snapshotZoneBytes, Map<String, Long> delegation, long installs, long delegated,
        long leaderSends, long catchUpMillis, int keysWritten, int keysPresent) {
      this.snapshotZoneBytes = Map.copyOf(snapshotZoneBytes);
      this.delegation = Map.copyOf(delegation);
      this.installs = installs;
      this.delegated = delegated;
      this.leaderSends = leaderSends;
      this.catchUpMillis = catchUpMillis;
      this.keysWritten = keysWritten;
      this.keysPresent = keysPresent;
    }

    /** Snapshot bytes from zone {@code from} to zone {@code to}. */
    public long zoneBytes(String from, String to) {
      return snapshotZoneBytes.getOrDefault(from + " -> " + to, 0L);
    }
  }

  public SnapshotCatchUp(LocalCluster cluster, StoreId leader, StoreId lagging, Consumer<String> progress) {
    this.cluster = cluster;
    this.leader = leader;
    this.lagging = lagging;
    this.progress = progress;
  }

  /**
   * Runs the scenario: {@code keys} puts of {@code valueBytes} each while {@code lagging} is down.
   *
   * @throws IllegalStateException if the cluster does not get there in time (no leaders, no
   *     catch-up within {@code timeoutNanos})
   */
  public Result run(int keys, int valueBytes, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    if (!cluster.awaitLeaders(remaining(deadline)) || !cluster.lead(leader, remaining(deadline))) {
      throw new IllegalStateException(leader + " did not become the leader of every range in time");
    }
    progress.accept(leader + " leads every range; stopping " + lagging);
    cluster.stop(lagging);
    byte[] value = new byte[valueBytes];
    Arrays.fill(value, (byte) 'v');
    try (KvClient client = cluster.client()) {
      for (int i = 0; i < keys; i++) {
        client.put(key(i), value, Priority.REGULAR);
      }
    }
    Map<RangeId, Long> target = new TreeMap<>();
    for (RangeId range : cluster.node(leader).hostedRanges()) {
      target.put(range, commitIndex(cluster.node(leader).node(range).orElseThrow()));
    }
    // The healthy replicas apply (and snapshot) what the leader committed before the laggard returns.
    for (KvNode node : cluster.nodes()) {
      while (!caughtUp(node, target)) {
        if (System.nanoTime() >= deadline) {
          throw new IllegalStateException(node.store() + " did not apply the writes in time");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
    progress.accept(keys + " keys written while " + lagging + " was down; the ranges took snapshots and "
        + "compacted their logs; restarting " + lagging);
    Map<String, Long> before = snapshotZoneBytes();
    Map<String, Long> delegationBefore = delegationCounters();
    long started = System.nanoTime();
    KvNode back = cluster.start(lagging);
    while (!caughtUp(back, target)) {
      if (System.nanoTime() >= deadline) {
        throw new IllegalStateException(lagging + " did not catch up in time");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    long catchUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    Map<String, Long> sent = minus(snapshotZoneBytes(), before);
    Map<String, Long> delegation = minus(delegationCounters(), delegationBefore);
    int present = 0;
    for (int i = 0; i < keys; i++) {
      Optional<byte[]> held = back.localGet(key(i));
      if (held.isPresent() && Arrays.equals(held.get(), value)) {
        present++;
      }
    }
    progress.accept(lagging + " caught up in " + catchUpMillis + " ms and holds " + present + " of " + keys + " keys");
    return new Result(sent, delegation, back.snapshots().installed(), delegation.getOrDefault("delegated", 0L),
        delegation.getOrDefault("leader_sends", 0L), catchUpMillis, keys, present);
  }

  private static byte[] key(int i) {
    return ("snapshot-key-" + i).getBytes(StandardCharsets.UTF_8);
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  private static boolean caughtUp(KvNode node, Map<RangeId, Long> target) {
    for (Map.Entry<RangeId, Long> e : target.entrySet()) {
      Optional<RaftNode> raft = node.node(e.getKey());
      if (raft.isEmpty() || commitIndex(raft.get()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static long commitIndex(RaftNode node) {
    try {
      return node.getReport().get(5, TimeUnit.SECONDS).getResult().getLog().getCommitIndex();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> delta = new TreeMap<>(after);
    before.forEach((name, value) -> delta.merge(name, -value, Long::sum));
    delta.values().removeIf(v -> v == 0);
    return delta;
  }

  /** The leader's {@code snapshot.delegation.*} counters, by the name after that prefix. */
  private Map<String, Long> delegationCounters() {
    String prefix = "raftwire." + leader + ".snapshot.delegation.";
    Map<String, Long> counters = new TreeMap<>();
    cluster.metrics().getCounters().forEach((name, c) -> {
      if (name.startsWith(prefix)) {
        counters.put(name.substring(prefix.length()), c.getCount());
      }
    });
    return counters;
  }

  /** Every store's {@code snapshot.zone_bytes.<from>.<to>}, summed per zone pair. */
  private Map<String, Long> snapshotZoneBytes() {
    Map<String, Long> bytes = new TreeMap<>();
    cluster.metrics().getCounters().forEach((name, c) -> {
      int at = name.indexOf(".snapshot.zone_bytes.");
      if (at > 0) {
        String[] zones = name.substring(at + ".snapshot.zone_bytes.".length()).split("\\.", -1);
        if (zones.length == 2) {
          bytes.merge(zones[0] + " -> " + zones[1], c.getCount(), Long::sum);
        }
      }
    });
    return bytes;
  }
}
