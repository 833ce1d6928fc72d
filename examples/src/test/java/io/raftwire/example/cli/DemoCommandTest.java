package io.raftwire.example.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The demo runs to completion (short phases) and prints both tables; the CLI parses its input. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DemoCommandTest {

  /** Runs the CLI with {@code args}; asserts it exits 0 and returns what it printed. */
  private static String runSuccessfully(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      exit = new CommandLine(new RaftwireKv()).execute(args);
    } finally {
      System.setOut(original);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, output);
    return output;
  }

  @Test
  void aShortDemoRunsToCompletionAndReports() {
    String output = runSuccessfully(
        "demo", "--ranges", "4", "--warmup-seconds", "1", "--unloaded-seconds", "2", "--overload-seconds", "3",
        "--recovery-seconds", "1", "--rate", "50", "--elastic-workers", "2");
    assertTrue(output.contains("each phase alone"), output);
    assertTrue(output.matches("(?s).*unloaded +elastic overload +recovery.*"), output);
    assertTrue(output.matches("(?s).*regular p99 / unloaded p99 +1\\.00 .*"), output);
    assertTrue(output.contains("heartbeat send-queue wait p99 ms"), output);
    assertTrue(output.contains("RocksDB L0 files (max)"), output);
    assertTrue(output.contains("bytes across zones (MB)"), output);
    assertTrue(output.contains("every regular write succeeded"), output);
  }

  @Test
  void theSnapshotScenarioShowsADelegatedSnapshotAndTheZoneBytes() {
    String output = runSuccessfully("demo", "--scenario", "snapshot", "--ranges", "2", "--snapshot-keys", "400");
    assertTrue(output.contains("snapshot bytes across zones (MB)"), output);
    assertTrue(output.matches("(?s).*a -> b +0\\.000.*"), output);
    assertTrue(output.contains("caught up by snapshot from its own zone"), output);
  }

  @Test
  void badArgumentsAreRefusedWithAMessage() {
    assertEquals(2, new CommandLine(new RaftwireKv()).execute("demo", "--scenario", "sideways"));
    assertEquals(2, new CommandLine(new RaftwireKv()).execute("demo", "--ranges", "many"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> Peers.parse("1=nowhere"));
    assertTrue(e.getMessage().contains("host:port"), e.getMessage());
    Peers peers = Peers.parse("1=127.0.0.1:7001@a, 2=127.0.0.1:7002@b");
    assertEquals(2, peers.addresses.size());
    assertEquals("zone=b", peers.localities.get(io.raftwire.topology.StoreId.of(2)).toString());
  }
}
