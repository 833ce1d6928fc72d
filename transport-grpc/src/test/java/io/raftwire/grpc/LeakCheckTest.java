package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftwire.grpc.internal.budget.ByteBudget;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/** The leak checks of {@link LeakConformance} can fail: holders that leak on purpose do not pass. */
class LeakCheckTest {
  private final ByteBudget global = ByteBudget.root("global", () -> Long.MAX_VALUE);
  private final ByteBudget lane = global.child("lane", () -> Long.MAX_VALUE);

  /** A holder over real budgets, explained when the global one holds what its lane holds. */
  private final LeakConformance.Holder holder = new LeakConformance.Holder() {
    @Override
    public long heldBytes() {
      return global.usedBytes();
    }

    @Override
    public long unaccountedBytes() {
      return global.usedBytes() - lane.usedBytes();
    }
  };

  @Test
  void bytesNeverGivenBackAreCaught() {
    lane.tryAcquire(100); // taken, never released
    assertThrows(ConditionTimeoutException.class, () -> LeakConformance.assertNothingHeld(holder, Duration.ofMillis(200)));
  }

  @Test
  void bytesThatNothingExplainsAreCaughtEvenWhenNothingSeemsHeld() {
    LeakConformance.Holder lanesOnly = new LeakConformance.Holder() {
      @Override
      public long heldBytes() {
        return lane.usedBytes();
      }

      @Override
      public long unaccountedBytes() {
        return global.usedBytes() - lane.usedBytes();
      }
    };
    LeakConformance.assertNothingHeld(lanesOnly, Duration.ofSeconds(5)); // balanced: passes
    global.tryAcquire(5); // taken around the lane: bytes nothing explains
    assertThrows(AssertionError.class, () -> LeakConformance.assertNothingHeld(lanesOnly, Duration.ofSeconds(5)));
  }
}
