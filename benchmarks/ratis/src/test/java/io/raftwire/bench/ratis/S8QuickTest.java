package io.raftwire.bench.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify} runs S8 in quick mode once, both columns in fresh JVMs, so the benchmark cannot
 * rot. It asserts no speed: only that both columns produced figures in every table and that the
 * report and its plots were written.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class S8QuickTest {
  @TempDir Path out;

  @Test
  void theQuickModeRunsBothColumnsAndWritesTheReport() throws Exception {
    int exit = S8.run("--quick", "--out", out.toString(), "--root", "../..");
    String name = LocalDate.now(ZoneOffset.UTC) + "-S8-quick";
    String text = Files.readString(out.resolve(name + ".md"));
    assertEquals(0, exit, "every run produced figures:\n" + text);
    String[] tables = text.split("\n## ", -1);
    assertEquals(5, tables.length, text);
    for (int t = 1; t < tables.length; t++) {
      assertTrue(tables[t].matches("(?s).*\\n\\| raftwire \\| \\d.*"), "raftwire has figures in\n" + tables[t]);
      assertTrue(tables[t].matches("(?s).*\\n\\| ratis-grpc \\| \\d.*"), "ratis-grpc has figures in\n" + tables[t]);
    }
    for (String table : new String[] {"heartbeat starvation", "slow follower memory", "throughput, 1 KiB", "throughput, 16 KiB"}) {
      assertTrue(text.contains("## " + table), table + " in\n" + text);
    }
    assertTrue(Files.size(out.resolve(name + "-heartbeat-gap.png")) > 1000);
    assertTrue(Files.size(out.resolve(name + "-heap.png")) > 1000);
  }
}
