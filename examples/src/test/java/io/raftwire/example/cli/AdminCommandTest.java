package io.raftwire.example.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.example.admin.AdminServer;
import io.raftwire.example.admin.NodeSettings;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.security.AdminTls;
import io.raftwire.example.security.TlsDirectory;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code raftwire-kv admin} against a running store: shows its settings, changes one, reports
 * refusals; and, with {@code --tls-dir}, the same over mutual TLS with the admin certificate that
 * {@code raftwire-kv certs} wrote.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int admin(int port, String... action) {
    out.reset();
    err.reset();
    AdminCommand command = new AdminCommand();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    String[] args = new String[action.length + 2];
    args[0] = "--port";
    args[1] = Integer.toString(port);
    System.arraycopy(action, 0, args, 2, action.length);
    return new CommandLine(command).execute(args);
  }

  @Test
  void withTheTlsDirectoryItTalksHttpsWithTheAdminCertificateThatCertsWrote() throws Exception {
    String cluster = "cli-tls";
    Path certs = dir.resolve("certs");
    assertEquals(0, new CommandLine(new CertsCommand())
        .execute("--out", certs.toString(), "--stores", "1", "--cluster-id", cluster));
    TlsDirectory layout = TlsDirectory.of(certs);
    assertTrue(Files.isRegularFile(layout.adminCertificateChain()) && Files.isRegularFile(layout.adminPrivateKey()),
        "certs writes admin.crt and admin.key beside the stores' files");

    StoreId store = StoreId.of(1);
    // The store's side as raftwire-kv node builds it from its own flags.
    NodeCommand flags = new NodeCommand();
    new CommandLine(flags).parseArgs("--id", "1", "--peers", "1=127.0.0.1:0@a", "--data", dir.resolve("data").toString(),
        "--admin-port", "1", "--tls-dir", certs.toString(), "--cluster-id", cluster);
    AdminTls serverTls = flags.tls.adminTls(store);
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    MetricRegistry metrics = new MetricRegistry();
    try (KvNode node = KvNode.start(KvNode.Config.builder(store, peers, dir.resolve("data")).rangeCount(1).replicas(1)
             .security(layout.files(store).security(cluster)).metrics(metrics).build());
         AdminServer server = AdminServer.start(NodeSettings.of(store, node.transport(), null, metrics), 0, serverTls)) {
      String port = Integer.toString(server.address().getPort());
      List<String> tls = List.of("--tls-dir", certs.toString(), "--cluster-id", cluster);

      assertEquals(0, admin(port, tls, "get"), err.toString(StandardCharsets.UTF_8));
      assertTrue(out.toString(StandardCharsets.UTF_8).lines().anyMatch(l -> l.startsWith("sender.append_lane_bytes ")));
      assertEquals(0, admin(port, tls, "set", "sender.append_lane_bytes", "16MiB"), err.toString(StandardCharsets.UTF_8));
      assertEquals("sender.append_lane_bytes: 67108864 -> 16777216\n", out.toString(StandardCharsets.UTF_8));
      assertEquals(16L << 20, node.transport().limits().appendLaneBytes());

      assertEquals(2, admin(port, List.of(), "get"), "without --tls-dir there is no handshake");
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("give --tls-dir"), err.toString(StandardCharsets.UTF_8));

      assertEquals(2, admin(port, List.of("--tls-dir", certs.toString(), "--cluster-id", "another"), "get"));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("names no store of cluster another"),
          "the client checks the store's certificate too: " + err.toString(StandardCharsets.UTF_8));

      // A directory whose admin files are really the store's: the store answers 403, exit code 1.
      Path stolen = Files.createDirectories(dir.resolve("stolen"));
      Files.copy(layout.trustRoots(), stolen.resolve(TlsDirectory.TRUST_ROOTS));
      Files.copy(layout.certificateChain(store), stolen.resolve(TlsDirectory.ADMIN_CERTIFICATE), StandardCopyOption.COPY_ATTRIBUTES);
      Files.copy(layout.privateKey(store), stolen.resolve(TlsDirectory.ADMIN_KEY), StandardCopyOption.COPY_ATTRIBUTES);
      assertEquals(1, admin(port, List.of("--tls-dir", stolen.toString(), "--cluster-id", cluster), "set",
          "sender.append_lane_bytes", "1MiB"));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("names a store"), err.toString(StandardCharsets.UTF_8));
      assertEquals(16L << 20, node.transport().limits().appendLaneBytes(), "refused: nothing changed");
    }
  }

  private int admin(String port, List<String> options, String... action) {
    List<String> args = new ArrayList<>(List.of("--port", port));
    args.addAll(options);
    args.addAll(List.of(action));
    out.reset();
    err.reset();
    AdminCommand command = new AdminCommand();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    return new CommandLine(command).execute(args.toArray(new String[0]));
  }

  @Test
  void showsChangesAndRefusesSettingsOfALiveStore() throws Exception {
    StoreId store = StoreId.of(1);
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    MetricRegistry metrics = new MetricRegistry();
    try (KvNode node = KvNode.start(KvNode.Config.builder(store, peers, dir).rangeCount(1).replicas(1).metrics(metrics).build());
         AdminServer server = AdminServer.start(NodeSettings.of(store, node.transport(), null, metrics), 0)) {
      int port = server.address().getPort();

      assertEquals(0, admin(port, "get"));
      String table = out.toString(StandardCharsets.UTF_8);
      assertTrue(table.lines().anyMatch(l -> l.matches("sender\\.append_lane_bytes\\s+67108864\\s+67108864\\s+bytes\\s+.*")), table);

      assertEquals(0, admin(port, "set", "sender.append_lane_bytes", "16MiB"));
      assertEquals("sender.append_lane_bytes: 67108864 -> 16777216\n", out.toString(StandardCharsets.UTF_8));
      assertEquals(16L << 20, node.transport().limits().appendLaneBytes());

      assertEquals(0, admin(port, "get", "sender.append_lane_bytes"));
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("16777216"));

      assertEquals(1, admin(port, "set", "sender.append_lane_bytes", "-1"));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("appendLaneBytes"), err.toString(StandardCharsets.UTF_8));
      assertEquals(1, admin(port, "get", "disk.stalled"), "a store without a stallable disk has no such setting");
      assertEquals(2, admin(port, "remove", "x"));
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertEquals(2, admin(closed, "get"), "nothing listens: exit code 2");
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot reach"));
  }
}
