package io.raftwire.example.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.example.kv.KvClient;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.storage.ThrottledDisk;
import io.raftwire.message.Priority;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint of a running store (real HTTP on 127.0.0.1): every setting shown with its
 * value, default and unit; a change applied live, visible in the limit gauge and counted; bad
 * input refused with a clear reason and the old value kept; the disk stalled and released.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminServerTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final long MiB = 1024 * 1024;

  @TempDir Path dir;
  private final MetricRegistry metrics = new MetricRegistry();
  private final ThrottledDisk disk = ThrottledDisk.stallOnly();
  private KvNode node;
  private AdminServer admin;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(S1, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    node = KvNode.start(KvNode.Config.builder(S1, peers, dir).rangeCount(2).replicas(1).metrics(metrics)
        .storeWrapper((range, store) -> disk.wrap(store)).build());
    admin = AdminServer.start(NodeSettings.of(S1, node.transport(), disk, metrics), 0);
  }

  @AfterEach
  void stop() {
    disk.stall(false);
    if (admin != null) {
      admin.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path));
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private long gauge(String suffix) {
    return metrics.getGauges((name, m) -> name.endsWith(suffix)).values().stream()
        .map(g -> ((Number) ((Gauge<?>) g).getValue()).longValue()).findFirst().orElseThrow(() -> new AssertionError("no gauge " + suffix));
  }

  @Test
  void showsEverySettingWithItsValueDefaultAndUnit() throws Exception {
    assertTrue(admin.address().getAddress().isLoopbackAddress(), "bound to loopback only");
    assertFalse(admin.tls(), "plain HTTP without TLS configured");
    HttpResponse<String> all = send("GET", "/settings", null);
    assertEquals(200, all.statusCode());
    List<String> lines = all.body().lines().toList();
    assertEquals(AdminServer.HEADER, lines.get(0));
    assertTrue(lines.contains("sender.append_lane_bytes\t" + TransportLimits.DEFAULT_APPEND_LANE_BYTES + "\t"
        + TransportLimits.DEFAULT_APPEND_LANE_BYTES + "\tbytes\tAPPEND lane budget per destination"), all.body());
    for (String name : List.of("sender.control_lane_bytes", "sender.global_queue_bytes", "sender.elastic_queue_share",
        "receiver.range_append_queue_bytes", "receiver.receive_budget_bytes", "disk.stalled")) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(name + "\t")), name + " is listed: " + all.body());
    }
  }

  @Test
  void aChangeTakesEffectLiveAndTheLimitGaugeFollows() throws Exception {
    assertEquals(TransportLimits.DEFAULT_GLOBAL_QUEUE_BYTES, gauge("sender.global_limit_bytes"));
    HttpResponse<String> set = send("PUT", "/settings/sender.global_queue_bytes", "128MiB");
    assertEquals(200, set.statusCode(), set.body());
    assertEquals("sender.global_queue_bytes: " + TransportLimits.DEFAULT_GLOBAL_QUEUE_BYTES + " -> " + 128 * MiB + "\n",
        set.body());
    assertEquals(128 * MiB, node.transport().limits().globalQueueBytes());
    assertEquals(128 * MiB, gauge("sender.global_limit_bytes"), "the limit gauge reads the new budget");

    HttpResponse<String> range = send("PUT", "/settings/receiver.range_append_queue_bytes", "33554432");
    assertEquals(200, range.statusCode(), range.body());
    assertEquals(32 * MiB, node.transport().receiverLimits().rangeAppendQueueBytes());
    assertEquals(32 * MiB, gauge("receiver.range_limit_bytes.append"));

    HttpResponse<String> credits = send("PUT", "/settings/credits.elastic_bytes", "4MiB");
    assertEquals(200, credits.statusCode(), credits.body());
    assertEquals(4 * MiB, node.transport().creditWindows().elasticBytes(), "every stream's window, at once");
    HttpResponse<String> belowElastic = send("PUT", "/settings/credits.regular_bytes", "1MiB");
    assertEquals(400, belowElastic.statusCode(), "regular work takes elastic credits too: " + belowElastic.body());
    assertTrue(belowElastic.body().contains("regularBytes"), belowElastic.body());
    assertEquals(16 * MiB, node.transport().creditWindows().regularBytes(), "the old value stays");
    assertEquals(3, metrics.counter("raftwire.s1.admin.changes").getCount());
  }

  @Test
  void badInputIsRefusedWithAReasonAndTheOldValueStays() throws Exception {
    HttpResponse<String> unknown = send("PUT", "/settings/sender.no_such_budget", "1");
    assertEquals(404, unknown.statusCode());
    assertTrue(unknown.body().contains("no setting named 'sender.no_such_budget'")
        && unknown.body().contains("sender.append_lane_bytes"), unknown.body());

    HttpResponse<String> notANumber = send("PUT", "/settings/sender.append_lane_bytes", "lots");
    assertEquals(400, notANumber.statusCode());
    assertTrue(notANumber.body().contains("whole number"), notANumber.body());

    HttpResponse<String> negative = send("PUT", "/settings/sender.append_lane_bytes", "-5");
    assertEquals(400, negative.statusCode());
    assertTrue(negative.body().contains("appendLaneBytes"), "the builder's own reason: " + negative.body());

    HttpResponse<String> share = send("PUT", "/settings/sender.elastic_queue_share", "1.5");
    assertEquals(400, share.statusCode(), share.body());

    assertEquals(413, send("PUT", "/settings/sender.append_lane_bytes", "9".repeat(AdminServer.MAX_BODY_BYTES + 1)).statusCode());
    assertEquals(405, send("DELETE", "/settings/sender.append_lane_bytes", null).statusCode());

    assertEquals(TransportLimits.defaults(), node.transport().limits(), "nothing changed");
    assertEquals(4, metrics.counter("raftwire.s1.admin.refused").getCount());
    assertEquals(0, metrics.counter("raftwire.s1.admin.changes").getCount());
  }

  @Test
  void aStalledDiskHoldsWritesUntilReleasedAndLosesNone() throws Exception {
    Map<StoreId, InetSocketAddress> clients = Map.of(S1, node.clientAddress());
    try (KvClient client = new KvClient(clients, 2)) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> client.put("warm".getBytes(StandardCharsets.UTF_8), new byte[] {1}, Priority.REGULAR) > 0);
      assertEquals(200, send("PUT", "/settings/disk.stalled", "true").statusCode());
      assertTrue(disk.stalled());
      CompletableFuture<Long> put = CompletableFuture.supplyAsync(
          () -> client.put("held".getBytes(StandardCharsets.UTF_8), new byte[] {2}, Priority.REGULAR));
      // The write reached the range's flush and waits there, as on a stalled device.
      await().atMost(Duration.ofSeconds(30)).until(() -> Thread.getAllStackTraces().keySet().stream()
          .anyMatch(t -> t.getState() == Thread.State.WAITING
              && List.of(t.getStackTrace()).stream().anyMatch(f -> f.getMethodName().equals("awaitNotStalled"))));
      assertFalse(put.isDone(), "no write is acknowledged while the disk is stalled");
      assertEquals(200, send("PUT", "/settings/disk.stalled", "false").statusCode());
      assertTrue(put.get(60, TimeUnit.SECONDS) > 0, "released, the write commits");
      assertEquals(List.of((byte) 2), toList(client.get("held".getBytes(StandardCharsets.UTF_8)).orElseThrow()));
    }
  }

  private static List<Byte> toList(byte[] bytes) {
    Byte[] boxed = new Byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      boxed[i] = bytes[i];
    }
    return List.of(boxed);
  }
}
