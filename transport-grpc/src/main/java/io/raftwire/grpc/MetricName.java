package io.raftwire.grpc;

import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The name of one metric (or one family of metrics) a {@link GrpcTransport} registers, as a
 * template relative to {@code raftwire.<store>.}: for example {@code
 * sender.<destination>.<lane>.queued_bytes}. Placeholders in angle brackets stand for one name
 * segment each; {@link #of} fills them in. Immutable; the instances are the constants of {@link
 * GrpcMetrics}.
 *
 * <p><b>Names with labels.</b> The registry names keep the ids in them: a Dropwizard registry has
 * no tags, and one registry may hold the metrics of several stores (the example's in-process
 * cluster does). An export with labels (Prometheus) reads each name back through its template:
 * {@link #pattern()} matches the registry names of the family, {@link #exportName()} is the
 * family's name without any id ({@code raftwire_} and the template's literal segments joined by
 * {@code _}; a timer's ends in {@code _seconds}), and {@link #labelNames()} are its labels: {@code
 * store}, then one per placeholder in template order, named as the placeholder ({@code
 * <destination>} is shortened to {@code dest}). So {@code raftwire.s1.sender.s2.append.queued_bytes}
 * is {@code raftwire_sender_queued_bytes{store="s1",dest="s2",lane="append"}}. A registry name
 * that more than one pattern matches belongs to the template with the fewest placeholders (the
 * most specific one).
 *
 * <p><b>Limits.</b> A gauge that reports the limit a usage gauge is held within names that usage
 * gauge in {@link #limitOf()}; it has the usage gauge's placeholders, or fewer where the limit is
 * the same for all of them (a per-range bound has no {@code <range>}), so its labels are the usage
 * gauge's or a part of them.
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
  private final @Nullable MetricName limitOf;

  MetricName(String template, Kind kind, String help) {
    this(template, kind, help, null);
  }

  MetricName(String template, Kind kind, String help, @Nullable MetricName limitOf) {
    this.template = Objects.requireNonNull(template, "template");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.help = Objects.requireNonNull(help, "help");
    this.limitOf = limitOf;
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
    if (limitOf != null && !placeholderNames(limitOf.segments).containsAll(placeholderNames(segments))) {
      throw new IllegalArgumentException(template + " has a placeholder that " + limitOf.template + " has not");
    }
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

  /** {@return the number of placeholders in the template} */
  public int placeholders() {
    return placeholders;
  }

  /**
   * {@return the usage gauge this gauge is the limit of (the budget, window or cap it is held
   * within), or empty if this is not a limit}
   */
  public Optional<MetricName> limitOf() {
    return Optional.ofNullable(limitOf);
  }

  /**
   * {@return the glob that matches every registry name of this family, for every store: {@code
   * raftwire.*.} and the template with each placeholder replaced by {@code *} (a {@code *} stands
   * for one name segment)}
   */
  public String pattern() {
    StringBuilder glob = new StringBuilder("raftwire.*");
    for (String segment : segments) {
      glob.append('.').append(segment.startsWith("<") ? "*" : segment);
    }
    return glob.toString();
  }

  /**
   * {@return the family's name in an export with labels: {@code raftwire_} and the literal
   * segments joined by {@code _}, with {@code _seconds} after a timer's (an exporter adds its own
   * suffixes, such as a counter's {@code _total})}
   */
  public String exportName() {
    StringBuilder name = new StringBuilder("raftwire");
    for (String segment : segments) {
      if (!segment.startsWith("<")) {
        name.append('_').append(segment);
      }
    }
    if (kind == Kind.TIMER) {
      name.append("_seconds");
    }
    return name.toString();
  }

  /**
   * {@return the family's labels in an export with labels, in the order of the segments they come
   * from: {@code store}, then one per placeholder, named as the placeholder, except that {@code
   * <destination>} is {@code dest}}
   */
  public List<String> labelNames() {
    List<String> labels = new ArrayList<>();
    labels.add("store");
    for (String placeholder : placeholderNames(segments)) {
      labels.add(placeholder.equals("destination") ? "dest" : placeholder);
    }
    return List.copyOf(labels);
  }

  /**
   * {@return {@code names} in the order an export with labels tries their {@link #pattern}s: fewest
   * placeholders first, otherwise in the given order} A registry name that several patterns match so
   * belongs to the most specific template (for example {@code sender.s2.heartbeats.queued_bytes} to
   * {@code sender.<destination>.heartbeats.queued_bytes}, not to {@code
   * sender.<destination>.<lane>.queued_bytes}).
   *
   * @param names the catalogue, for example {@link GrpcMetrics#all()}
   */
  public static List<MetricName> mostSpecificFirst(Collection<MetricName> names) {
    List<MetricName> sorted = new ArrayList<>(names);
    sorted.sort(Comparator.comparingInt(MetricName::placeholders));
    return List.copyOf(sorted);
  }

  private static List<String> placeholderNames(List<String> segments) {
    List<String> names = new ArrayList<>();
    for (String segment : segments) {
      if (segment.startsWith("<")) {
        names.add(segment.substring(1, segment.length() - 1));
      }
    }
    return names;
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
