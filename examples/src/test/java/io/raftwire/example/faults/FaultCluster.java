package io.raftwire.example.faults;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.proto.GetRequest;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.link.LinkProxy;
import io.raftwire.example.storage.RocksStorage;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rocksdb.RocksIterator;

/**
 * Three {@code raftwire-kv node} processes on loopback, each with its own data directory, whose
 * store-to-store traffic passes through a {@link LinkProxy} per directed link: store i's {@code
 * --peers} names, for every other store j, the proxy of link i to j, and {@code --listen} its own
 * real address. Client, transport and metrics ports are picked once, so a restarted store comes
 * back where it was. {@link #close()} kills whatever is still running, as does a shutdown hook
 * should the test JVM exit first. Not thread-safe: one test
 * thread drives it (the proxies themselves are thread-safe).
 */
final class FaultCluster implements AutoCloseable {
  static final int STORES = 3;
  static final Metadata.Key<String> LEADER = Metadata.Key.of("raftwire-leader", Metadata.ASCII_STRING_MARSHALLER);
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  // raftwire_kv_term{range="r1",store="s2"} 3.0 (labels in any order)
  private static final Pattern TERM = Pattern.compile("raftwire_kv_term\\{[^}]*range=\"([^\"]+)\"[^}]*}\\s+(\\S+)");
  private static final Pattern SAMPLE = Pattern.compile("(\\w+)(\\{[^}]*})?\\s+(\\S+)");

  /**
   * How the cluster runs.
   *
   * @param ranges ranges in the cluster
   * @param snapshotEvery commits per range between snapshots (a node's {@code --snapshot-every})
   * @param zones whether s2 is in zone a and s1, s3 in zone b (else all in one zone): a lagging
   *     store of zone b then gets its snapshot from its zone peer, not from a leader in zone a
   */
  record Options(int ranges, int snapshotEvery, boolean zones) {
    static Options of(int ranges) {
      return new Options(ranges, 10_000, false);
    }
  }

  final int ranges;
  private final Map<Long, StoreProcess> stores = new TreeMap<>();
  private final Map<Long, InetSocketAddress> clientAddresses = new TreeMap<>();
  private final Map<Long, Integer> metricsPorts = new TreeMap<>();
  private final Map<Long, Integer> adminPorts = new TreeMap<>();
  private final Map<Long, long[]> peaks = new TreeMap<>(); // guarded by itself: store -> {heap, queued} bytes
  private final java.util.concurrent.ScheduledExecutorService sampler =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fault-cluster-sampler");
        t.setDaemon(true);
        return t;
      });
  private final Map<String, LinkProxy> links = new TreeMap<>();
  private final Map<Long, Path> dataDirs = new TreeMap<>();
  private final Path logs;
  // Kills the stores should the test JVM exit without close() (a surefire timeout, Ctrl-C).
  private final Thread killer = new Thread(() -> stores.values().forEach(StoreProcess::destroy), "fault-cluster-killer");

  FaultCluster(Path root, Options options) throws IOException {
    this.ranges = options.ranges();
    this.logs = root.resolve("logs");
    Map<Long, InetSocketAddress> raft = new TreeMap<>();
    for (long id = 1; id <= STORES; id++) {
      raft.put(id, freeAddress());
      clientAddresses.put(id, freeAddress());
      metricsPorts.put(id, freeAddress().getPort());
      adminPorts.put(id, freeAddress().getPort());
    }
    for (long from = 1; from <= STORES; from++) {
      for (long to = 1; to <= STORES; to++) {
        if (from != to) {
          links.put(from + ">" + to, new LinkProxy("s" + from + ">s" + to, raft.get(to)));
        }
      }
    }
    for (long id = 1; id <= STORES; id++) {
      List<String> peers = new ArrayList<>();
      for (long other = 1; other <= STORES; other++) {
        InetSocketAddress address = other == id ? raft.get(id) : links.get(id + ">" + other).address();
        peers.add(other + "=127.0.0.1:" + address.getPort() + (options.zones() ? (other == 2 ? "@a" : "@b") : ""));
      }
      Path data = root.resolve("s" + id);
      dataDirs.put(id, data);
      stores.put(id, new StoreProcess(id, List.of(
          "--id", Long.toString(id),
          "--peers", String.join(",", peers),
          "--listen", "127.0.0.1:" + raft.get(id).getPort(),
          "--client", "127.0.0.1:" + clientAddresses.get(id).getPort(),
          "--metrics-port", Integer.toString(metricsPorts.get(id)),
          "--admin-port", Integer.toString(adminPorts.get(id)),
          "--snapshot-every", Integer.toString(options.snapshotEvery()),
          "--data", data.toString(),
          "--ranges", Integer.toString(ranges)), logs));
    }
  }

  /**
   * A started cluster under {@code root}: should a store fail to bind a port that was free when it
   * was picked (another process took it meanwhile), the attempt is killed and another one, with
   * other ports, started; at most three.
   */
  static FaultCluster started(Path root, Options options) throws IOException {
    for (int attempt = 1; ; attempt++) {
      FaultCluster cluster = new FaultCluster(root.resolve("attempt-" + attempt), options);
      try {
        cluster.start();
        return cluster;
      } catch (IllegalStateException e) {
        cluster.close();
        if (attempt == 3 || !String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("bind")) {
          throw e;
        }
        System.out.println("a store could not bind its port, starting the cluster again: " + e.getMessage().lines().findFirst().orElse(""));
      }
    }
  }

  /** Starts every store and waits until each serves clients. */
  void start() throws IOException {
    Runtime.getRuntime().addShutdownHook(killer);
    for (StoreProcess store : stores.values()) {
      store.start();
    }
    var unused = sampler.scheduleWithFixedDelay(this::sample, 0, 250, TimeUnit.MILLISECONDS);
  }

  /** Each running store's heap in use and bytes queued in its transport, kept if a new peak (every 250 ms). */
  private void sample() {
    for (StoreProcess store : stores.values()) {
      if (!store.alive()) {
        continue;
      }
      long heap = 0;
      long queued = 0;
      for (String line : metrics(store.id, "raftwire_")) {
        Matcher m = SAMPLE.matcher(line);
        if (!m.matches()) {
          continue;
        }
        String family = m.group(1);
        long value = (long) number(m.group(3));
        if (family.equals("raftwire_jvm_heap_used_bytes")) {
          heap = value;
        } else if (family.equals("raftwire_sender_queued_bytes") || family.equals("raftwire_receiver_queued_bytes_append")
            || family.equals("raftwire_receiver_queued_bytes_control")) {
          queued += value;
        }
      }
      synchronized (peaks) {
        long[] p = peaks.computeIfAbsent(store.id, id -> new long[2]);
        p[0] = Math.max(p[0], heap);
        p[1] = Math.max(p[1], queued);
      }
    }
  }

  /** A sample's value; 0 for NaN and the infinities, which the gauges here never hold. */
  private static double number(String text) {
    try {
      double v = Double.parseDouble(text);
      return Double.isFinite(v) ? v : 0;
    } catch (NumberFormatException e) {
      return 0; // +Inf, -Inf
    }
  }

  /** Per store, the highest {heap in use, bytes queued in its transport} sampled so far. */
  Map<Long, long[]> peaks() {
    synchronized (peaks) {
      Map<Long, long[]> copy = new TreeMap<>();
      peaks.forEach((id, p) -> copy.put(id, p.clone()));
      return copy;
    }
  }

  /**
   * Sets store {@code id}'s live setting {@code name} to {@code value} through its admin endpoint
   * (what {@code raftwire-kv admin set} does).
   *
   * @throws IOException if the store refuses or cannot be reached
   */
  void admin(long id, String name, String value) throws IOException {
    try {
      HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts.get(id) + "/settings/" + name))
              .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(value)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("s" + id + " refused " + name + "=" + value + ": " + response.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The sum over {@code id}'s series of the Prometheus family {@code family} (0 if it has none or does not answer). */
  double sum(long id, String family) {
    double total = 0;
    for (String line : metrics(id, family)) {
      Matcher m = SAMPLE.matcher(line);
      if (m.matches() && m.group(1).equals(family)) {
        total += number(m.group(3));
      }
    }
    return total;
  }

  /** Where the stores' stdout and stderr files are. */
  Path logs() {
    return logs;
  }

  StoreProcess store(long id) {
    return stores.get(id);
  }

  List<StoreProcess> stores() {
    return List.copyOf(stores.values());
  }

  /** The proxy of the link from store {@code from} to store {@code to}. */
  LinkProxy link(long from, long to) {
    return links.get(from + ">" + to);
  }

  /** Every link out of {@code id}. */
  List<LinkProxy> outbound(long id) {
    List<LinkProxy> out = new ArrayList<>();
    for (long other = 1; other <= STORES; other++) {
      if (other != id) {
        out.add(link(id, other));
      }
    }
    return out;
  }

  /** Every link into {@code id}. */
  List<LinkProxy> inbound(long id) {
    List<LinkProxy> in = new ArrayList<>();
    for (long other = 1; other <= STORES; other++) {
      if (other != id) {
        in.add(link(other, id));
      }
    }
    return in;
  }

  /** Every link back to passing, without delay. */
  void heal() {
    for (LinkProxy link : links.values()) {
      link.delay(0, 0);
      link.mode(LinkProxy.Mode.PASS);
    }
  }

  /** A new client of every store. */
  KvClient client() {
    Map<StoreId, InetSocketAddress> addresses = new TreeMap<>();
    clientAddresses.forEach((id, address) -> addresses.put(StoreId.of(id), address));
    return new KvClient(addresses, ranges);
  }

  /**
   * The store that leads the range of {@code key}: asked directly (a follower names the leader in
   * its answer's trailer), until one answers.
   */
  long leaderOf(String key) {
    return await("the leader of " + key).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> askLeader(key), leader -> leader > 0);
  }

  private long askLeader(String key) {
    for (Map.Entry<Long, InetSocketAddress> e : clientAddresses.entrySet()) {
      if (!stores.get(e.getKey()).alive()) {
        continue;
      }
      ManagedChannel channel = NettyChannelBuilder.forAddress(e.getValue()).usePlaintext().build();
      try {
        var unused = KvGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
            .get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
        return e.getKey();
      } catch (StatusRuntimeException error) {
        String hint = error.getTrailers() == null ? null : error.getTrailers().get(LEADER);
        if (error.getStatus().getCode() == Status.Code.FAILED_PRECONDITION && hint != null) {
          return Long.parseLong(hint);
        }
      } finally {
        channel.shutdownNow();
      }
    }
    return -1;
  }

  /** The lines of store {@code id}'s Prometheus text that match {@code needle} (empty if it does not answer). */
  List<String> metrics(long id, String needle) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + metricsPorts.get(id) + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.body().lines().filter(l -> !l.startsWith("#") && l.contains(needle)).toList();
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /**
   * The sum over ranges of the highest term any running store reports ({@code
   * raftwire_sN_kv_rM_term} in its metrics): its rise over a run counts the elections.
   */
  long terms() {
    Map<String, Long> highest = new TreeMap<>();
    for (StoreProcess store : stores.values()) {
      for (String line : metrics(store.id, "_term")) {
        Matcher m = TERM.matcher(line);
        if (m.matches()) {
          highest.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Math::max);
        }
      }
    }
    return highest.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Stops every store gracefully (SIGTERM), all at once. */
  void stopAll() throws InterruptedException {
    List<Thread> stopping = new ArrayList<>();
    for (StoreProcess store : stores.values()) {
      Thread t = new Thread(() -> {
        try {
          store.stop();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "stop-s" + store.id);
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      t.join();
    }
  }

  /**
   * What store {@code id} holds, read from its RocksDB once it has stopped: every key of every
   * range ({@code range | 'K' | key}) and its value.
   */
  Map<String, String> contents(long id) throws IOException {
    Map<String, String> pairs = new TreeMap<>();
    try (RocksStorage storage = RocksStorage.open(dataDirs.get(id))) {
      storage.use(db -> {
        try (RocksIterator it = db.newIterator()) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            byte[] key = it.key();
            if (key.length > 9 && key[8] == 'K') {
              long range = ByteBuffer.wrap(key, 0, 8).getLong();
              pairs.put("r" + range + "/" + new String(key, 9, key.length - 9, StandardCharsets.UTF_8),
                  new String(it.value(), StandardCharsets.UTF_8));
            }
          }
        }
        return null;
      });
    }
    return pairs;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // never added, or the JVM is exiting and runs it anyway
    }
    for (StoreProcess store : stores.values()) {
      store.destroy();
    }
    for (LinkProxy link : links.values()) {
      link.close();
    }
  }

  /**
   * A loopback port that is free now, below the kernel's ephemeral range: a port picked by binding
   * port 0 and closing it again may be taken by any outgoing connection before the store binds it
   * (or binds it again after a restart), one below that range only by another listener.
   */
  private static InetSocketAddress freeAddress() throws IOException {
    int ephemeralLow = 32768;
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip();
      ephemeralLow = Integer.parseInt(WHITESPACE.split(range, 2)[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: assume its default range
    }
    for (int attempt = 0; attempt < 100 && ephemeralLow > 11_000; attempt++) {
      int port = 10_000 + ThreadLocalRandom.current().nextInt(ephemeralLow - 10_000);
      try (ServerSocket socket = new ServerSocket(port)) { // the wildcard: free on every address, as metrics bind
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
      } catch (IOException taken) {
        // try another
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }
  }
}
