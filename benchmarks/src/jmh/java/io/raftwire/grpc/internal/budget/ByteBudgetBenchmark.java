package io.raftwire.grpc.internal.budget;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * One acquire and its release on a lane budget under a global one (the sender's shape: two levels,
 * one compare-and-set each way per level), by one thread and by two threads sharing the budgets.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ByteBudgetBenchmark {
  private static final long MESSAGE_BYTES = 1024;

  private final ByteBudget global = ByteBudget.root("global", () -> 256L << 20);
  private final ByteBudget lane = global.child("append", () -> 64L << 20);

  @Benchmark
  public ByteBudget acquireRelease() {
    ByteBudget refused = lane.tryAcquire(MESSAGE_BYTES);
    if (refused == null) {
      lane.release(MESSAGE_BYTES);
    }
    return refused;
  }

  @Benchmark
  @Threads(2)
  public ByteBudget acquireReleaseContended() {
    return acquireRelease();
  }
}
