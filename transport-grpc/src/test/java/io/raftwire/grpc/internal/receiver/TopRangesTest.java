package io.raftwire.grpc.internal.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Per-range queue gauges exist for the ranges with the most bytes queued, and for no more. */
class TopRangesTest {
  private static final StoreId STORE = StoreId.of(1);
  private final MetricRegistry registry = new MetricRegistry();
  private final StoreMetrics metrics = new StoreMetrics(registry, STORE);
  private final ByteBudget control = ByteBudget.root("control", () -> Long.MAX_VALUE);
  private final ByteBudget bulk = ByteBudget.root("bulk", () -> Long.MAX_VALUE);
  private final Map<RangeId, RangeInbox> inboxes = new ConcurrentHashMap<>();
  private final Map<RangeId, ByteBudget> bulkOf = new ConcurrentHashMap<>();
  private final Map<RangeId, ByteBudget> controlOf = new ConcurrentHashMap<>();

  private void range(long id) {
    RangeId range = RangeId.of(id);
    ByteBudget c = control.child(range + ".control", () -> Long.MAX_VALUE);
    ByteBudget b = bulk.child(range + ".append", () -> Long.MAX_VALUE);
    controlOf.put(range, c);
    bulkOf.put(range, b);
    inboxes.put(range, new RangeInbox(range, (r, batch) -> {}, c, b, ByteBudget.root("elastic", () -> Long.MAX_VALUE),
        ByteBudget.root("elastic.control", () -> Long.MAX_VALUE)));
  }

  private Set<String> perRangeGauges() {
    Set<String> names = new TreeSet<>();
    for (String name : registry.getGauges().keySet()) {
      if (name.startsWith("raftwire.s1.receiver.range.")) {
        names.add(name);
      }
    }
    return names;
  }

  private long read(RangeId range) {
    Gauge<?> gauge = registry.getGauges().get(GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES.of(STORE, range));
    return ((Number) gauge.getValue()).longValue();
  }

  @Test
  void tenThousandRangesMakeGaugesForTheThreeWithTheMostQueuedOnly() {
    for (long id = 1; id <= 10_000; id++) {
      range(id);
    }
    assertNull(bulkOf.get(RangeId.of(500)).tryAcquire(5_000));
    assertNull(bulkOf.get(RangeId.of(9_000)).tryAcquire(7_000));
    assertNull(controlOf.get(RangeId.of(42)).tryAcquire(1_000));
    assertNull(bulkOf.get(RangeId.of(43)).tryAcquire(999));
    TopRanges top = new TopRanges(3, inboxes.values(), metrics);

    top.refresh();

    assertEquals(Set.of(RangeId.of(500), RangeId.of(9_000), RangeId.of(42)), new HashSet<>(top.shown()));
    assertEquals(6, perRangeGauges().size(), "two gauges per shown range: " + perRangeGauges());
    assertEquals(7_000, read(RangeId.of(9_000)));

    // the gauges read live; the set changes on the next refresh only
    bulkOf.get(RangeId.of(9_000)).release(7_000);
    assertEquals(0, read(RangeId.of(9_000)));
    top.refresh();
    assertEquals(Set.of(RangeId.of(500), RangeId.of(42), RangeId.of(43)), new HashSet<>(top.shown()));
    assertEquals(6, perRangeGauges().size());
    assertNull(registry.getGauges().get(GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES.of(STORE, RangeId.of(9_000))),
        "a range that fell out loses its gauges");

    top.clear();
    assertEquals(Set.of(), perRangeGauges());
  }

  @Test
  void idleRangesFillTheRowsLowestIdsFirstAndZeroShowsNone() {
    for (long id = 1; id <= 20; id++) {
      range(id);
    }
    TopRanges top = new TopRanges(4, inboxes.values(), metrics);
    top.refresh();
    List<RangeId> shown = new ArrayList<>(top.shown());
    shown.sort(null);
    assertEquals(List.of(RangeId.of(1), RangeId.of(2), RangeId.of(3), RangeId.of(4)), shown);

    new TopRanges(0, inboxes.values(), new StoreMetrics(registry, StoreId.of(2))).refresh();
    for (String name : registry.getGauges().keySet()) {
      assertEquals(false, name.startsWith("raftwire.s2."), name);
    }
  }
}
