package io.raftwire.example.cluster;

import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.MessageLite;
import io.microraft.RaftNode;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.OperationCodec;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.storage.ThrottledDisk;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three KV stores in this process, one per zone ({@code region=demo,zone=a|b|c}) on 127.0.0.1,
 * each range replicated on all three, RocksDB in a temporary directory that {@link #close()}
 * deletes. The disks of the last {@code slowStores} stores can be throttled ({@link
 * #slowDisks(boolean)}), each its own disk: the situation admission control is for. Used by the
 * {@code demo} command (store 3 slow) and benchmark S3 (every store slow).
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
  private static final String[] ZONES = {"a", "b", "c"};

  private final Path dir;
  private final MetricRegistry metrics = new MetricRegistry();
  private final List<ThrottledDisk> slowDisks = new ArrayList<>();
  private final List<KvNode> nodes = new ArrayList<>();
  private final int ranges;

  private LocalCluster(int ranges, long slowDiskBytesPerSecond, int slowStores, boolean admissionControl) throws IOException {
    if (ranges < 1 || slowStores < 0 || slowStores > ZONES.length) {
      throw new IllegalArgumentException("need ranges >= 1 and 0 <= slowStores <= " + ZONES.length
          + ", were " + ranges + " and " + slowStores);
    }
    this.ranges = ranges;
    this.dir = Files.createTempDirectory("raftwire-cluster");
    // Port 0 until each store has bound one (see KvNode.Config.builder).
    Map<StoreId, InetSocketAddress> raft = new java.util.concurrent.ConcurrentSkipListMap<>();
    Map<StoreId, Locality> zones = new TreeMap<>();
    for (int s = 1; s <= ZONES.length; s++) {
      raft.put(StoreId.of(s), new InetSocketAddress("127.0.0.1", 0));
      zones.put(StoreId.of(s), Locality.parse("region=demo,zone=" + ZONES[s - 1]));
    }
    try {
      for (StoreId store : List.copyOf(raft.keySet())) {
        KvNode.Config.Builder config = KvNode.Config.builder(store, raft, dir.resolve(store.toString()))
            .localities(zones).rangeCount(ranges).metrics(metrics).admissionControl(admissionControl)
            // The slow disk moves a few MB/s: 1 MiB of elastic credits per stream keeps at most
            // about a second of bulk work queued on it (the 8 MiB default suits disks of hundreds
            // of MB/s).
            .admission(a -> a.elasticCreditBytes(1L << 20).regularCreditBytes(8L << 20));
        if (store.value() > ZONES.length - slowStores) {
          ThrottledDisk disk = new ThrottledDisk(slowDiskBytesPerSecond, new MicroRaftCodec(new SizeOnlyCodec()));
          slowDisks.add(disk);
          config.storeWrapper((range, s) -> disk.wrap(s));
        }
        KvNode node = KvNode.start(config.build());
        nodes.add(node);
        raft.put(store, node.transport().listenAddress());
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts the cluster.
   *
   * @param ranges ranges, each on all three stores
   * @param slowDiskBytesPerSecond the slow disks' speed while {@link #slowDisks(boolean)} is on
   * @param slowStores how many stores have a slow disk, counted from store 3 down
   * @param admissionControl see {@link KvNode.Config.Builder#admissionControl(boolean)}
   */
  public static LocalCluster start(int ranges, long slowDiskBytesPerSecond, int slowStores, boolean admissionControl)
      throws IOException {
    return new LocalCluster(ranges, slowDiskBytesPerSecond, slowStores, admissionControl);
  }

  /** The stores, 1 to 3. */
  public List<KvNode> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /** Every store's metrics, in one registry. */
  public MetricRegistry metrics() {
    return metrics;
  }

  /** Slows the slow stores' disks down (on) or lets them run at full speed (off, the start). */
  public void slowDisks(boolean on) {
    slowDisks.forEach(d -> d.enable(on));
  }

  public Path dataDirectory() {
    return dir;
  }

  /** A client of the cluster; the caller closes it. */
  public KvClient client() {
    Map<StoreId, InetSocketAddress> clients = new TreeMap<>();
    nodes.forEach(n -> clients.put(n.store(), n.clientAddress()));
    return new KvClient(clients, ranges);
  }

  /** Waits until every range has a leader; false if some range has none after {@code timeoutNanos}. */
  public boolean awaitLeaders(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (leaders() < ranges) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return true;
  }

  private int leaders() {
    int count = 0;
    for (RangeId range : nodes.get(0).hostedRanges()) {
      for (KvNode node : nodes) {
        RaftNode raft = node.node(range).orElse(null);
        if (raft != null && raft.getLocalEndpoint().equals(raft.getTerm().getLeaderEndpoint())) {
          count++;
          break;
        }
      }
    }
    return count;
  }

  /** The sum over ranges of the highest term any replica knows: its difference counts elections. */
  public long terms() {
    long terms = 0;
    for (RangeId range : nodes.get(0).hostedRanges()) {
      int term = 0;
      for (KvNode node : nodes) {
        RaftNode raft = node.node(range).orElse(null);
        if (raft != null) {
          term = Math.max(term, raft.getTerm().getTerm());
        }
      }
      terms += term;
    }
    return terms;
  }

  /** Stops every store and deletes the data. */
  @Override
  public void close() {
    nodes.forEach(KvNode::close);
    nodes.clear();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}", dir, e);
    }
  }

  /** The throttle only measures entry sizes; it never decodes. */
  private static final class SizeOnlyCodec implements OperationCodec {
    @Override
    public byte[] encode(Object operation) {
      return ((MessageLite) operation).toByteArray();
    }

    @Override
    public Object decode(byte[] bytes) {
      throw new UnsupportedOperationException("the throttle only measures sizes");
    }
  }
}
