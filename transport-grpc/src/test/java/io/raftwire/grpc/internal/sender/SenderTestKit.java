package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Builds the sender's items for tests of its neighbours (zone fan-out): own messages whose drops are
 * recorded synchronously, and the charge a destination would make.
 */
public final class SenderTestKit {
  /** Drops of own APPENDs, in the order they happened (recorded through the credit ledger). */
  public final List<RaftEnvelope> returned = new CopyOnWriteArrayList<>();
  private final Drops drops;

  public SenderTestKit(StoreId local) {
    CreditLedger ledger = new CreditLedger() {
      @Override
      public void destinationAdded(StoreId destination) {}

      @Override
      public void deducted(RaftEnvelope append) {}

      @Override
      public void returned(RaftEnvelope append) {
        returned.add(append);
      }

      @Override
      public void admitted(RangeId range, StoreId destination, Priority priority, long upToIndex) {}

      @Override
      public void disconnected(StoreId destination) {}

      @Override
      public void roundTrip(StoreId destination, long nanos) {}

      @Override
      public boolean hasOutstanding(StoreId destination) {
        return false;
      }
    };
    StoreMetrics metrics = new StoreMetrics(new MetricRegistry(), local);
    this.drops = new Drops(local, ledger, AppendPolicy.DIRECT, new DropNotifier("test-" + local, metrics, GrpcTransportConfig.DEFAULT_DROP_NOTICE_BUDGET_BYTES, () -> 0),
        (relayed, reason) -> {}, metrics.counters(io.raftwire.grpc.GrpcMetrics.SENDER_RELAY_DROPPED, DropReason.class));
  }

  /** This store's message, accepted at {@code enqueuedNanos}. */
  public EnvelopeMessage own(RaftEnvelope envelope, long enqueuedNanos) {
    return EnvelopeMessage.own(envelope, enqueuedNanos, drops);
  }

  /** Takes {@code message}'s bytes from {@code lane}, as a destination's lanes would. */
  public static boolean charge(EnvelopeMessage message, ByteBudget lane) {
    if (lane.tryAcquire(message.sizeBytes()) != null) {
      return false;
    }
    message.chargedTo(lane, null);
    return true;
  }

  /** Gives back the charges of {@code items} and reports them dropped, as a destination would. */
  public static void fail(List<? extends Outbound> items, DropReason reason) {
    Outbounds.fail(items, reason);
  }
}
