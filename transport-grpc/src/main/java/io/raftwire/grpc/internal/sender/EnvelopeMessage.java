package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.RaftEnvelope;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Outbound} of one envelope, charged to the lane budget of its destination; its drops
 * end in {@link Drops}.
 */
public abstract class EnvelopeMessage extends Outbound {
  private final RaftEnvelope envelope;
  final Drops drops;
  /** The lane budget its bytes were taken from; set once by the lanes, cleared by release. */
  private volatile @Nullable ByteBudget charged;

  EnvelopeMessage(RaftEnvelope envelope, long enqueuedNanos, Drops drops) {
    super(envelope.trafficClass(), envelope.range(), envelope.sizeBytes(), enqueuedNanos);
    this.envelope = envelope;
    this.drops = drops;
  }

  /** The envelope, as the library handed it over. */
  public final RaftEnvelope envelope() {
    return envelope;
  }

  /** Records the budget its bytes were taken from (by its destination's lanes). */
  final void chargedTo(ByteBudget lane) {
    if (charged != null) {
      throw new IllegalStateException(envelope + " charged twice");
    }
    charged = lane;
  }

  @Override
  public final void release() {
    ByteBudget lane = charged;
    charged = null;
    if (lane == null) {
      throw new IllegalStateException(envelope + " released without a charge");
    }
    lane.release(sizeBytes());
  }
}
