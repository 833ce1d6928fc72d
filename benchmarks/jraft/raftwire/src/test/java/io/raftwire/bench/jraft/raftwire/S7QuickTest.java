package io.raftwire.bench.jraft.raftwire;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.bench.jraft.S7;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify} runs S7 in quick mode once, every column in fresh JVMs, so the benchmark cannot
 * rot. It asserts no speed: only that raftwire and Bolt produced figures, that the third column
 * was tried, and that the report and its plot were written.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class S7QuickTest {
  @TempDir Path out;

  @Test
  void theQuickModeRunsEveryColumnAndWritesTheReport() throws Exception {
    S7.run("--quick", "--out", out.toString(), "--root", "../../..");
    Path report = out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S7-quick.md");
    String text = Files.readString(report);
    for (String table : new String[] {"heartbeat starvation", "slow follower memory", "throughput, 1 KiB", "throughput, 16 KiB"}) {
      assertTrue(text.contains(table), table + " in\n" + text);
    }
    assertTrue(text.matches("(?s).*\\| raftwire \\| \\d.*"), "raftwire has figures:\n" + text);
    assertTrue(text.matches("(?s).*\\| bolt \\| \\d.*"), "bolt has figures:\n" + text);
    assertTrue(text.contains("| grpc-impl |"), text);
    assertTrue(Files.size(out.resolve(LocalDate.now(ZoneOffset.UTC) + "-S7-quick-heartbeat-gap.png")) > 1000);
  }
}
