package io.raftwire.example.cli;

import io.raftwire.example.tune.Scrape;
import io.raftwire.example.tune.Tuner;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftwire-kv tune}: scrapes a store's {@code /metrics} over a window and prints the {@link
 * Tuner}'s proposals, each with its reason, as {@code raftwire-kv admin set} commands to apply.
 * Exit code 0 (whether or not it proposes anything), 2 if the metrics cannot be read.
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
    description = "Read a store's metrics for a while and propose budgets, with the reason for each.")
final class TuneCommand implements Callable<Integer> {
  @Option(names = "--metrics", required = true, description = "The store's metrics URL, e.g. http://127.0.0.1:9001/metrics.")
  URI metrics;

  @Option(names = "--seconds", defaultValue = "30", description = "How long to watch (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--interval-millis", defaultValue = "1000",
      description = "Time between scrapes; peaks are read at each (default ${DEFAULT-VALUE}).")
  long intervalMillis;

  @Option(names = "--admin-port", description = "The store's admin port, to print ready-to-run admin commands.")
  Integer adminPort;

  @Option(names = "--tls-dir", paramLabel = "DIR",
      description = "The store runs over mutual TLS with the files in DIR: the admin commands printed present its admin certificate.")
  String tlsDir;

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() throws InterruptedException {
    if (seconds <= 0 || intervalMillis <= 0) {
      err.println("--seconds and --interval-millis must be > 0");
      return 2;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Scrape> scrapes = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          err.println(metrics + " answered " + response.statusCode());
          return 2;
        }
        scrapes.add(Scrape.parse(response.body(), System.nanoTime()));
      } catch (IOException | IllegalArgumentException e) {
        err.println("cannot read " + metrics + ": " + e.getMessage());
        return 2;
      }
      long now = System.nanoTime();
      if (now >= end) {
        break;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(end - now, TimeUnit.MILLISECONDS.toNanos(intervalMillis)));
    }
    print(Tuner.tune(scrapes));
    return 0;
  }

  private void print(Tuner.Result result) {
    out.printf("raftwire-kv tune: %d s of %s%n", TimeUnit.NANOSECONDS.toSeconds(result.windowNanos()), metrics);
    if (result.proposals().isEmpty()) {
      out.println("no change proposed");
    }
    for (Tuner.Proposal p : result.proposals()) {
      out.printf("%s: %d -> %d%n  why: %s%n", p.setting(), p.current(), p.proposed(), p.reason());
    }
    for (Tuner.Advice a : result.advice()) {
      out.printf("advice, %s:%n  %s%n", a.subject(), a.text());
    }
    if (!result.healthy().isEmpty()) {
      out.println("left as they are:");
      result.healthy().forEach(h -> out.println("  " + h));
    }
    if (!result.proposals().isEmpty()) {
      out.println("apply with:");
      for (Tuner.Proposal p : result.proposals()) {
        out.printf("  raftwire-kv admin --port %s%s set %s %d%n", adminPort == null ? "<admin-port>" : adminPort,
            tlsDir == null ? "" : " --tls-dir " + tlsDir, p.setting(), p.proposed());
      }
    }
  }
}
