package io.raftwire.admission.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.IoTokens;
import io.raftwire.flow.StoreHealth;
import io.raftwire.message.Priority;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** IO tokens on an injected clock: every time below is a number handed to the controller. */
class IoAdmissionTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long KiB = 1024;
  private static final long MiB = 1024 * 1024;

  private static IoAdmissionController controller(StoreHealth health, long debtBytes) {
    AdmissionConfig config = AdmissionConfig.builder().storeHealth(health).regularDebtBytes(debtBytes).build();
    IoAdmissionController io = new IoAdmissionController(config, 0);
    io.recompute(0);
    return io;
  }

  @Test
  void unconstrainedAdmitsEverythingAndTicksSlowly() {
    IoAdmissionController io = new IoAdmissionController(AdmissionConfig.defaults(), 0);
    io.recompute(0);
    assertEquals(StoreHealth.UNLIMITED, io.tokensPerInterval(Priority.REGULAR));
    assertEquals(StoreHealth.UNLIMITED, io.tokensPerInterval(Priority.ELASTIC));
    assertTrue(io.tryAdmit(Priority.REGULAR, 1L << 40));
    assertTrue(io.tryAdmit(Priority.ELASTIC, 1L << 40));
    assertEquals(0, io.debtBytes());
    assertEquals(250 * MS, io.tickNanos());
  }

  @Test
  void tokensAreDoledInProportionToElapsedTimeWhateverTheTicks() {
    IoAdmissionController io = controller((now, interval) -> 10 * MiB * interval / SECOND, 0);
    assertEquals(1 * MS, io.tickNanos(), "ticks are fine-grained while constrained");
    io.tryAdmit(Priority.REGULAR, io.availableBytes(Priority.REGULAR)); // start empty
    long[] ticks = {1 * MS, 3 * MS, 7 * MS, 1 * MS / 4, 2 * MS};
    long t = 0;
    for (long step : ticks) {
      long before = io.availableBytes(Priority.REGULAR);
      t += step;
      io.tick(t);
      long earned = io.availableBytes(Priority.REGULAR) - before;
      io.tryAdmit(Priority.REGULAR, io.availableBytes(Priority.REGULAR)); // empty again: no cap in the way
      assertTrue(Math.abs(earned - 10 * MiB * step / SECOND) <= 1,
          "a tick of " + step + " ns earns the rate times the elapsed time, not a fixed step: " + earned);
    }
    long admitted = admitFor(io, t, t + 10 * SECOND, MS, 64 * KiB);
    assertNear(100 * MiB, admitted, 64 * KiB + 100 * KiB, "10 s at 10 MiB/s");
  }

  @Test
  void idleTimeBanksAtMostTheBurst() {
    IoAdmissionController io = controller((now, interval) -> 100 * MiB * interval / SECOND, 0);
    io.tick(60 * SECOND); // a minute idle
    long burst = 100 * MiB * AdmissionConfig.DEFAULT_IO_BURST_NANOS / SECOND;
    assertEquals(burst, io.availableBytes(Priority.REGULAR), "10 ms at 100 MiB/s, not a minute's worth");
    assertTrue(io.availableBytes(Priority.ELASTIC) <= burst);
  }

  @Test
  void aLowerEstimateAppliesAtOnceAHigherOneRampsOverTheInterval() {
    long[] perSecond = {40 * MiB};
    IoAdmissionController io = controller((now, interval) -> perSecond[0] * interval / SECOND, 0);
    assertEquals(40 * MiB, io.tokensPerInterval(Priority.REGULAR));
    perSecond[0] = 10 * MiB;
    io.recompute(SECOND);
    assertEquals(10 * MiB, io.tokensPerInterval(Priority.REGULAR), "a cut is immediate");
    perSecond[0] = 50 * MiB;
    io.recompute(2 * SECOND);
    assertEquals(10 * MiB, io.tokensPerInterval(Priority.REGULAR), "a rise starts from the current rate");
    io.tick(2 * SECOND + SECOND / 4);
    assertNear(20 * MiB, io.tokensPerInterval(Priority.REGULAR), 1, "a quarter of the way after a quarter interval");
    io.tick(2 * SECOND + SECOND / 2);
    assertNear(30 * MiB, io.tokensPerInterval(Priority.REGULAR), 1, "half way after half an interval");
    io.tick(3 * SECOND);
    assertEquals(50 * MiB, io.tokensPerInterval(Priority.REGULAR));
    io.tick(4 * SECOND);
    assertEquals(50 * MiB, io.tokensPerInterval(Priority.REGULAR), "and no further");
  }

  @Test
  void elasticTokensShrinkWhileRegularKeepsItsOwn() {
    IoTokens[] next = {IoTokens.of(10 * MiB, 2 * MiB)};
    StoreHealth health = new StoreHealth() {
      @Override
      public long admissibleBytes(long nowNanos, long intervalNanos) {
        return next[0].regularBytes();
      }

      @Override
      public IoTokens tokens(long nowNanos, long intervalNanos) {
        return next[0];
      }
    };
    IoAdmissionController io = controller(health, 0);
    assertEquals(10 * MiB, io.tokensPerInterval(Priority.REGULAR));
    assertEquals(2 * MiB, io.tokensPerInterval(Priority.ELASTIC));
    long elastic = 0;
    long regular = 0;
    for (long t = MS; t <= 4 * SECOND; t += MS) {
      io.tick(t);
      if (t % (64 * MS) == 0 && io.tryAdmit(Priority.REGULAR, 64 * KiB)) { // 1 MiB/s of regular work
        regular += 64 * KiB;
      }
      while (io.tryAdmit(Priority.ELASTIC, 16 * KiB)) {
        elastic += 16 * KiB;
      }
    }
    assertEquals(62 * 64 * KiB, regular, "regular work got all it asked for");
    assertNear(8 * MiB - regular, elastic, 64 * KiB,
        "elastic work got the elastic rate (2 MiB/s) less what regular work used (1 MiB/s)");
  }

  @Test
  void regularWorkBorrowsUpToTheDebtLimitWhileElasticWaits() {
    IoAdmissionController io = controller((now, interval) -> 1 * MiB * interval / SECOND, 256 * KiB);
    io.tryAdmit(Priority.REGULAR, io.availableBytes(Priority.REGULAR)); // start empty
    io.tick(MS);
    int admitted = 0;
    while (io.tryAdmit(Priority.REGULAR, 64 * KiB)) {
      admitted++;
    }
    assertEquals(4, admitted, "borrowed ahead instead of waiting for the next ticks");
    assertTrue(io.debtBytes() <= 256 * KiB, "within the limit: " + io.debtBytes());
    assertFalse(io.tryAdmit(Priority.ELASTIC, 1), "elastic work never borrows and waits for the debt");
    long t = MS;
    while (io.debtBytes() > 0) {
      t += MS;
      io.tick(t);
    }
    assertNear(250 * MS, t, 2 * MS, "paid back at the rate: 4 x 64 KiB less 1 ms of tokens, at 1 MiB/s");
    io.tick(t + MS);
    assertTrue(io.tryAdmit(Priority.ELASTIC, 1), "then elastic work gets tokens");

    IoAdmissionController strict = controller((now, interval) -> 1 * MiB * interval / SECOND, 0);
    strict.tryAdmit(Priority.REGULAR, strict.availableBytes(Priority.REGULAR));
    strict.tick(MS);
    assertTrue(strict.tryAdmit(Priority.REGULAR, 64 * KiB), "positive tokens admit one item, whatever its size");
    assertFalse(strict.tryAdmit(Priority.REGULAR, 1), "no debt allowed: waits");
  }

  @Test
  void elasticWorkIsCappedByItsShareOfProvisionedBandwidth() {
    AdmissionConfig config =
        AdmissionConfig.builder().provisionedWriteBytesPerSecond(100 * MiB).elasticBandwidthShare(0.25).build();
    IoAdmissionController io = new IoAdmissionController(config, 0);
    io.recompute(0);
    assertEquals(25 * MiB, io.tokensPerInterval(Priority.ELASTIC));
    long elastic = 0;
    for (long t = MS; t <= 4 * SECOND; t += MS) {
      io.tick(t);
      while (io.tryAdmit(Priority.ELASTIC, 64 * KiB)) {
        elastic += 64 * KiB;
      }
      for (int i = 0; i < 10; i++) {
        assertTrue(io.tryAdmit(Priority.REGULAR, 64 * KiB), "regular work is not capped");
      }
    }
    assertTrue(elastic <= 100 * MiB + 64 * KiB, "at most 25 MiB/s for 4 s: " + elastic);
    assertEquals(elastic, io.grantedBytes(Priority.ELASTIC));
    assertEquals(4000L * 10 * 64 * KiB, io.grantedBytes(Priority.REGULAR));
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

  @Test
  void theSettingsAndTokensAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> AdmissionConfig.builder().regularDebtBytes(-1).build());
    assertThrows(IllegalArgumentException.class, () -> AdmissionConfig.builder().ioBurstNanos(0).build());
    assertThrows(IllegalArgumentException.class, () -> AdmissionConfig.builder().ioBurstNanos(2 * SECOND).build());
    assertThrows(IllegalArgumentException.class, () -> IoTokens.of(1, 2), "elastic above regular");
    assertThrows(IllegalArgumentException.class, () -> IoTokens.of(-1, -1));
    assertEquals(IoTokens.unlimited(), IoTokens.both(StoreHealth.UNLIMITED));
    assertEquals(IoTokens.both(5), ((StoreHealth) (now, interval) -> 5).tokens(0, SECOND), "the default split");
  }

  /** Ticks every {@code step} from {@code from} to {@code to}, admitting as much as allowed. */
  private static long admitFor(IoAdmissionController io, long from, long to, long step, long itemBytes) {
    long admitted = 0;
    for (long t = from + step; t <= to; t += step) {
      io.tick(t);
      while (io.tryAdmit(Priority.REGULAR, itemBytes)) {
        admitted += itemBytes;
      }
    }
    return admitted;
  }

  /** Asserts {@code actual} is within {@code tolerance} of {@code expected}. */
  private static void assertNear(long expected, long actual, long tolerance, String what) {
    assertTrue(Math.abs(actual - expected) <= tolerance, what + ": " + actual + ", expected " + expected + " +/- " + tolerance);
  }
}
