package io.raftwire.grpc.internal.receiver;

import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import org.jspecify.annotations.Nullable;

/**
 * Takes zone fan-out bundles that arrive on a stream (implemented by the fan-out agent). Any
 * thread (the stream's); never blocks.
 */
@FunctionalInterface
public interface BundleSink {
  /** Refuses every bundle: a store without fan-out treats one as malformed input. */
  BundleSink NONE = (bundle, writer, origin) -> DropReason.MALFORMED;

  /**
   * Takes a bundle whose members {@code writer} wrote.
   *
   * @param origin where later refusals of single members go
   * @return the refusal of the bundle as a whole, or null once every member was queued here,
   *     handed to the relay, or refused to {@code origin} on its own
   */
  @Nullable DropReason accept(Envelope bundle, StoreId writer, LateRefusals origin);
}
