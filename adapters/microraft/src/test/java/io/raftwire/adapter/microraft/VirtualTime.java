package io.raftwire.adapter.microraft;

import io.microraft.executor.RaftNodeExecutor;
import io.raftwire.testkit.time.FakeTimebase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * A MicroRaft clock and node executor on one {@link FakeTimebase}: every Raft task runs on the
 * test's thread when the test moves the clock, so MicroRaft's timeouts are as repeatable as the
 * transport's.
 */
final class VirtualTime {
  private VirtualTime() {}

  /** {@return a clock that reads {@code time} in milliseconds} */
  static Clock clock(FakeTimebase time) {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(TimeUnit.NANOSECONDS.toMillis(time.nanoTime()));
      }
    };
  }

  /** {@return an executor that runs every task on {@code time}, at once or when its delay is due} */
  static RaftNodeExecutor executor(FakeTimebase time) {
    return new RaftNodeExecutor() {
      @Override
      public void execute(Runnable task) {
        var unused = time.schedule(task, 0);
      }

      @Override
      public void submit(Runnable task) {
        var unused = time.schedule(task, 0);
      }

      @Override
      public void schedule(Runnable task, long delay, TimeUnit unit) {
        var unused = time.schedule(task, unit.toNanos(delay));
      }
    };
  }
}
