package io.raftwire.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's "Use raftwire in your project" shows what {@code examples/consumer/pom.xml} builds with:
 * the consumer check (the invoker, in verify) proves the consumer works, and this test proves the
 * README says the same thing, for Maven line by line and for Gradle artifact by artifact.
 */
class ConsumerSnippetTest {

  static final Path README = Path.of("../README.md");
  static final Path CONSUMER = Path.of("consumer/pom.xml");
  static final Path PARENT = Path.of("../pom.xml");
  static final Pattern COORDINATE = Pattern.compile(
      "<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>");

  @Test
  void theReadmesMavenSnippetIsTheConsumersPom() throws IOException {
    String consumer = read(CONSUMER).replace("@project.version@", version());
    String snippet = normalized(section(read(README), "```xml\n", "```"));
    String bom = normalized(between(consumer, "<!-- README bom begins -->", "<!-- README bom ends -->"));
    String deps = normalized(between(consumer, "<!-- README dependencies begin -->", "<!-- README dependencies end -->"));

    assertEquals(bom + "<dependencies>" + deps + "</dependencies>", snippet,
        "README's Maven snippet and examples/consumer/pom.xml differ: change both together");
  }

  @Test
  void theReadmesGradleSnippetNamesTheSameArtifacts() throws IOException {
    String readme = read(README);
    String gradle = section(readme, "```kotlin\n", "```");
    List<String> mavenArtifacts = new ArrayList<>();
    Matcher m = COORDINATE.matcher(section(readme, "```xml\n", "```"));
    while (m.find()) {
      if (!m.group(2).equals("checksum-maven-plugin")) {
        mavenArtifacts.add(m.group(1) + ":" + m.group(2));
      }
    }
    assertEquals(List.of("io.raftwire:raftwire-bom", "io.raftwire:raftwire-transport-grpc",
        "io.raftwire:raftwire-adapter-microraft", "io.microraft:microraft"), mavenArtifacts);
    assertTrue(gradle.contains("platform(\"io.raftwire:raftwire-bom:" + version() + "\")"), gradle);
    for (String artifact : mavenArtifacts.subList(1, mavenArtifacts.size())) {
      assertTrue(gradle.contains("\"" + artifact), "Gradle snippet lacks " + artifact + ":\n" + gradle);
    }
    assertTrue(gradle.contains("module = \"checksum-maven-plugin\""), "Gradle keeps MicroRaft's exclusion");
  }

  /** The project version, from the parent pom: the consumer imports the BOM at it. */
  private static String version() throws IOException {
    Matcher m = Pattern.compile("<artifactId>raftwire-parent</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(read(PARENT));
    assertTrue(m.find(), "parent version");
    return m.group(1);
  }

  /** The first fenced block of the README's "Use raftwire in your project" section. */
  private static String section(String readme, String open, String close) {
    String part = between(readme, "## Use raftwire in your project", "\n## ");
    return between(part, open, close);
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start);
    assertTrue(from >= 0, "no " + start.strip());
    from += start.length();
    int to = text.indexOf(end, from);
    assertTrue(to >= 0, "no " + end.strip() + " after " + start.strip());
    return text.substring(from, to);
  }

  /** XML without comments and whitespace, so indentation does not matter. */
  private static String normalized(String xml) {
    return xml.replaceAll("(?s)<!--.*?-->", "").replaceAll("\\s+", "");
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
