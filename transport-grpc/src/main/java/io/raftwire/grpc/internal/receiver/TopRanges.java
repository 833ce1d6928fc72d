package io.raftwire.grpc.internal.receiver;

import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.topology.RangeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * The per-range queue gauges, for a bounded number of ranges: on each {@link #refresh()} the
 * {@code count} ranges with the most bytes queued (APPEND, SNAPSHOT and CONTROL together; ties go
 * to the lower range id) get {@link GrpcMetrics#RECEIVER_RANGE_QUEUED_APPEND_BYTES} and {@link
 * GrpcMetrics#RECEIVER_RANGE_QUEUED_CONTROL_BYTES}, and ranges that fell out of them lose theirs. The
 * gauges read their range's queues live; only which ranges have them waits for the next refresh. A
 * store with 100k ranges so has {@code count} per-range series, not 100k. Thread-safe.
 */
final class TopRanges {
  /** How often the ranges with gauges are chosen again. */
  static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The order of ranges to show: fewer bytes queued first, then the higher range id. */
  private static final Comparator<Ranked> WORST_FIRST =
      Comparator.comparingLong(Ranked::queuedBytes).thenComparing((Ranked r) -> r.inbox().range, Comparator.reverseOrder());

  private final int count;
  private final Collection<RangeInbox> inboxes;
  private final StoreMetrics metrics;

  // guarded by this: the ranges that have gauges now
  private final Map<RangeId, RangeInbox> shown = new HashMap<>();

  /**
   * @param count how many ranges have gauges; 0 for none
   * @param inboxes the registered ranges (a live view)
   */
  TopRanges(int count, Collection<RangeInbox> inboxes, StoreMetrics metrics) {
    this.count = count;
    this.inboxes = inboxes;
    this.metrics = metrics;
  }

  private record Ranked(RangeInbox inbox, long queuedBytes) {}

  /** Chooses the ranges that have gauges anew. */
  synchronized void refresh() {
    if (count == 0) {
      return;
    }
    PriorityQueue<Ranked> best = new PriorityQueue<>(count + 1, WORST_FIRST);
    for (RangeInbox inbox : inboxes) {
      Ranked ranked = new Ranked(inbox, inbox.queuedAppendBytes() + inbox.queuedControlBytes());
      if (best.size() < count) {
        best.add(ranked);
      } else if (WORST_FIRST.compare(ranked, best.peek()) > 0) {
        best.poll();
        best.add(ranked);
      }
    }
    Map<RangeId, RangeInbox> chosen = new HashMap<>();
    for (Ranked r : best) {
      chosen.put(r.inbox().range, r.inbox());
    }
    List<RangeId> gone = new ArrayList<>();
    for (Map.Entry<RangeId, RangeInbox> e : shown.entrySet()) {
      if (chosen.get(e.getKey()) != e.getValue()) {
        gone.add(e.getKey());
      }
    }
    for (RangeId range : gone) {
      remove(range);
    }
    for (Map.Entry<RangeId, RangeInbox> e : chosen.entrySet()) {
      if (!shown.containsKey(e.getKey())) {
        RangeInbox inbox = e.getValue();
        metrics.gauge(GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES, inbox::queuedAppendBytes, e.getKey());
        metrics.gauge(GrpcMetrics.RECEIVER_RANGE_QUEUED_CONTROL_BYTES, inbox::queuedControlBytes, e.getKey());
        shown.put(e.getKey(), inbox);
      }
    }
  }

  /** Removes every per-range gauge (the receiver is closing). */
  synchronized void clear() {
    for (RangeId range : new ArrayList<>(shown.keySet())) {
      remove(range);
    }
  }

  /** {@return the ranges that have gauges now} */
  synchronized List<RangeId> shown() {
    return new ArrayList<>(shown.keySet());
  }

  // guarded by this (called from the synchronized methods only)
  private void remove(RangeId range) {
    metrics.remove(GrpcMetrics.RECEIVER_RANGE_QUEUED_APPEND_BYTES, range);
    metrics.remove(GrpcMetrics.RECEIVER_RANGE_QUEUED_CONTROL_BYTES, range);
    shown.remove(range);
  }
}
