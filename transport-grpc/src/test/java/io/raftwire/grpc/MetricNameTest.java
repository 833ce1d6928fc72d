package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The rule that maps the registry's dotted names to names without ids and labels, checked on the
 * whole catalogue: every family has a name of its own, every registry name belongs to exactly one
 * template, and every limit gauge can be set beside its usage gauge.
 */
class MetricNameTest {
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]+");
  private static final Pattern EXPORT_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern ENUM_CONSTANT = Pattern.compile("[A-Z][A-Z0-9_]*");

  /** The values each placeholder takes in the code: what a name segment in its place can be. */
  private static final Map<String, Predicate<String>> DOMAINS = new HashMap<>();

  static {
    DOMAINS.put("destination", Pattern.compile("s[0-9]+").asMatchPredicate());
    DOMAINS.put("range", Pattern.compile("r[0-9]+").asMatchPredicate());
    DOMAINS.put("lane", lowerCase(TrafficClass.values())::contains);
    DOMAINS.put("stream", Set.of("control", "data")::contains);
    DOMAINS.put("priority", lowerCase(Priority.values())::contains);
    for (String kind : List.of("reason", "failure", "problem", "error", "fallback")) {
      DOMAINS.put(kind, ENUM_CONSTANT.asMatchPredicate());
    }
    for (String zone : List.of("zone", "from", "to")) {
      DOMAINS.put(zone, s -> true); // zones are the operator's words
    }
  }

  private static Set<String> lowerCase(Enum<?>[] values) {
    Set<String> names = new HashSet<>();
    for (Enum<?> e : values) {
      names.add(e.name().toLowerCase(Locale.ROOT));
    }
    return names;
  }

  private static List<String> segments(MetricName name) {
    return Arrays.asList(name.template().split("\\.", -1));
  }

  private static boolean isPlaceholder(String segment) {
    return segment.startsWith("<");
  }

  private static Predicate<String> domain(String placeholder) {
    Predicate<String> domain = DOMAINS.get(placeholder.substring(1, placeholder.length() - 1));
    if (domain == null) {
      fail("placeholder " + placeholder + " has no domain in this test: say which values it takes");
    }
    return domain;
  }

  @Test
  void theExampleOfTheDocumentationHolds() {
    MetricName name = GrpcMetrics.SENDER_QUEUED_BYTES;
    assertEquals("raftwire.s1.sender.s2.append.queued_bytes", name.of(StoreId.of(1), StoreId.of(2), "append"));
    assertEquals("raftwire.*.sender.*.*.queued_bytes", name.pattern());
    assertEquals("raftwire_sender_queued_bytes", name.exportName());
    assertEquals(List.of("store", "dest", "lane"), name.labelNames());
    assertEquals("raftwire_sender_queue_wait_seconds", GrpcMetrics.SENDER_QUEUE_WAIT.exportName());
    assertEquals(List.of("store", "range"), GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES.labelNames());
    assertEquals("raftwire.s1.receiver.range.r7.queued_bytes.append",
        GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES.of(StoreId.of(1), RangeId.of(7)));
  }

  @Test
  void everyFamilyHasANameOfItsOwnEvenWithTheExportersSuffixes() {
    Map<String, MetricName> taken = new HashMap<>();
    for (MetricName name : GrpcMetrics.all()) {
      assertTrue(EXPORT_NAME.matcher(name.exportName()).matches(), name.exportName());
      for (String suffix : List.of("", "_total", "_created", "_count", "_sum")) {
        MetricName before = taken.put(name.exportName() + suffix, name);
        assertTrue(before == null || before == name,
            name + " and " + before + " both export as " + name.exportName() + suffix);
      }
    }
  }

  @Test
  void everyLabelIsAValidNameAndAppearsOncePerFamily() {
    for (MetricName name : GrpcMetrics.all()) {
      assertEquals(name.placeholders() + 1, new HashSet<>(name.labelNames()).size(), "labels repeat in " + name);
      for (String label : name.labelNames()) {
        assertTrue(LABEL.matcher(label).matches(), label + " of " + name);
      }
      assertEquals("store", name.labelNames().get(0));
    }
  }

  /**
   * Two templates can claim one registry name only if at every segment they agree: the same word,
   * or a word the other's placeholder can take, or placeholders on both. Where two can, one must be
   * the more specific (a word wherever the other has one) and be tried first.
   */
  @Test
  void everyRegistryNameBelongsToExactlyOneTemplateTheMostSpecific() {
    List<MetricName> order = MetricName.mostSpecificFirst(GrpcMetrics.all());
    assertEquals(new HashSet<>(GrpcMetrics.all()), new HashSet<>(order));
    for (int i = 0; i < order.size(); i++) {
      for (int j = i + 1; j < order.size(); j++) {
        MetricName first = order.get(i);
        MetricName second = order.get(j);
        if (canClaimOneName(first, second)) {
          assertTrue(moreSpecific(first, second),
              first + " and " + second + " can both match one registry name and neither is the more specific one"
                  + " (or the less specific one is tried first)");
        }
      }
    }
  }

  private static boolean canClaimOneName(MetricName a, MetricName b) {
    List<String> x = segments(a);
    List<String> y = segments(b);
    if (x.size() != y.size()) {
      return false;
    }
    for (int k = 0; k < x.size(); k++) {
      String s = x.get(k);
      String t = y.get(k);
      boolean agree;
      if (isPlaceholder(s) && isPlaceholder(t)) {
        agree = true;
      } else if (isPlaceholder(s)) {
        agree = domain(s).test(t);
      } else if (isPlaceholder(t)) {
        agree = domain(t).test(s);
      } else {
        agree = s.equals(t);
      }
      if (!agree) {
        return false;
      }
    }
    return true;
  }

  /** {@code a} has a word wherever {@code b} has one, and a word somewhere {@code b} has a placeholder. */
  private static boolean moreSpecific(MetricName a, MetricName b) {
    List<String> x = segments(a);
    List<String> y = segments(b);
    boolean stricter = false;
    for (int k = 0; k < x.size(); k++) {
      if (isPlaceholder(x.get(k)) && !isPlaceholder(y.get(k))) {
        return false;
      }
      stricter |= !isPlaceholder(x.get(k)) && isPlaceholder(y.get(k));
    }
    return stricter;
  }

  @Test
  void everyLimitIsAGaugeBesideAUsageGaugeOfTheCatalogueWithItsLabelsOrFewer() {
    List<MetricName> limits = new ArrayList<>();
    for (MetricName name : GrpcMetrics.all()) {
      name.limitOf().ifPresent(usage -> {
        limits.add(name);
        assertEquals(MetricName.Kind.GAUGE, name.kind(), name.toString());
        assertEquals(MetricName.Kind.GAUGE, usage.kind(), usage.toString());
        assertTrue(GrpcMetrics.all().contains(usage), usage + " is not in the catalogue");
        assertTrue(name.template().contains("limit"), name + " does not say limit");
        assertFalse(usage.limitOf().isPresent(), usage + " is a limit itself");
        assertTrue(usage.labelNames().containsAll(name.labelNames()), name + " has a label " + usage + " has not");
        assertTrue(name.help().startsWith("limit of `" + usage.template() + "`: "), name.help());
      });
    }
    assertTrue(limits.size() >= 21, "limits: " + limits);
  }
}
