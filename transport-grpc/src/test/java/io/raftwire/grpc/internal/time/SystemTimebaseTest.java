package io.raftwire.grpc.internal.time;

import static org.awaitility.Awaitility.await;

import io.raftwire.time.Timebase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The production timebase keeps a periodic task on schedule when it throws, and counts it. */
class SystemTimebaseTest {

  @Test
  void aThrowingPeriodicTaskKeepsRunningAndIsCounted() {
    AtomicInteger runs = new AtomicInteger();
    try (SystemTimebase time = new SystemTimebase("test-timebase")) {
      Timebase.Cancellable task = time.scheduleWithFixedDelay(() -> {
        runs.incrementAndGet();
        throw new IllegalStateException("on purpose");
      }, 0, 1_000_000);
      await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() >= 3);
      task.cancel();
      // every run threw and every throw was counted (a run in progress at cancel finishes)
      await().atMost(Duration.ofSeconds(30)).until(() -> time.taskFailures() == runs.get());
    }
  }
}
