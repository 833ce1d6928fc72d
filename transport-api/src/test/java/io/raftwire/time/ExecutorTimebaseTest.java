package io.raftwire.time;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExecutorTimebaseTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
  private final Timebase timebase = ExecutorTimebase.of(() -> 42L, timer, failures::add);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void readsTheGivenClockAndRunsTasksOnTheTimer() {
    assertEquals(42L, timebase.nanoTime());
    AtomicInteger runs = new AtomicInteger();
    timebase.execute(runs::incrementAndGet);
    await().atMost(WAIT).until(() -> runs.get() == 1);
  }

  @Test
  void aPeriodicTaskThatThrowsKeepsItsScheduleAndEveryFailureIsHandedOver() {
    AtomicInteger runs = new AtomicInteger();
    Timebase.Cancellable task = timebase.scheduleWithFixedDelay(() -> {
      runs.incrementAndGet();
      throw new IllegalStateException("boom");
    }, 0, 1);
    await().atMost(WAIT).until(() -> runs.get() >= 3);
    task.cancel();
    assertTrue(failures.size() >= 2 && failures.get(0).getMessage().equals("boom"), failures.toString());
  }

  @Test
  void aCancelledTaskDoesNotRunAndAShutDownTimerRunsNothingNew() {
    timer.setRemoveOnCancelPolicy(true);
    AtomicInteger runs = new AtomicInteger();
    timebase.schedule(runs::incrementAndGet, TimeUnit.HOURS.toNanos(1)).cancel();
    assertEquals(0, timer.getQueue().size(), "the cancelled task left the timer");
    timer.shutdownNow();
    timebase.schedule(runs::incrementAndGet, 0).cancel();
    assertEquals(0, runs.get());
    assertThrows(IllegalArgumentException.class, () -> timebase.scheduleWithFixedDelay(() -> {}, 0, 0));
  }
}
