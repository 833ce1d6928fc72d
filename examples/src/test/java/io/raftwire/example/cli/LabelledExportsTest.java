package io.raftwire.example.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.raftwire.grpc.GrpcMetrics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A counter below zero (a Dropwizard counter may go there) does not break the scrape: found by the
 * fault suite, where one such counter made a store's whole {@code /metrics} fail.
 */
class LabelledExportsTest {
  @Test
  void aNegativeCounterIsLeftOutAndCountedAndTheRestIsServed() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("raftwire.s1.sender.fanout.bytes_saved").inc(-40);
    registry.counter("raftwire.s1.sender.fanout.batches").inc(3);
    MetricSnapshots snapshots = new LabelledExports(registry, GrpcMetrics.all()).collect();

    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(text, snapshots); // what /metrics serves; it would throw on a negative counter
    String scrape = text.toString(StandardCharsets.UTF_8);
    assertTrue(scrape.contains("raftwire_sender_fanout_batches_total{store=\"s1\"} 3"), scrape);
    assertFalse(scrape.contains("raftwire_sender_fanout_bytes_saved"), scrape);
    MetricSnapshot negative = snapshots.stream()
        .filter(s -> s.getMetadata().getName().equals(LabelledExports.NEGATIVE_COUNTERS)).findFirst().orElseThrow();
    assertEquals(1.0, ((GaugeSnapshot) negative).getDataPoints().get(0).getValue());
  }
}
