package io.raftwire.grpc.internal.receiver;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropReason;
import org.jspecify.annotations.Nullable;

/**
 * Where an arriving message is checked and queued for its range's handler: implemented by the
 * receiver's range queues, called by the stream intake and by the zone fan-out agent for bundle
 * members addressed to this store. Any thread; never blocks.
 */
public interface Intake {
  /**
   * Checks and queues {@code envelope}; a later refusal (handler failure, unregistration, close)
   * is reported to {@code origin}.
   *
   * @return the refusal reason, or null if queued
   */
  default @Nullable DropReason admit(RaftEnvelope envelope, LateRefusals origin) {
    return admit(envelope, origin, null);
  }

  /**
   * Checks and queues {@code envelope} as one of a batch: a range it makes ready is added to
   * {@code ready} (when not null) instead of being handed to a worker at once; the caller hands
   * the batch over with {@link #schedule} once it has taken the whole frame, so many ranges cost
   * one scheduler lock and at most one wake-up.
   *
   * @return the refusal reason, or null if queued
   */
  @Nullable DropReason admit(RaftEnvelope envelope, LateRefusals origin, @Nullable ReadyRanges ready);

  /** Hands the ranges collected in {@code ready} to the workers, and clears it. */
  void schedule(ReadyRanges ready);

  /** True once the receiver is closing: nothing more is admitted. */
  boolean closed();
}
