package io.raftwire.example.tune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a store's {@code /metrics} in the Prometheus text format: every sample with its
 * family name, labels and value, taken at {@code nanos} (the caller's clock). Immutable. Comment
 * lines are skipped; a line that is not a sample is a {@link IllegalArgumentException} naming it.
 */
public final class Scrape {
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\S+)?");
  private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

  /** One sample: a family name, its labels (sorted by name) and a value. */
  public record Sample(String name, Map<String, String> labels, double value) {
    /** Validates and copies. */
    public Sample {
      Objects.requireNonNull(name, "name");
      labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** The value of label {@code label}, or "" if the sample has none. */
    public String label(String label) {
      return labels.getOrDefault(label, "");
    }
  }

  private final long nanos;
  private final List<Sample> samples;

  private Scrape(long nanos, List<Sample> samples) {
    this.nanos = nanos;
    this.samples = List.copyOf(samples);
  }

  /**
   * Parses {@code text}, taken at {@code nanos}.
   *
   * @throws IllegalArgumentException for a line that is neither a comment nor a sample
   */
  public static Scrape parse(String text, long nanos) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(l);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a Prometheus sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher label = LABEL.matcher(m.group(2));
        int at = 0;
        while (at < m.group(2).length() && label.find(at) && label.start() == at) {
          labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
          at = label.end();
        }
        if (at != m.group(2).length()) {
          throw new IllegalArgumentException("labels that do not parse: " + line);
        }
      }
      samples.add(new Sample(m.group(1), labels, value(m.group(3), line)));
    }
    return new Scrape(nanos, samples);
  }

  private static double value(String text, String line) {
    switch (text) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not a sample value: " + line, e);
        }
    }
  }

  /** When it was taken, on the caller's clock. */
  public long nanos() {
    return nanos;
  }

  /** Every sample, in the order of the text. */
  public List<Sample> samples() {
    return samples;
  }

  /** The samples of family {@code name} whose labels {@code labels} accepts. */
  public List<Sample> of(String name, Predicate<Sample> labels) {
    return samples.stream().filter(s -> s.name().equals(name) && labels.test(s)).toList();
  }

  /** The sum of family {@code name}'s samples that {@code labels} accepts (0 if none). */
  public double sum(String name, Predicate<Sample> labels) {
    return of(name, labels).stream().mapToDouble(Sample::value).filter(Double::isFinite).sum();
  }

  /** The largest of family {@code name}'s samples that {@code labels} accepts, if any. */
  public java.util.OptionalDouble max(String name, Predicate<Sample> labels) {
    return of(name, labels).stream().mapToDouble(Sample::value).filter(Double::isFinite).max();
  }
}
