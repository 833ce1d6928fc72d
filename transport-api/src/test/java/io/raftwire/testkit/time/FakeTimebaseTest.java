package io.raftwire.testkit.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftwire.time.Timebase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake timebase runs exactly what became due, in due order, and nothing else. */
class FakeTimebaseTest {
  private final FakeTimebase time = new FakeTimebase(0);
  private final List<String> ran = new ArrayList<>();

  @Test
  void advanceRunsDueTasksInOrderAndMovesTheClockToEachDueTime() {
    time.schedule(() -> ran.add("b@" + time.nanoTime()), 20);
    time.schedule(() -> ran.add("a@" + time.nanoTime()), 10);
    time.schedule(() -> ran.add("c@" + time.nanoTime()), 30);
    time.advanceNanos(25);
    assertEquals(List.of("a@10", "b@20"), ran);
    assertEquals(25, time.nanoTime());
    assertEquals(List.of(5L), time.pendingDelaysNanos());
  }

  @Test
  void tasksScheduledByTasksRunInTheSameAdvanceWhenDueInsideIt() {
    time.schedule(() -> {
      ran.add("first");
      time.schedule(() -> ran.add("second@" + time.nanoTime()), 5);
      time.execute(() -> ran.add("soon@" + time.nanoTime()));
    }, 10);
    time.advance(Duration.ofNanos(20));
    assertEquals(List.of("first", "soon@10", "second@15"), ran);
  }

  @Test
  void periodicTasksKeepAFixedDelayAndStopWhenCancelled() {
    Timebase.Cancellable periodic = time.scheduleWithFixedDelay(() -> ran.add("t" + time.nanoTime()), 10, 100);
    time.advanceNanos(350);
    assertEquals(List.of("t10", "t110", "t210", "t310"), ran);
    periodic.cancel();
    time.advanceNanos(1000);
    assertEquals(4, ran.size());
    assertEquals(0, time.pendingTasks());
  }

  @Test
  void aCancelledTaskNeverRunsAndNothingRunsWithoutAnAdvance() {
    Timebase.Cancellable c = time.schedule(() -> ran.add("cancelled"), 10);
    time.execute(() -> ran.add("executed"));
    assertEquals(List.of(), ran, "nothing runs on the scheduling thread");
    c.cancel();
    time.advanceNanos(100);
    assertEquals(List.of("executed"), ran);
  }

  @Test
  void aFailingTaskReachesTheTestAndTimeStopsAtIt() {
    time.schedule(() -> {
      throw new IllegalStateException("boom");
    }, 10);
    time.schedule(() -> ran.add("later"), 20);
    assertThrows(IllegalStateException.class, () -> time.advanceNanos(30));
    assertEquals(10, time.nanoTime());
    time.advanceNanos(20);
    assertEquals(List.of("later"), ran);
    assertThrows(IllegalArgumentException.class, () -> time.advanceNanos(-1));
  }
}
