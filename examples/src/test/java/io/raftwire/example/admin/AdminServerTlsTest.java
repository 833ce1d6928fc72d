package io.raftwire.example.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.example.kv.KvNode;
import io.raftwire.example.kv.LogLines;
import io.raftwire.example.security.AdminIdentity;
import io.raftwire.example.security.AdminTls;
import io.raftwire.example.security.ClusterCertificates;
import io.raftwire.example.security.TlsDirectory;
import io.raftwire.example.security.TlsFiles;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint of a store that runs over mutual TLS (real HTTPS on 127.0.0.1): the admin
 * certificate gets and sets settings; a store's own certificate, valid under the same CA, gets 403
 * with the reason; a client without a certificate, or with one of another CA, fails the
 * handshake; and each refusal is counted by reason and logged once at WARN.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminServerTlsTest {
  private static final String CLUSTER = "admin-tls";
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final long MiB = 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final MetricRegistry metrics = new MetricRegistry();
  private TlsDirectory tls;
  private KvNode node;
  private AdminServer admin;
  private LogLines log;

  @BeforeEach
  void start() throws Exception {
    tls = ClusterCertificates.of(CLUSTER, List.of(S1, S2), Duration.ofHours(1)).writeTo(dir.resolve("tls"), false);
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(S1, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    node = KvNode.start(KvNode.Config.builder(S1, peers, dir.resolve("data")).rangeCount(1).replicas(1)
        .security(tls.files(S1).security(CLUSTER)).metrics(metrics).build());
    admin = AdminServer.start(NodeSettings.of(S1, node.transport(), null, metrics), 0,
        AdminTls.server(tls.files(S1), CLUSTER));
    log = new LogLines();
  }

  @AfterEach
  void stop() {
    if (log != null) {
      log.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private HttpResponse<String> send(TlsFiles client, String method, String path, String body) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(AdminTls.client(client, CLUSTER).context()).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + admin.address().getPort() + path));
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private long refused(String reason) {
    return metrics.counter(AdminAccess.name(S1, reason)).getCount();
  }

  private long warnings(String reason) {
    return log.lines().stream().filter(l -> l.contains("WARN") && l.contains("admin endpoint refused")
        && l.contains("(" + reason + ")")).count();
  }

  @Test
  void theAdminCertificateGetsAndSetsSettings() throws Exception {
    assertTrue(admin.tls(), "HTTPS with mutual TLS");
    assertTrue(admin.address().getAddress().isLoopbackAddress(), "still bound to loopback only");
    HttpResponse<String> all = send(tls.adminFiles(), "GET", "/settings", null);
    assertEquals(200, all.statusCode(), all.body());
    assertEquals(AdminServer.HEADER, all.body().lines().findFirst().orElseThrow());
    assertTrue(all.body().contains("sender.append_lane_bytes\t"), all.body());

    HttpResponse<String> set = send(tls.adminFiles(), "PUT", "/settings/sender.global_queue_bytes", "128MiB");
    assertEquals(200, set.statusCode(), set.body());
    assertEquals("sender.global_queue_bytes: " + TransportLimits.DEFAULT_GLOBAL_QUEUE_BYTES + " -> " + 128 * MiB + "\n",
        set.body());
    assertEquals(128 * MiB, node.transport().limits().globalQueueBytes());
    for (String reason : List.of(AdminAccess.NOT_ADMIN, AdminAccess.UNTRUSTED_CERTIFICATE, AdminAccess.HANDSHAKE_FAILED)) {
      assertEquals(0, refused(reason), reason);
    }
  }

  @Test
  void theAdminCertificateNamesNoStoreAndIsForTlsClientsOnly() throws Exception {
    X509Certificate adminCertificate;
    try (InputStream in = Files.newInputStream(tls.adminCertificateChain())) {
      adminCertificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    assertTrue(AdminIdentity.of(CLUSTER).refusal(adminCertificate).isEmpty(), "it is the admin's");
    assertEquals(Optional.empty(), tls.files(S1).security(CLUSTER).storeOf(adminCertificate),
        "the transport's identity rule finds no store in it, so no store accepts it as a peer");
    assertEquals(List.of("1.3.6.1.5.5.7.3.2"), adminCertificate.getExtendedKeyUsage(), "TLS client only");
    assertTrue(AdminIdentity.of("another").refusal(adminCertificate).orElseThrow().contains("another cluster"));
  }

  @Test
  void aStoresOwnCertificateIsRefusedWith403AndTheReason() throws Exception {
    String storeUri = "raftwire://cluster/" + CLUSTER + "/store/2";
    HttpResponse<String> get = send(tls.files(S2), "GET", "/settings", null);
    assertEquals(403, get.statusCode(), get.body());
    assertTrue(get.body().contains("names a store (" + storeUri + ")")
        && get.body().contains(AdminIdentity.of(CLUSTER).uri()), get.body());

    HttpResponse<String> set = send(tls.files(S2), "PUT", "/settings/sender.global_queue_bytes", "1MiB");
    assertEquals(403, set.statusCode(), set.body());
    assertEquals(TransportLimits.defaults(), node.transport().limits(), "nothing changed");
    assertEquals(0, metrics.counter("raftwire.s1.admin.changes").getCount());

    assertEquals(2, refused(AdminAccess.NOT_ADMIN));
    assertEquals(2, warnings(AdminAccess.NOT_ADMIN), "one WARN line per refusal: " + log.lines());
    assertTrue(log.lines().stream().anyMatch(l -> l.contains("PUT /settings/sender.global_queue_bytes")
        && l.contains(storeUri)), "the line names the request and the certificate: " + log.lines());
  }

  @Test
  void aClientWithoutACertificateFailsTheHandshake() throws Exception {
    SSLContext trustOnly = SSLContext.getInstance("TLS");
    trustOnly.init(null, trusting(tls.trustRoots()).getTrustManagers(), null);
    assertFalse(rawGet(trustOnly).startsWith("HTTP/"), "no response without a client certificate");
    await().atMost(WAIT).until(() -> refused(AdminAccess.HANDSHAKE_FAILED) == 1);
    await().atMost(WAIT).until(() -> warnings(AdminAccess.HANDSHAKE_FAILED) == 1);
    assertEquals(0, refused(AdminAccess.NOT_ADMIN));

    HttpClient plain = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/settings"))
        .build();
    assertThrows(IOException.class, () -> plain.send(request, HttpResponse.BodyHandlers.ofString()),
        "plain HTTP gets nothing from the HTTPS endpoint");
    // The HTTP client tries a GET again on a new connection, so it may be refused more than once.
    await().atMost(WAIT).until(() -> refused(AdminAccess.HANDSHAKE_FAILED) > 1);
    assertTrue(log.lines().stream().anyMatch(l -> l.contains("(" + AdminAccess.HANDSHAKE_FAILED + ")")
        && l.contains("plaintext")), "the JDK's reason is in the line: " + log.lines());
    assertEquals(TransportLimits.defaults(), node.transport().limits());
  }

  @Test
  void anAdminCertificateOfAnotherCaFailsTheHandshake() throws Exception {
    TlsDirectory foreign = ClusterCertificates.of(CLUSTER, List.of(S1), Duration.ofHours(1))
        .writeTo(dir.resolve("foreign"), false);
    // The foreign CA's admin certificate names the right admin; only its chain is wrong. The
    // client trusts the real CA, so it is the store that refuses.
    TlsFiles impostor = new TlsFiles(foreign.adminCertificateChain(), foreign.adminPrivateKey(), tls.trustRoots());
    assertThrows(IOException.class, () -> send(impostor, "PUT", "/settings/sender.global_queue_bytes", "1MiB"));
    await().atMost(WAIT).until(() -> refused(AdminAccess.UNTRUSTED_CERTIFICATE) == 1);
    await().atMost(WAIT).until(() -> warnings(AdminAccess.UNTRUSTED_CERTIFICATE) == 1);
    assertEquals(TransportLimits.defaults(), node.transport().limits(), "nothing changed");
    assertEquals(200, send(tls.adminFiles(), "GET", "/settings", null).statusCode(), "the admin still gets in");
  }

  /** A GET over a TLS socket of {@code context}: the response's first bytes, or the failure. */
  private String rawGet(SSLContext context) {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(
        InetAddress.getLoopbackAddress(), admin.address().getPort())) {
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write("GET /settings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = in.readNBytes(5);
      return new String(head, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  private static TrustManagerFactory trusting(Path roots) throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(roots)) {
      trusted.setCertificateEntry("root", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(trusted);
    return factory;
  }
}
