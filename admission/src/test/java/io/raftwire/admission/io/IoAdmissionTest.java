package io.raftwire.admission.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.StoreHealth;
import io.raftwire.message.Priority;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IoAdmissionTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MiB = 1024 * 1024;

  @Test
  void unconstrainedAdmitsEverythingAndTicksSlowly() {
    IoAdmissionController io = new IoAdmissionController(AdmissionConfig.defaults(), 0);
    io.recompute(0);
    assertEquals(StoreHealth.UNLIMITED, io.tokensPerInterval());
    assertTrue(io.tryAdmit(Priority.REGULAR, 1L << 40));
    assertEquals(250 * MS, io.tickNanos());
  }

  @Test
  void tokensFromTheHealthSignalAreHandedOutInSmallTicks() {
    long[] budget = {150 * MiB}; // per 15 s interval: 10 MiB/s
    AdmissionConfig config = AdmissionConfig.builder().storeHealth((now, interval) -> budget[0]).build();
    IoAdmissionController io = new IoAdmissionController(config, 0);
    io.recompute(0);
    assertEquals(1 * MS, io.tickNanos(), "ticks are fine-grained while constrained");
    long admitted = admitFor(io, 0, 10 * SECOND, 64 * 1024);
    assertNear(100 * MiB, admitted, 1 * MiB, "admitted bytes");

    budget[0] = 15 * MiB; // the disk degrades: 1 MiB/s
    io.recompute(10 * SECOND);
    long degraded = admitFor(io, 10 * SECOND, 20 * SECOND, 64 * 1024);
    assertNear(10 * MiB, degraded, 1 * MiB, "degraded bytes");
  }

  /** Ticks every millisecond from {@code from} to {@code to}, admitting as much as allowed. */
  private static long admitFor(IoAdmissionController io, long from, long to, long itemBytes) {
    long admitted = 0;
    for (long t = from + MS; t <= to; t += MS) {
      io.tick(t);
      while (io.tryAdmit(Priority.REGULAR, itemBytes)) {
        admitted += itemBytes;
      }
    }
    return admitted;
  }

  @Test
  void idleTimeDoesNotBankTokens() {
    AdmissionConfig config = AdmissionConfig.builder().storeHealth((now, interval) -> 150 * MiB).build();
    IoAdmissionController io = new IoAdmissionController(config, 0);
    io.recompute(0);
    io.tick(60 * SECOND); // a minute idle
    assertTrue(io.availableBytes() <= 150 * MiB * 250 / 15_000 + 1, "at most one tick's worth: " + io.availableBytes());
  }

  @Test
  void elasticWorkIsCappedByItsShareOfProvisionedBandwidth() {
    AdmissionConfig config =
        AdmissionConfig.builder().provisionedWriteBytesPerSecond(100 * MiB).elasticBandwidthShare(0.25).build();
    IoAdmissionController io = new IoAdmissionController(config, 0);
    io.recompute(0);
    long elastic = 0;
    long regular = 0;
    for (long t = MS; t <= 4 * SECOND; t += MS) {
      io.tick(t);
      while (io.tryAdmit(Priority.ELASTIC, 64 * 1024)) {
        elastic += 64 * 1024;
      }
      for (int i = 0; i < 10 && io.tryAdmit(Priority.REGULAR, 64 * 1024); i++) {
        regular += 64 * 1024;
      }
    }
    assertNear(100 * MiB, elastic, 8 * MiB, "elastic bytes"); // 25 MiB/s for 4 s, plus the first burst
    assertEquals(4000L * 10 * 64 * 1024, regular, "regular work is not capped");
    assertEquals(elastic, io.grantedBytes(Priority.ELASTIC));
  }

  @Test
  void throughputHealthGrowsWhileFastAndShrinksWhenSlow() {
    ThroughputHealth health = new ThroughputHealth(10 * MS, 1 * MiB);
    assertEquals(StoreHealth.UNLIMITED, health.admissibleBytes(0, 15 * SECOND), "no data: no constraint");
    health.recordWrite(100 * MiB, 5 * MS);
    assertEquals(150 * MiB, health.admissibleBytes(0, 15 * SECOND));
    health.recordWrite(60 * MiB, 20 * MS);
    health.recordWrite(40 * MiB, 20 * MS);
    assertEquals(50 * MiB, health.admissibleBytes(0, 15 * SECOND), "latency 2x the target: half");
    health.recordWrite(1, 1000 * MS);
    assertEquals(15 * MiB, health.admissibleBytes(0, 15 * SECOND), "never below the floor");
    assertThrows(IllegalArgumentException.class, () -> new ThroughputHealth(0, 1));
    assertFalse(health.admissibleBytes(0, SECOND) != StoreHealth.UNLIMITED, "window resets");
  }

  /** Asserts {@code actual} is within {@code tolerance} of {@code expected}. */
  private static void assertNear(long expected, long actual, long tolerance, String what) {
    assertTrue(Math.abs(actual - expected) <= tolerance, what + ": " + actual + ", expected " + expected + " +/- " + tolerance);
  }
}
