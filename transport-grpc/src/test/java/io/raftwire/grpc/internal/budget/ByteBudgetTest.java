package io.raftwire.grpc.internal.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ByteBudgetTest {
  private final AtomicLong globalLimit = new AtomicLong(1000);
  private final ByteBudget global = ByteBudget.root("global", globalLimit::get);
  private final ByteBudget lane = global.child("lane", () -> 600);
  private final ByteBudget other = global.child("other", () -> 600);

  @Test
  void aChildTakesFromItsParentAllOrNothingAndSaysWhoRefused() {
    assertNull(lane.tryAcquire(500));
    assertEquals(500, global.usedBytes());
    assertSame(lane, lane.tryAcquire(200), "the lane is at 500 of 600");
    assertEquals(500, global.usedBytes(), "nothing taken from the parent either");
    assertNull(other.tryAcquire(400));
    assertSame(global, other.tryAcquire(150), "the other lane has room, the global budget has not");
    assertEquals(400, other.usedBytes(), "nothing taken from the child whose parent refused");
    lane.release(500);
    other.release(400);
    assertEquals(0, global.usedBytes());
  }

  @Test
  void aLowerLimitRefusesNewBytesAndTakesNothingBack() {
    assertNull(lane.tryAcquire(500));
    globalLimit.set(100);
    assertEquals(500, global.usedBytes(), "granted bytes stay granted");
    assertSame(global, other.tryAcquire(1));
    lane.release(450);
    assertNull(other.tryAcquire(50), "below the new limit again");
  }

  @Test
  void releasingMoreThanIsHeldIsCaughtWhereItHappens() {
    assertNull(lane.tryAcquire(10));
    assertThrows(IllegalStateException.class, () -> lane.release(11));
    assertEquals(10, lane.usedBytes(), "nothing released by the failed call");
    assertEquals(10, global.usedBytes());
    assertThrows(IllegalArgumentException.class, () -> lane.tryAcquire(-1));
  }

  @Test
  void theParentHoldsExactlyWhatItsChildrenHoldUnlessSomethingBypassesThem() {
    assertNull(lane.tryAcquire(100));
    assertNull(other.tryAcquire(50));
    assertEquals(0, global.usedBytes() - lane.usedBytes() - other.usedBytes(), "accounted for");
    assertNull(global.tryAcquire(7)); // taken around the lanes: what a leak looks like
    assertEquals(7, global.usedBytes() - lane.usedBytes() - other.usedBytes());
  }
}
