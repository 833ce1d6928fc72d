package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The sender's pick: {@link Lanes#enqueue} of {@value #BATCH} regular APPENDs spread over {@code
 * ranges} ranges, then {@link Lanes#poll} of them into one DATA batch (deficit round robin across
 * the ranges, the default 64 KiB quantum and 1 MiB batch target). Scores are per message, enqueue
 * and pick together; budgets are not charged here ({@code ByteBudgetBenchmark} measures them).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LanesBenchmark {
  static final int BATCH = 256;
  private static final long DRR_QUANTUM_BYTES = 64 * 1024;
  private static final long TARGET_BATCH_BYTES = 1 << 20;

  @Param({"1", "8", "64"})
  public int ranges;

  @Param({"1024"})
  public int messageBytes;

  private Lanes lanes;
  private Outbound[] messages;
  private final List<Outbound> batch = new ArrayList<>(BATCH);

  @Setup
  public void setUp() {
    ByteBudget global = ByteBudget.root("global", () -> TransportLimits.DEFAULT_GLOBAL_QUEUE_BYTES);
    ByteBudget elastic = ByteBudget.root("global.elastic", () -> TransportLimits.DEFAULT_GLOBAL_QUEUE_BYTES / 2);
    lanes = new Lanes("store-2", global, elastic, TransportLimits::defaults, DRR_QUANTUM_BYTES);
    messages = new Outbound[BATCH];
    for (int i = 0; i < BATCH; i++) {
      messages[i] = new Item(RangeId.of(1 + i % ranges), messageBytes);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int enqueueAndPoll() {
    for (Outbound message : messages) {
      lanes.enqueue(message);
    }
    batch.clear();
    lanes.poll(StreamKind.DATA, TARGET_BATCH_BYTES, BATCH, 0, batch);
    if (batch.size() != BATCH) {
      throw new IllegalStateException("polled " + batch.size() + " of " + BATCH);
    }
    return batch.size();
  }

  /** A queued APPEND as the lanes see it: its lane, priority, range and size. */
  private static final class Item extends Outbound {
    Item(RangeId range, long sizeBytes) {
      super(TrafficClass.APPEND, Priority.REGULAR, range, sizeBytes, 0);
    }

    @Override
    public void addTo(OutboundFrame.Builder frame, long seq, StoreId destination) {
      throw new UnsupportedOperationException("not written in this benchmark");
    }

    @Override
    public void release() {}

    @Override
    public void dropped(DropReason reason) {}
  }
}
