package io.raftwire.grpc.internal.sender;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropReason;
import org.jspecify.annotations.Nullable;

/** Queues messages another store wrote for a store of this store's zone (the fan-out agent's relay). */
public interface Relay {
  /**
   * Queues {@code member} (written by {@code member.from().store()}) for its destination, which
   * must be in this store's zone. No credits are charged here; a later drop is reported to the
   * writer through the sender's {@link RelayDrops}. Never blocks.
   *
   * @return the refusal ({@code WRONG_DESTINATION} for a store of another zone), or null if queued
   */
  @Nullable DropReason relay(RaftEnvelope member);
}
