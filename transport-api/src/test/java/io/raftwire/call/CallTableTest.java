package io.raftwire.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The call table on an injected clock: each call ends once, by its first end, and the table is bounded. */
class CallTableTest {
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - 1_000); // deadlines that wrap stay ordered
  private final List<String> counted = new ArrayList<>();
  private final CallTable<String> table = new CallTable<>(2, now::get, new CallTable.Counts() {
    @Override
    public void completed() {
      counted.add("completed");
    }

    @Override
    public void failed() {
      counted.add("failed");
    }

    @Override
    public void timedOut() {
      counted.add("timed_out");
    }

    @Override
    public void refusedFull() {
      counted.add("refused_full");
    }

    @Override
    public void lateAnswer() {
      counted.add("late");
    }
  });

  @Test
  void theFirstEndWinsAndTheOthersGetNothing() {
    String call = table.open(id -> "c" + id, 100).orElseThrow();
    assertEquals("c1", call, "the call is built with the id its answer will name");
    assertEquals(call, table.find(1).orElseThrow());
    assertEquals(call, table.complete(1).orElseThrow());
    assertTrue(table.complete(1).isEmpty());
    assertTrue(table.fail(1).isEmpty());
    assertTrue(table.expire(now.get() + 1_000_000).isEmpty());
    assertEquals(List.of("completed", "late"), counted);
  }

  @Test
  void deadlinesPassInOrderOnTheInjectedClockEvenAcrossAWrap() {
    table.open(id -> "early", 100);
    now.addAndGet(600); // past Long.MAX_VALUE: the clock wraps, the deadline below too
    table.open(id -> "late", 100);
    assertEquals(List.of("early"), table.expire(now.get()));
    assertTrue(table.expire(now.get() + 99).isEmpty());
    assertEquals(List.of("late"), table.expire(now.get() + 100));
    assertEquals(0, table.size());
    assertEquals(List.of("timed_out", "timed_out"), counted);
  }

  @Test
  void aFullTableRefusesAndACancelFreesAPlaceWithoutCounting() {
    table.open(id -> "a", 100);
    table.open(id -> "b", 100);
    assertTrue(table.open(id -> "c", 100).isEmpty());
    table.cancel(1);
    assertEquals("d", table.open(id -> "d", 100).orElseThrow());
    assertEquals(List.of("refused_full"), counted);
    assertEquals(List.of("b"), table.failAll("b"::equals));
    assertEquals(1, table.size());
    assertThrows(IllegalArgumentException.class, () -> new CallTable<String>(0, now::get, CallTable.Counts.none()));
    assertThrows(IllegalArgumentException.class, () -> table.open(id -> "e", -1));
  }
}
