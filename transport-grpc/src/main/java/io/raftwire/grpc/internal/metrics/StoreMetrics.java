package io.raftwire.grpc.internal.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.MetricName;
import io.raftwire.topology.StoreId;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * One store's metrics in the user's registry, created only through the names of {@link
 * GrpcMetrics}. Registering a gauge that exists already replaces it (a destination or stream
 * re-created after a restart of the transport reports the live object). Thread-safe.
 */
public final class StoreMetrics {
  private final MetricRegistry registry;
  private final StoreId store;

  public StoreMetrics(MetricRegistry registry, StoreId store) {
    this.registry = registry;
    this.store = store;
  }

  /** Removes every metric of this store (a fresh start on a shared registry). */
  public void removeAll() {
    String prefix = MetricName.prefix(store) + ".";
    registry.removeMatching((name, metric) -> name.startsWith(prefix));
  }

  public Counter counter(MetricName name, Object... parts) {
    return registry.counter(name.of(store, parts));
  }

  public Timer timer(MetricName name, Object... parts) {
    return registry.timer(name.of(store, parts));
  }

  public Histogram histogram(MetricName name, Object... parts) {
    return registry.histogram(name.of(store, parts));
  }

  /** Registers {@code gauge} under {@code name}, replacing one registered there before. */
  public <T> void gauge(MetricName name, Gauge<T> gauge, Object... parts) {
    String full = name.of(store, parts);
    registry.remove(full);
    registry.register(full, gauge);
  }

  /** Removes the metric {@code name} names with {@code parts}, if it is registered. */
  public void remove(MetricName name, Object... parts) {
    registry.remove(name.of(store, parts));
  }

  /** One counter per constant of {@code type}, named by the constant (e.g. {@code TOO_LARGE}). */
  public <E extends Enum<E>> Map<E, Counter> counters(MetricName name, Class<E> type) {
    Map<E, Counter> counters = new EnumMap<>(type);
    for (E e : type.getEnumConstants()) {
      counters.put(e, counter(name, e.name()));
    }
    return counters;
  }

  /** The lower-case name of a constant, as lanes, streams and priorities appear in names. */
  public static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  public StoreId store() {
    return store;
  }
}
