package io.raftwire.example.cluster;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;

/**
 * The cluster's registry: every timer created through {@link #timer(String)} (which is how the
 * transport makes its timers, also after it removed its store's metrics at start) keeps exactly
 * the values of the current phase ({@link IntervalReservoir}), so a report can read each phase's
 * percentiles alone. Thread-safe. Bounded: one reservoir per timer name
 * ever made (stores times destinations, a few dozen here).
 */
final class PhaseRegistry extends MetricRegistry {
  /** The reservoir of the timer last made under each name. */
  private final Map<String, IntervalReservoir> reservoirs = new ConcurrentHashMap<>();

  @Override
  public Timer timer(String name) {
    return timer(name, () -> {
      IntervalReservoir reservoir = new IntervalReservoir();
      reservoirs.put(name, reservoir);
      return new Timer(reservoir);
    });
  }

  /**
   * Ends the phase of every registered timer made here: their values since the last call, by
   * timer name; the timers start the next phase empty.
   */
  Map<String, Histogram> endPhase() {
    Map<String, Histogram> ended = new TreeMap<>();
    for (String name : getTimers().keySet()) {
      IntervalReservoir r = reservoirs.get(name);
      if (r != null) {
        ended.put(name, r.endPhase());
      }
    }
    return ended;
  }
}
