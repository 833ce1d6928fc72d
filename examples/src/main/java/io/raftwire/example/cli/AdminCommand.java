package io.raftwire.example.cli;

import io.raftwire.example.security.AdminTls;
import io.raftwire.example.security.TlsDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftwire-kv admin}: shows or changes a running store's live settings through its admin
 * endpoint ({@code raftwire-kv node --admin-port}). With {@code --tls-dir}, as for a store running
 * over mutual TLS, it talks HTTPS and presents the admin certificate of that directory ({@code
 * admin.crt}, {@code admin.key}, written by {@code raftwire-kv certs}), and accepts the endpoint
 * only if its certificate leads to {@code ca.crt} and names a store of {@code --cluster-id}. Exit
 * code 0 on success, 1 if the store refused (unknown setting, bad value, not the admin
 * certificate), 2 if it could not be reached or the TLS handshake failed.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Show or change a running store's settings: admin --port P [--tls-dir DIR] get [NAME] | set NAME VALUE.")
final class AdminCommand implements Callable<Integer> {
  @Option(names = "--port", required = true, description = "The store's admin port (raftwire-kv node --admin-port).")
  int port;

  @Option(names = "--tls-dir", paramLabel = "DIR", description = "The store runs over mutual TLS with the files in DIR "
      + "(as its --tls-dir): talk HTTPS, presenting DIR's admin.crt and admin.key and trusting DIR's ca.crt.")
  Path tlsDir;

  @Option(names = "--cluster-id", defaultValue = "raftwire-kv",
      description = "With --tls-dir: the cluster whose store must answer (default ${DEFAULT-VALUE}).")
  String clusterId;

  @Parameters(arity = "1..3", paramLabel = "ACTION",
      description = "get (every setting), get NAME, or set NAME VALUE (units: bytes, messages, share 0-1, true/false; "
          + "KiB/MiB/GiB suffixes allowed).")
  List<String> action;

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() {
    HttpRequest request;
    String base = (tlsDir == null ? "http" : "https") + "://127.0.0.1:" + port + "/settings";
    String verb = action.get(0);
    if (verb.equals("get") && action.size() <= 2) {
      request = HttpRequest.newBuilder(URI.create(action.size() == 1 ? base : base + "/" + encode(action.get(1))))
          .timeout(Duration.ofSeconds(10)).GET().build();
    } else if (verb.equals("set") && action.size() == 3) {
      request = HttpRequest.newBuilder(URI.create(base + "/" + encode(action.get(1)))).timeout(Duration.ofSeconds(10))
          .PUT(HttpRequest.BodyPublishers.ofString(action.get(2), StandardCharsets.UTF_8)).build();
    } else {
      err.println("usage: admin --port P [--tls-dir DIR] get [NAME] | admin --port P [--tls-dir DIR] set NAME VALUE");
      return 2;
    }
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tlsDir != null) {
      try {
        client.sslContext(AdminTls.client(TlsDirectory.of(tlsDir).adminFiles(), clusterId).context());
      } catch (IOException | IllegalArgumentException e) {
        err.println("cannot use the admin certificate in " + tlsDir + ": " + e.getMessage());
        return 2;
      }
    }
    try {
      HttpResponse<String> response = client.build()
          .send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() == 200) {
        out.print(verb.equals("get") ? table(response.body()) : response.body());
        return 0;
      }
      err.print(response.body());
      return 1;
    } catch (SSLException e) {
      err.println("the TLS handshake with the admin endpoint on 127.0.0.1:" + port + " failed: " + e.getMessage()
          + (tlsDir == null ? " (a store over mutual TLS: give --tls-dir)" : ""));
      return 2;
    } catch (IOException e) {
      err.println("cannot reach the admin endpoint on 127.0.0.1:" + port + ": " + e
          + (tlsDir == null ? " (if the store runs over mutual TLS, give --tls-dir)" : ""));
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 2;
    }
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  /** The endpoint's tab-separated lines as aligned columns. */
  static String table(String tsv) {
    List<String[]> rows = tsv.lines().map(l -> l.split("\t", -1)).toList();
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < row.length - 1; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        out.append(i == row.length - 1 ? row[i] : String.format("%-" + (width[i] + 2) + "s", row[i]));
      }
      out.append('\n');
    }
    return out.toString();
  }
}
