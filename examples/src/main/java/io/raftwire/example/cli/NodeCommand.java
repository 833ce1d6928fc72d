package io.raftwire.example.cli;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.admission.CreditAutoTuning;
import io.raftwire.example.admin.AdminServer;
import io.raftwire.example.admin.NodeSettings;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.storage.ThrottledDisk;
import io.raftwire.topology.StoreId;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs one store until the process is told to stop (SIGTERM, Ctrl-C), then shuts it down gracefully. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run one store of a cluster.")
final class NodeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

  @Option(names = "--id", required = true, description = "This store's id (one of --peers).")
  long id;

  @Option(names = "--peers", required = true,
      description = "Every store: id=host:port@zone,... (raft transport addresses and zones).")
  String peers;

  @Option(names = "--listen",
      description = "Where this store's transport binds (default: its address in --peers), e.g. 0.0.0.0:7001.")
  String listen;

  @Option(names = "--zone", description = "This store's zone (default: the @zone given in --peers).")
  String zone;

  @Option(names = "--client", defaultValue = "127.0.0.1:0", description = "Client API address (default ${DEFAULT-VALUE}).")
  String client;

  @Option(names = "--data", required = true, description = "RocksDB directory of this store.")
  Path data;

  @Option(names = "--ranges", defaultValue = "16", description = "Ranges in the cluster (default ${DEFAULT-VALUE}).")
  int ranges;

  @Option(names = "--fan-out", defaultValue = "true", arity = "1", description = "Zone fan-out: entries cross a zone "
      + "boundary once, to an agent store that relays them to its zone peers (default ${DEFAULT-VALUE}).")
  boolean fanOut;

  @Option(names = "--metrics-port", defaultValue = "0", description = "Prometheus /metrics port; 0: none (default).")
  int metricsPort;

  @Option(names = "--admin-port", defaultValue = "0", description = "Admin endpoint port on 127.0.0.1 (live settings, "
      + "see raftwire-kv admin; with TLS flags, HTTPS for the admin certificate only); 0: none (default).")
  int adminPort;

  @Option(names = "--snapshot-every", defaultValue = "10000",
      description = "Commits per range between snapshots, after which its log is compacted (default ${DEFAULT-VALUE}).")
  int snapshotEvery;

  @Option(names = "--credit-auto-tuning", description = "Size each destination's credit windows from its measured "
      + "round trip and throughput, between the configured windows and --max-elastic-credit-bytes (default off).")
  boolean creditAutoTuning;

  @Option(names = "--max-elastic-credit-bytes", defaultValue = "134217728",
      description = "With --credit-auto-tuning: the largest elastic window; the regular one scales alike "
          + "(default ${DEFAULT-VALUE}).")
  long maxElasticCreditBytes;

  @Mixin
  TlsOptions tls;

  @Override
  public Integer call() throws Exception {
    Peers cluster = Peers.parse(peers);
    StoreId store = StoreId.of(id);
    io.raftwire.grpc.PeerSecurity security = tls.security(store);
    io.raftwire.example.security.AdminTls adminTls = adminPort > 0 ? tls.adminTls(store) : null;
    if (zone != null) {
      cluster.localities.put(StoreId.of(id), io.raftwire.topology.Locality.parse("zone=" + zone));
    }
    MetricRegistry metrics = new MetricRegistry();
    MetricsEndpoints endpoints = new MetricsEndpoints(metrics, "0.0.0.0", metricsPort);
    ThrottledDisk disk = ThrottledDisk.stallOnly(); // stalled only on an operator's (or a fault test's) demand
    KvNode node;
    AdminServer admin = null;
    try {
      node = KvNode.start(
          KvNode.Config.builder(store, cluster.addresses, data)
              .security(security)
              .localities(cluster.localities)
              .listenAddress(listen == null ? null : Peers.address(listen))
              .clientAddress(Peers.address(client))
              .rangeCount(ranges)
              .commitCountToTakeSnapshot(snapshotEvery)
              .metrics(metrics)
              .storeWrapper((range, raftStore) -> disk.wrap(raftStore))
              .transport(t -> t.fanOut(fanOut))
              .admission(a -> creditAutoTuning
                  ? a.creditAutoTuning(CreditAutoTuning.builder().maxElasticCreditBytes(maxElasticCreditBytes).build())
                  : a)
              .build());
      try {
        if (adminPort > 0) {
          NodeSettings settings = NodeSettings.of(store, node.transport(), disk, metrics);
          admin = adminTls == null ? AdminServer.start(settings, adminPort) : AdminServer.start(settings, adminPort, adminTls);
        }
      } catch (java.io.IOException | RuntimeException e) {
        node.close();
        throw e;
      }
    } catch (java.io.IOException | RuntimeException e) {
      endpoints.close();
      throw e;
    }
    // After the start: the transport clears the raftwire.<store>. names of the registry it is given.
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    metrics.gauge(MetricRegistry.name("raftwire", store.toString(), "jvm", "heap_used_bytes"),
        () -> () -> memory.getHeapMemoryUsage().getUsed());
    CountDownLatch stopped = new CountDownLatch(1);
    AdminServer adminServer = admin;
    Runtime.getRuntime().addShutdownHook(shutdownHook(node, () -> {
      if (adminServer != null) {
        adminServer.close();
      }
      endpoints.close();
    }, stopped));
    System.out.printf("store %d up: clients on %s%s%s; peers over %s; SIGTERM or Ctrl-C stops it gracefully%n", id,
        node.clientAddress(), metricsPort > 0 ? ", metrics on :" + metricsPort + "/metrics" : "",
        admin == null ? "" : ", admin on " + (admin.tls() ? "https" : "http") + "://127.0.0.1:" + admin.address().getPort()
            + (admin.tls() ? " (admin certificate only)" : ""), tls.describe());
    stopped.await();
    return 0;
  }

  /**
   * The JVM shutdown hook (SIGTERM, Ctrl-C): closes {@code node} gracefully (see {@link
   * KvNode#close()}: client requests refused, its ranges handed off, then Raft nodes, storage and
   * transport closed) and returns, so letting the JVM exit, only once that has finished or {@link
   * KvNode#closeTimeoutNanos()} has passed; then closes {@code alsoClose} and releases {@code
   * stopped}.
   */
  static Thread shutdownHook(KvNode node, AutoCloseable alsoClose, CountDownLatch stopped) {
    return new Thread(() -> {
      Thread closer = new Thread(node::close, "raftwire-kv-close-" + node.store());
      closer.setDaemon(true); // a close past its bound must not keep the JVM alive
      closer.start();
      try {
        closer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(node.closeTimeoutNanos())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (closer.isAlive()) {
        log.warn("{} did not finish shutting down within {} ms; exiting anyway", node.store(),
            TimeUnit.NANOSECONDS.toMillis(node.closeTimeoutNanos()));
      }
      try {
        alsoClose.close();
      } catch (Exception e) {
        log.warn("closing {} failed", alsoClose, e);
      }
      stopped.countDown();
    }, "raftwire-kv-shutdown");
  }
}
