package io.raftwire.example.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.example.admin.AdminServer;
import io.raftwire.example.admin.NodeSettings;
import io.raftwire.example.kv.KvNode;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code raftwire-kv admin} against a running store: shows its settings, changes one, reports refusals. */
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
