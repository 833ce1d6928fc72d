package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every test that the design record names exists, so its "what happens if" cases cannot drift. */
class DesignRecordTest {
  private static final Pattern CITED = Pattern.compile("`(\\w+(?:Test|Conformance))\\.(\\w+|\\*)`");

  @Test
  void everyCitedTestExists() throws IOException {
    Path root = Path.of("..");
    String record = Files.readString(root.resolve("docs").resolve("design.md"));
    Map<String, String> sources = testSources(root);
    List<String> missing = new ArrayList<>();
    Matcher m = CITED.matcher(record);
    int cited = 0;
    while (m.find()) {
      cited++;
      String source = sources.get(m.group(1));
      if (source == null) {
        missing.add(m.group(1) + " (no such test class)");
      } else if (!m.group(2).equals("*") && !source.contains("void " + m.group(2) + "(")) {
        missing.add(m.group(0) + " (no such test method)");
      }
    }
    assertTrue(cited > 20, "the record cites its tests");
    assertTrue(missing.isEmpty(), "docs/design.md cites tests that do not exist: " + missing);
  }

  private static Map<String, String> testSources(Path root) throws IOException {
    Map<String, String> sources = new HashMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(p -> p.toString().replace('\\', '/').contains("/src/test/java/") && p.toString().endsWith(".java"))
          .filter(p -> !p.toString().contains("/target/"))
          .forEach(p -> {
            try {
              sources.put(p.getFileName().toString().replace(".java", ""), Files.readString(p));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    return sources;
  }
}
