package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The README's metric table lists exactly the metrics of {@link GrpcMetrics}, as they are named there. */
class MetricsReadmeTest {
  static final String BEGIN = "<!-- metric table: generated from GrpcMetrics, checked by MetricsReadmeTest -->";
  static final String END = "<!-- end of metric table -->";

  /** The table as the README must show it. */
  static String table() {
    StringBuilder t = new StringBuilder();
    t.append("| metric, under `raftwire.<store>.` | Prometheus family and labels | type | what it says |\n");
    t.append("|---|---|---|---|\n");
    for (MetricName name : GrpcMetrics.all()) {
      t.append("| `").append(name.template()).append("` | `").append(name.exportName()).append('{')
          .append(String.join(",", name.labelNames())).append("}` | ").append(name.kind().name().toLowerCase(Locale.ROOT))
          .append(" | ").append(name.help()).append(" |\n");
    }
    return t.toString();
  }

  @Test
  void theReadmeTableIsTheCodesList() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    assertTrue(begin >= 0 && end > begin, "README.md has no metric table between " + BEGIN + " and " + END);
    String shown = readme.substring(begin + BEGIN.length(), end).strip() + "\n";
    assertEquals(table(), shown, "the README's metric table differs from GrpcMetrics; the table it should show is the expected value");
  }

  @Test
  void everyNameIsUniqueAndEveryTemplateIsWellFormed() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (MetricName name : GrpcMetrics.all()) {
      assertTrue(seen.add(name.template()), "listed twice: " + name);
      assertTrue(!name.help().isBlank(), "no help text: " + name);
    }
  }
}
