package io.raftwire.grpc.internal.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftwire.grpc.internal.budget.ByteBudget;
import org.junit.jupiter.api.Test;

class ReleasesTest {
  @Test
  void anAcknowledgementGivesEveryBudgetBackItsBytesOnceFlushed() {
    ByteBudget global = ByteBudget.root("global", () -> 1000);
    ByteBudget lane = global.child("append", () -> 600);
    ByteBudget elastic = global.child("elastic", () -> 300);
    ByteBudget[] budgets = {lane, elastic, global};
    for (ByteBudget b : budgets) {
      assertNull(b == global ? global.tryAcquire(50) : b.tryAcquire(b == lane ? 500 : 250));
    }
    assertEquals(800, global.usedBytes());
    Releases releases = new Releases();
    for (int i = 0; i < 5; i++) {
      releases.add(lane, 100);
      releases.add(elastic, 50);
    }
    releases.add(global, 50);
    assertEquals(800, global.usedBytes(), "nothing is given back before the flush");
    releases.flush();
    assertEquals(0, lane.usedBytes());
    assertEquals(0, elastic.usedBytes());
    assertEquals(0, global.usedBytes(), "children's bytes reach their parent once each");
    releases.flush(); // flushed releases are not given again
    assertEquals(0, global.usedBytes());
  }

  @Test
  void aBatchOverMoreBudgetsThanItsFirstRoomStillGivesEachBack() {
    ByteBudget root = ByteBudget.root("root", () -> 100);
    Releases releases = new Releases();
    ByteBudget[] many = new ByteBudget[9];
    for (int i = 0; i < many.length; i++) {
      many[i] = root.child("lane-" + i, () -> 10);
      assertNull(many[i].tryAcquire(10));
      releases.add(many[i], 4);
      releases.add(many[i], 6);
    }
    releases.flush();
    for (ByteBudget b : many) {
      assertEquals(0, b.usedBytes(), b.name());
    }
    assertEquals(0, root.usedBytes());
  }

  @Test
  void releasingMoreThanWasTakenStillFailsLoudly() {
    ByteBudget lane = ByteBudget.root("append", () -> 100);
    assertNull(lane.tryAcquire(10));
    Releases releases = new Releases();
    releases.add(lane, 10);
    releases.add(lane, 10);
    assertThrows(IllegalStateException.class, releases::flush);
    assertEquals(10, lane.usedBytes(), "a refused release gives nothing back");
  }
}
