package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.topology.StoreId;

/** Reads a transport's metrics in tests, by the names of {@link GrpcMetrics}. */
public final class Readings {
  private Readings() {}

  /** The value of a gauge, or the count of a counter, timer or histogram, of {@code transport}. */
  public static long read(GrpcTransport transport, MetricName name, Object... parts) {
    return read(transport.metrics(), transport.localStore(), name, parts);
  }

  /** The value of a gauge, or the count of a counter, timer or histogram, of {@code store}. */
  public static long read(MetricRegistry registry, StoreId store, MetricName name, Object... parts) {
    String full = name.of(store, parts);
    Metric metric = registry.getMetrics().get(full);
    assertNotNull(metric, "no metric " + full);
    if (metric instanceof Gauge) {
      return ((Number) ((Gauge<?>) metric).getValue()).longValue();
    }
    return ((Counting) metric).getCount();
  }

  /** As {@link #read}, or 0 if {@code transport} never registered the metric. */
  public static long readOrZero(GrpcTransport transport, MetricName name, Object... parts) {
    return exists(transport, name, parts) ? read(transport, name, parts) : 0;
  }

  /** As {@link #read}, or 0 if {@code store} never registered the metric. */
  public static long readOrZero(MetricRegistry registry, StoreId store, MetricName name, Object... parts) {
    return registry.getMetrics().containsKey(name.of(store, parts)) ? read(registry, store, name, parts) : 0;
  }

  /** True if {@code transport} registered the metric. */
  public static boolean exists(GrpcTransport transport, MetricName name, Object... parts) {
    return transport.metrics().getMetrics().containsKey(name.of(transport.localStore(), parts));
  }
}
