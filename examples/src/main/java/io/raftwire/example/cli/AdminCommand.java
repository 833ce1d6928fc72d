package io.raftwire.example.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftwire-kv admin}: shows or changes a running store's live settings through its admin
 * endpoint ({@code raftwire-kv node --admin-port}). Exit code 0 on success, 1 if the store refused
 * (unknown setting, bad value), 2 if it could not be reached.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Show or change a running store's settings: admin [--port P] get [NAME] | set NAME VALUE.")
final class AdminCommand implements Callable<Integer> {
  @Option(names = "--port", required = true, description = "The store's admin port (raftwire-kv node --admin-port).")
  int port;

  @Parameters(arity = "1..3", paramLabel = "ACTION",
      description = "get (every setting), get NAME, or set NAME VALUE (units: bytes, messages, share 0-1, true/false; "
          + "KiB/MiB/GiB suffixes allowed).")
  List<String> action;

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() {
    HttpRequest request;
    String base = "http://127.0.0.1:" + port + "/settings";
    String verb = action.get(0);
    if (verb.equals("get") && action.size() <= 2) {
      request = HttpRequest.newBuilder(URI.create(action.size() == 1 ? base : base + "/" + encode(action.get(1))))
          .timeout(Duration.ofSeconds(10)).GET().build();
    } else if (verb.equals("set") && action.size() == 3) {
      request = HttpRequest.newBuilder(URI.create(base + "/" + encode(action.get(1)))).timeout(Duration.ofSeconds(10))
          .PUT(HttpRequest.BodyPublishers.ofString(action.get(2), StandardCharsets.UTF_8)).build();
    } else {
      err.println("usage: admin --port P get [NAME] | admin --port P set NAME VALUE");
      return 2;
    }
    try {
      HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() == 200) {
        out.print(verb.equals("get") ? table(response.body()) : response.body());
        return 0;
      }
      err.print(response.body());
      return 1;
    } catch (IOException e) {
      err.println("cannot reach the admin endpoint on 127.0.0.1:" + port + ": " + e);
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
