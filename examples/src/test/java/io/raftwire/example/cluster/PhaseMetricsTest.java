package io.raftwire.example.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Timer;
import io.raftwire.message.Priority;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Each phase's figures cover that phase only: timers reset, counters and "since start" gauges become differences. */
class PhaseMetricsTest {
  private final PhaseRegistry registry = new PhaseRegistry();
  private final AtomicLong terms = new AtomicLong(8);
  private final AtomicLong disk = new AtomicLong();
  private final PhaseMetrics metrics = new PhaseMetrics(registry, terms::get, disk::get);

  @Test
  void aTimersPercentilesCoverItsPhaseAlone() {
    Timer heartbeats = registry.timer("raftwire.s1.sender.s2.control.queue_wait");
    metrics.begin(0);
    for (int i = 0; i < 1000; i++) {
      heartbeats.update(100, TimeUnit.MILLISECONDS);
    }
    PhaseMetrics.Phase slow = metrics.end("slow", 1_000_000_000L);
    metrics.begin(1_000_000_000L);
    for (int i = 0; i < 1000; i++) {
      heartbeats.update(1, TimeUnit.MILLISECONDS);
    }
    PhaseMetrics.Phase quick = metrics.end("quick", 2_000_000_000L);
    assertEquals(100, slow.timerMillis(PhaseMetrics.HEARTBEAT_QUEUE_WAIT, 0.99).getAsDouble(), 0.1);
    assertEquals(1, quick.timerMillis(PhaseMetrics.HEARTBEAT_QUEUE_WAIT, 0.99).getAsDouble(), 0.01);
    assertEquals(1000, quick.timerCount(PhaseMetrics.HEARTBEAT_QUEUE_WAIT));
    assertEquals(1.0, quick.seconds(), 1e-9);
  }

  @Test
  void valuesBeforeTheFirstPhaseAreNotCounted() {
    Timer waits = registry.timer("raftwire.s3.credits.wait.elastic");
    waits.update(5, TimeUnit.SECONDS);
    metrics.begin(0);
    PhaseMetrics.Phase phase = metrics.end("empty", 1);
    assertFalse(phase.timerMillis(PhaseMetrics.CREDIT_WAIT_ELASTIC, 0.99).isPresent());
  }

  @Test
  void countersAndSinceStartGaugesBecomeDifferencesAndGaugesOfTheMomentExtremes() {
    AtomicLong granted = new AtomicLong(1000);
    AtomicLong tokens = new AtomicLong(500);
    registry.register("raftwire.s1.io.granted_bytes.elastic", (Gauge<Long>) granted::get);
    registry.register("raftwire.s1.io.tokens_per_interval.elastic", (Gauge<Long>) tokens::get);
    registry.register("raftwire.s2.io.tokens_per_interval.elastic", (Gauge<Long>) () -> Long.MAX_VALUE);
    registry.counter("raftwire.s1.sender.dropped.EXPIRED").inc(7);
    metrics.begin(0);
    granted.addAndGet(250);
    tokens.set(200);
    terms.addAndGet(2);
    disk.addAndGet(4096);
    registry.counter("raftwire.s1.sender.dropped.EXPIRED").inc(3);
    var unused = metrics.sample(1);
    tokens.set(300);
    PhaseMetrics.Phase phase = metrics.end("p", 2);
    assertEquals(250, phase.grantedBytes(Priority.ELASTIC).getAsLong());
    assertFalse(phase.grantedBytes(Priority.REGULAR).isPresent(), "no such gauge: not zero but absent");
    assertEquals(200, phase.minTokensPerInterval().getAsLong());
    assertEquals(2, phase.elections());
    assertEquals(4096, phase.slowDiskBytes());
    assertEquals(3L, phase.counters().get("dropped after send EXPIRED"));
    assertFalse(phase.maxL0Files().isPresent(), "RocksDB gauges absent: n/a");
    assertEquals(3, phase.samples());
  }

  @Test
  void rocksDbGaugesAreReadWhenPresent() {
    AtomicLong l0 = new AtomicLong(3);
    registry.register("raftwire.s3.rocksdb.l0_files", (Gauge<Long>) l0::get);
    registry.register("raftwire.s3.rocksdb.write_stopped", (Gauge<Boolean>) () -> l0.get() > 10);
    metrics.begin(0);
    l0.set(12);
    var unused = metrics.sample(1);
    l0.set(4);
    PhaseMetrics.Phase phase = metrics.end("p", 2);
    assertEquals(12, phase.maxL0Files().getAsLong());
    assertEquals(1, phase.writeStoppedSamples());
  }

  @Test
  void endWithoutBeginIsRefused() {
    assertThrows(IllegalStateException.class, () -> metrics.end("none", 0));
    metrics.begin(0);
    var unused = metrics.end("one", 1);
    assertThrows(IllegalStateException.class, () -> metrics.sample(2));
    assertTrue(PhaseMetrics.timerGroup("raftwire.s1.sender.s2.data.queue_wait").equals(PhaseMetrics.APPEND_QUEUE_WAIT));
  }
}
