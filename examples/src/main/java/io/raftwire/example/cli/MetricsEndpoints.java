package io.raftwire.example.cli;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftwire.grpc.GrpcMetrics;
import java.io.IOException;

/**
 * A node's metrics as a Prometheus endpoint ({@code /metrics}: text, OpenMetrics or protobuf, as
 * the scraper asks) and as JMX MBeans. The Prometheus names carry no ids: {@link LabelledExports}
 * turns the store, destination, lane, priority, range and reason segments of the registry's
 * names into labels.
 */
final class MetricsEndpoints implements AutoCloseable {
  private final HTTPServer http; // null: no HTTP endpoint
  private final JmxReporter jmx;

  /** Serves {@code registry}; {@code port} 0 means no HTTP endpoint. */
  MetricsEndpoints(MetricRegistry registry, String host, int port) throws IOException {
    this(registry, host, port, port > 0);
  }

  private MetricsEndpoints(MetricRegistry registry, String host, int port, boolean serve) throws IOException {
    PrometheusRegistry prometheus = new PrometheusRegistry();
    prometheus.register(new LabelledExports(registry, GrpcMetrics.all()));
    this.http = serve ? HTTPServer.builder().hostname(host).port(port).registry(prometheus).buildAndStart() : null;
    this.jmx = JmxReporter.forRegistry(registry).inDomain("raftwire").build();
    jmx.start();
  }

  /** Serves {@code registry} on a free port of {@code host} (see {@link #port()}). */
  static MetricsEndpoints onFreePort(MetricRegistry registry, String host) throws IOException {
    return new MetricsEndpoints(registry, host, 0, true);
  }

  /** {@return the port {@code /metrics} is served on, or 0 if none} */
  int port() {
    return http == null ? 0 : http.getPort();
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    jmx.stop();
  }
}
