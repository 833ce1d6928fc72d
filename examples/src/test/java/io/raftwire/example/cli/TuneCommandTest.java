package io.raftwire.example.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code raftwire-kv tune} over HTTP: scrapes a window, prints the proposal, its reason and the admin command. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TuneCommandTest {
  private static final long MiB = 1024 * 1024;

  @Test
  void printsAProposalWithItsReasonAndTheAdminCommandThatAppliesIt() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    HttpServer metrics = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    metrics.createContext("/metrics", exchange -> {
      int n = scrapes.getAndIncrement();
      byte[] body = String.join("\n",
          "raftwire_sender_refused_total{reason=\"LANE_BUDGET\",store=\"s1\"} " + (10 + 500 * n),
          "raftwire_sender_charged_bytes{dest=\"s2\",lane=\"append\",store=\"s1\"} " + 63 * MiB,
          "raftwire_sender_limit_bytes{dest=\"s2\",lane=\"append\",store=\"s1\"} " + 64 * MiB,
          "raftwire_sender_global_limit_bytes{store=\"s1\"} " + 256 * MiB, "").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    metrics.start();
    try {
      TuneCommand command = new TuneCommand();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
      int code = new CommandLine(command).execute("--metrics", "http://127.0.0.1:" + metrics.getAddress().getPort() + "/metrics",
          "--seconds", "1", "--interval-millis", "200", "--admin-port", "9101", "--tls-dir", "certs");
      String printed = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, code, printed);
      assertTrue(scrapes.get() >= 2, "a window of scrapes");
      assertTrue(printed.contains("sender.append_lane_bytes: 67108864 -> 134217728"), printed);
      assertTrue(printed.contains("sends refused LANE_BUDGET"), printed);
      assertTrue(printed.contains("raftwire-kv admin --port 9101 --tls-dir certs set sender.append_lane_bytes 134217728"),
          "the printed command presents the admin certificate: " + printed);
    } finally {
      metrics.stop(0);
    }

    TuneCommand unreachable = new TuneCommand();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    unreachable.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, new CommandLine(unreachable).execute("--metrics", "http://127.0.0.1:" + metrics.getAddress().getPort()
        + "/metrics", "--seconds", "1"), "nothing listens any more");
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot read"));
  }
}
