package io.raftwire.example.cli;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;

/** A node's metrics as a Prometheus text endpoint ({@code /metrics}) and as JMX MBeans. */
final class MetricsEndpoints implements AutoCloseable {
  private final HTTPServer http;
  private final JmxReporter jmx;

  /** Serves {@code registry}; {@code port} 0 means no HTTP endpoint. */
  MetricsEndpoints(MetricRegistry registry, String host, int port) throws IOException {
    PrometheusRegistry prometheus = new PrometheusRegistry();
    DropwizardExports.builder().dropwizardRegistry(registry).register(prometheus);
    this.http = port > 0 ? HTTPServer.builder().hostname(host).port(port).registry(prometheus).buildAndStart() : null;
    this.jmx = JmxReporter.forRegistry(registry).inDomain("raftwire").build();
    jmx.start();
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    jmx.stop();
  }
}
