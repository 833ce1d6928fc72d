package io.raftwire.testkit.api;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SPI's public API is the one recorded in {@code api/raftwire-transport-api.api}. */
class PublicApiTest {

  static final Path CLASSES = Path.of("target/classes");

  @Test
  void theSpiIsTheRecordedOne() {
    PublicApi.check(CLASSES, Path.of("api/raftwire-transport-api.api"), p -> true);
  }

  @Test
  void aMemberMissingFromTheRecordFailsTheCheckAndNamesItsType(@TempDir Path dir) throws IOException {
    List<String> lines = new ArrayList<>(PublicApi.describe(CLASSES, p -> true));
    int send = indexOf(lines, "send(io.raftwire.message.RaftEnvelope)");
    String removed = lines.remove(send);
    Path file = dir.resolve("api.txt");
    Files.write(file, lines, StandardCharsets.UTF_8);

    AssertionError failure = assertThrows(AssertionError.class, () -> PublicApi.check(CLASSES, file, p -> true, false));

    assertTrue(failure.getMessage().contains("+ public abstract interface io.raftwire.transport.RaftTransport"),
        failure.getMessage());
    assertTrue(failure.getMessage().contains(removed.strip()), failure.getMessage());
  }

  @Test
  void internalPackagesAreNotApi() {
    List<String> lines = PublicApi.describe(CLASSES, p -> !p.startsWith("io.raftwire.transport"));
    assertTrue(lines.stream().noneMatch(l -> l.contains("io.raftwire.transport.RaftTransport ")), "filtered out");
    assertTrue(lines.stream().anyMatch(l -> l.contains("io.raftwire.topology.StoreId")), "others kept");
  }

  private static int indexOf(List<String> lines, String fragment) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        return i;
      }
    }
    throw new AssertionError("no line with " + fragment);
  }
}
