package io.raftwire.example.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.raftwire.example.security.AdminTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeSettings} over HTTP, on the loopback interface only: whoever can reach it can change
 * the store's budgets, so it is never exposed beyond the machine (an operator reaches it with
 * {@code raftwire-kv admin} on the host, or through an SSH tunnel). The JDK's own HTTP server: one
 * small text protocol needs no framework.
 *
 * <p>When the store runs over mutual TLS ({@link #start(NodeSettings, int, AdminTls)}), it serves
 * HTTPS instead, still on loopback only: it presents the store's certificate, requires a client
 * certificate that leads to the cluster's trust roots (a client without one, or with one of
 * another CA, fails the handshake), and serves a request only if that certificate is the admin's
 * ({@link io.raftwire.example.security.AdminIdentity}); any other, a store's own included, gets
 * 403 with the reason. Each refusal is counted and logged once ({@link AdminAccess}).
 *
 * <ul>
 *   <li>{@code GET /settings}: one line per setting, tab-separated: name, value, default, unit,
 *       description; a header line first.
 *   <li>{@code GET /settings/<name>}: that setting's line; 404 if there is none.
 *   <li>{@code PUT /settings/<name>} with the new value as the body (at most 256 bytes): 200 and
 *       {@code name: old -> new}; 404 for an unknown setting, 400 for a value it refuses (the old
 *       value stays), 413 for a longer body.
 * </ul>
 *
 * <p>Requests are served one at a time on one daemon thread. {@link #close} stops it.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  static final int MAX_BODY_BYTES = 256;
  static final String HEADER = "name\tvalue\tdefault\tunit\tdescription";

  private final HttpServer http;
  private final ExecutorService executor;
  private final NodeSettings settings;
  private final AdminAccess access; // null: plain HTTP

  private AdminServer(HttpServer http, ExecutorService executor, NodeSettings settings, AdminAccess access) {
    this.http = http;
    this.executor = executor;
    this.settings = settings;
    this.access = access;
  }

  /**
   * Serves {@code settings} on {@code port} of the loopback interface (0: a free port, see {@link
   * #address()}).
   *
   * @throws IOException if the port cannot be bound
   */
  public static AdminServer start(NodeSettings settings, int port) throws IOException {
    Objects.requireNonNull(settings, "settings");
    return start(settings, HttpServer.create(loopback(port), 16), null);
  }

  /**
   * Serves {@code settings} over HTTPS on {@code port} of the loopback interface (0: a free port),
   * to the admin of {@code tls}'s cluster only: client certificates are required and verified
   * against the store's trust roots, and a request is served only if its certificate is the
   * admin's (else 403). Refusals are counted in {@code raftwire.<store>.admin.access_refused.<reason>}
   * ({@code not_admin}, {@code untrusted_certificate}, {@code handshake_failed}) and logged at WARN.
   *
   * @param tls the store's side of the admin TLS ({@link AdminTls#server})
   * @throws IOException if the port cannot be bound
   */
  public static AdminServer start(NodeSettings settings, int port, AdminTls tls) throws IOException {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(tls, "tls");
    AdminAccess access = new AdminAccess(settings.store(), tls.identity(), settings.metrics());
    HttpsServer https = HttpsServer.create(loopback(port), 16);
    SSLContext context = HandshakeWatch.of(tls.context(), access::handshakeFailed);
    https.setHttpsConfigurator(new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
        parameters.setNeedClientAuth(true);
        params.setSSLParameters(parameters);
      }
    });
    return start(settings, https, access);
  }

  private static InetSocketAddress loopback(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  private static AdminServer start(NodeSettings settings, HttpServer http, AdminAccess access) {
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "raftwire-admin");
      t.setDaemon(true);
      return t;
    });
    AdminServer server = new AdminServer(http, executor, settings, access);
    http.createContext("/settings", server::handle);
    http.setExecutor(executor);
    http.start();
    return server;
  }

  /** Where it listens (always a loopback address). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** Whether it serves HTTPS to the admin certificate only (else plain HTTP). */
  public boolean tls() {
    return access != null;
  }

  static String line(Setting s) {
    return String.join("\t", s.name(), s.current().get(), s.defaultValue(), s.unit(), s.description());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String name = path.equals("/settings") || path.equals("/settings/") ? ""
          : URLDecoder.decode(path.substring("/settings/".length()), StandardCharsets.UTF_8);
      String method = exchange.getRequestMethod();
      if (access != null) {
        Optional<String> refused = exchange instanceof HttpsExchange https
            ? access.refusal(https.getSSLSession(), method + " " + path, exchange.getRemoteAddress())
            : Optional.of("not a TLS exchange");
        if (refused.isPresent()) {
          reply(exchange, 403, "only the admin certificate may use this endpoint: " + refused.get() + "\n");
          return;
        }
      }
      try {
        if (method.equals("GET") && name.isEmpty()) {
          StringBuilder out = new StringBuilder(HEADER).append('\n');
          for (Setting s : settings.all()) {
            out.append(line(s)).append('\n');
          }
          reply(exchange, 200, out.toString());
        } else if (method.equals("GET")) {
          reply(exchange, 200, HEADER + "\n" + line(settings.get(name)) + "\n");
        } else if (method.equals("PUT") && !name.isEmpty()) {
          byte[] body = readBody(exchange.getRequestBody());
          if (body == null) {
            reply(exchange, 413, "a value is at most " + MAX_BODY_BYTES + " bytes\n");
            return;
          }
          reply(exchange, 200, settings.set(name, new String(body, StandardCharsets.UTF_8)) + "\n");
        } else {
          exchange.getResponseHeaders().add("Allow", name.isEmpty() ? "GET" : "GET, PUT");
          reply(exchange, 405, method + " is not served here: GET /settings, GET or PUT /settings/<name>\n");
        }
      } catch (UnknownSettingException e) {
        reply(exchange, 404, e.getMessage() + "\n");
      } catch (IllegalArgumentException e) {
        reply(exchange, 400, e.getMessage() + "\n");
      } catch (RuntimeException e) {
        log.warn("the admin request {} {} failed", method, path, e);
        reply(exchange, 500, "internal error: " + e + "\n");
      }
    }
  }

  /** The body, or null if it is longer than {@link #MAX_BODY_BYTES}. */
  private static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    return body.length > MAX_BODY_BYTES ? null : body;
  }

  private static void reply(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
