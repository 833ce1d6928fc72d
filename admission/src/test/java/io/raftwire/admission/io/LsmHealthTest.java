package io.raftwire.admission.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftwire.flow.IoTokens;
import io.raftwire.flow.StoreHealth;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The LSM policy on an injected clock and a scripted engine. */
class LsmHealthTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MiB = 1024 * 1024;
  private static final long GiB = 1024 * MiB;

  private LsmStats stats = LsmStats.idle();
  private final LsmHealth health =
      new LsmHealth(() -> stats, (now, interval) -> 100 * MiB, LsmHealthConfig.defaults());

  private IoTokens at(long l0Files, long pendingBytes, boolean delayed, boolean stopped) {
    stats = LsmStats.of(l0Files, pendingBytes, delayed, stopped);
    return health.tokens(0, SECOND);
  }

  @Test
  void elasticTokensShrinkFirstRegularOnlyNearAStall() {
    assertEquals(IoTokens.of(100 * MiB, 100 * MiB), at(6, 0, false, false));
    assertEquals(LsmHealth.State.HEALTHY, health.lastState());
    assertEquals(IoTokens.of(100 * MiB, 100 * MiB * 7 / 8), at(7, 0, false, false), "one file past 6: 7/8 left");
    assertEquals(LsmHealth.State.ELASTIC_SHRUNK, health.lastState());
    assertEquals(IoTokens.of(100 * MiB, 50 * MiB), at(10, 0, false, false));
    assertEquals(IoTokens.of(100 * MiB, 0), at(14, 0, false, false));
    assertEquals(LsmHealth.State.ELASTIC_STOPPED, health.lastState());
    assertEquals(IoTokens.of(50 * MiB, 0), at(18, 0, false, false), "regular halves just before RocksDB's slowdown");
    assertEquals(LsmHealth.State.REGULAR_SHRUNK, health.lastState());
    assertEquals(IoTokens.of(MiB, 0), at(3, 0, true, false), "the engine delays writes: the floor");
    assertEquals(LsmHealth.State.STALLED, health.lastState());
    assertEquals(IoTokens.of(MiB, 0), at(3, 0, false, true));
    assertEquals(IoTokens.of(100 * MiB, 100 * MiB), at(2, 0, false, false), "recovered");
    assertEquals(LsmStats.of(2, 0, false, false), health.lastStats());
  }

  @Test
  void compactionDebtCutsLikeL0Files() {
    assertEquals(IoTokens.of(100 * MiB, 50 * MiB), at(0, 32 * GiB, false, false));
    assertEquals(IoTokens.of(100 * MiB, 0), at(0, 48 * GiB, false, false));
    assertEquals(IoTokens.of(50 * MiB, 0), at(0, 56 * GiB, false, false));
    assertEquals(IoTokens.of(100 * MiB, 25 * MiB), at(12, 24 * GiB, false, false), "the smaller share wins");
  }

  @Test
  void withoutAMeasuredConstraintCutsAreRelativeToWhatWasWritten() {
    LsmHealth unmeasured = new LsmHealth(() -> stats, (now, interval) -> StoreHealth.UNLIMITED, LsmHealthConfig.defaults());
    stats = LsmStats.of(10, 0, false, false);
    unmeasured.recordWrite(40 * MiB, 1);
    assertEquals(IoTokens.of(StoreHealth.UNLIMITED, 20 * MiB), unmeasured.tokens(0, SECOND));
    assertEquals(IoTokens.of(StoreHealth.UNLIMITED, MiB / 2), unmeasured.tokens(SECOND, SECOND),
        "nothing written since: half the floor");
    stats = LsmStats.idle();
    assertEquals(IoTokens.unlimited(), unmeasured.tokens(2 * SECOND, SECOND));
  }

  @Test
  void thresholdsAndStatsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> LsmHealthConfig.builder().l0Files(6, 6, 18).build());
    assertThrows(IllegalArgumentException.class, () -> LsmHealthConfig.builder().l0Files(6, 14, 10).build());
    assertThrows(IllegalArgumentException.class, () -> LsmHealthConfig.builder().pendingCompactionBytes(-1, 1, 2).build());
    assertThrows(IllegalArgumentException.class, () -> LsmHealthConfig.builder().floorBytesPerSecond(0).build());
    assertThrows(IllegalArgumentException.class, () -> LsmStats.of(-1, 0, false, false));
  }
}
