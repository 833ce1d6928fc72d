package io.raftwire.grpc;

import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The name of one metric (or one family of metrics) a {@link GrpcTransport} registers, as a
 * template relative to {@code raftwire.<store>.}: for example {@code
 * sender.<destination>.<lane>.queued_bytes}. Placeholders in angle brackets stand for one name
 * segment each; {@link #of} fills them in. Immutable; the instances are the constants of {@link
 * GrpcMetrics}.
 */
public final class MetricName {
  /** The Dropwizard type of the metric. */
  public enum Kind {
    /** A {@code Counter}: a running total. */
    COUNTER,
    /** A {@code Gauge}: a value read when reported. */
    GAUGE,
    /** A {@code Timer}: a latency distribution (nanoseconds) and a rate. */
    TIMER,
    /** A {@code Histogram}: a distribution of sizes or counts. */
    HISTOGRAM
  }

  private final String template;
  private final Kind kind;
  private final String help;
  private final List<String> segments;
  private final int placeholders;

  MetricName(String template, Kind kind, String help) {
    this.template = Objects.requireNonNull(template, "template");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.help = Objects.requireNonNull(help, "help");
    List<String> parts = new ArrayList<>();
    int holes = 0;
    for (String segment : template.split("\\.", -1)) {
      if (segment.isEmpty()) {
        throw new IllegalArgumentException("empty segment in " + template);
      }
      if (segment.startsWith("<") != segment.endsWith(">")) {
        throw new IllegalArgumentException("half a placeholder in " + template);
      }
      if (segment.startsWith("<")) {
        holes++;
      }
      parts.add(segment);
    }
    this.segments = List.copyOf(parts);
    this.placeholders = holes;
  }

  /** {@return the template relative to {@code raftwire.<store>.}, placeholders in angle brackets} */
  public String template() {
    return template;
  }

  /** {@return the metric's Dropwizard type} */
  public Kind kind() {
    return kind;
  }

  /** {@return what the metric says, in one sentence} */
  public String help() {
    return help;
  }

  /**
   * The registry name of this metric on {@code store}'s transport, with the placeholders filled
   * in order by {@code parts} (each rendered with {@link String#valueOf}).
   *
   * @param store the store whose transport registers the metric
   * @param parts one value per placeholder, in template order; none for a name without placeholders
   * @return the full registry name, starting with {@link #prefix prefix(store)}
   * @throws IllegalArgumentException if the number of parts does not match the placeholders
   */
  public String of(StoreId store, Object... parts) {
    if (parts.length != placeholders) {
      throw new IllegalArgumentException(
          template + " has " + placeholders + " placeholder(s), got " + parts.length + " part(s)");
    }
    StringBuilder name = new StringBuilder(prefix(store));
    int next = 0;
    for (String segment : segments) {
      name.append('.');
      name.append(segment.startsWith("<") ? String.valueOf(parts[next++]) : segment);
    }
    return name.toString();
  }

  /**
   * {@return {@code raftwire.<store>}, the prefix every metric of {@code store}'s transport starts
   * with (followed by a dot)}
   *
   * @param store the store whose transport registers the metrics
   */
  public static String prefix(StoreId store) {
    return "raftwire." + store;
  }

  @Override
  public String toString() {
    return template + " (" + kind + ")";
  }
}
