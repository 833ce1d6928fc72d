package io.raftwire.grpc.internal.sender;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import org.jspecify.annotations.Nullable;

/**
 * How the sender hands over APPENDs with entries: straight to their destination ({@link #DIRECT}),
 * or through zone fan-out, which may bundle several followers' APPENDs into one message to an agent
 * of their zone. The sender calls it; it acts only through the {@link AppendRoute}s it is given.
 *
 * <p><b>Threads:</b> any. <b>Blocking:</b> never. <b>Failure:</b> refusals are returned, never
 * thrown; nothing accepted is lost without a drop report.
 */
public interface AppendPolicy {
  /** Sends everything straight to its destination. */
  AppendPolicy DIRECT = new AppendPolicy() {
    @Override
    public boolean applies(RaftEnvelope append, AppendRoute route) {
      return false;
    }

    @Override
    public @Nullable DropReason accept(EnvelopeMessage append, AppendRoute route) {
      return route.offer(append);
    }
  };

  /** True if {@code append} (an APPEND with entries) to {@code route} goes through {@link #accept}. */
  boolean applies(RaftEnvelope append, AppendRoute route);

  /**
   * Takes an accepted APPEND for which {@link #applies} holds.
   *
   * @return the refusal, or null if accepted (delivered later, or reported dropped)
   */
  @Nullable DropReason accept(EnvelopeMessage append, AppendRoute route);

  /** An APPEND of {@code range} to {@code store} that this store's library sent was dropped. */
  default void dropped(RangeId range, StoreId store) {}

  /** {@code route}'s breaker opened. */
  default void routeDown(AppendRoute route) {}

  /** Periodic upkeep, on the transport's timebase. */
  default void upkeep(long nowNanos) {}

  /** The sender is closing: hand over whatever waits. */
  default void close() {}
}
