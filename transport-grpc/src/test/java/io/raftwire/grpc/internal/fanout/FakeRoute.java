package io.raftwire.grpc.internal.fanout;

import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.sender.AppendRoute;
import io.raftwire.grpc.internal.sender.Outbound;
import io.raftwire.grpc.internal.sender.EnvelopeMessage;
import io.raftwire.grpc.internal.sender.SenderTestKit;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A destination that records what zone fan-out does with it; its lane has no limit. Its breaker
 * ({@link #allows}) refuses queueing, never charging, so tests can take it down between the two.
 */
final class FakeRoute implements AppendRoute {
  final StoreId store;
  final String zone;
  final ByteBudget lane;
  final List<Outbound> queued = new ArrayList<>();
  int offered;
  int reserved;
  int keptOpen;
  boolean allows = true;
  @Nullable DropReason refuseBundles;

  FakeRoute(long store, String zone) {
    this.store = StoreId.of(store);
    this.zone = zone;
    this.lane = ByteBudget.root(this.store + ".append", () -> Long.MAX_VALUE);
  }

  @Override
  public StoreId store() {
    return store;
  }

  @Override
  public String zone() {
    return zone;
  }

  @Override
  public boolean allowsTraffic() {
    return allows;
  }

  @Override
  public @Nullable DropReason offer(EnvelopeMessage message) {
    SenderTestKit.charge(message, lane);
    offered++;
    queued.add(message);
    return null;
  }

  @Override
  public @Nullable DropReason reserve(EnvelopeMessage message) {
    SenderTestKit.charge(message, lane);
    reserved++;
    return null;
  }

  @Override
  public @Nullable DropReason enqueueReserved(Outbound item) {
    if (!allows) {
      return DropReason.UNREACHABLE;
    }
    if (item instanceof Bundle && refuseBundles != null) {
      return refuseBundles;
    }
    queued.add(item);
    return null;
  }

  @Override
  public void fail(List<? extends Outbound> items, DropReason reason) {
    SenderTestKit.fail(items, reason);
  }

  @Override
  public void keepDataStreamOpen() {
    keptOpen++;
  }

  /** The bundles queued here (this store was the agent). */
  List<Bundle> bundles() {
    List<Bundle> bundles = new ArrayList<>();
    for (Outbound o : queued) {
      if (o instanceof Bundle) {
        bundles.add((Bundle) o);
      }
    }
    return bundles;
  }

  /** The members queued here on their own (not in a bundle). */
  int alone() {
    return queued.size() - bundles().size();
  }
}
