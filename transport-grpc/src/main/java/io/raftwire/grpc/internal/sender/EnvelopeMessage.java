package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Outbound} of one envelope, charged to the lane budget of its destination. Two kinds:
 * a message of this store's library (its drop returns its credits and reaches the listeners), and
 * a message another store wrote that this store relays as its zone's fan-out agent (it names its
 * writer on the wire, holds no credits here, and its drop goes back to the writer).
 */
public final class EnvelopeMessage extends Outbound {
  private final RaftEnvelope envelope;
  private final Drops drops;
  private final boolean relayed;
  /** The lane budget its bytes were taken from; set once by the lanes, cleared by release. */
  private volatile @Nullable ByteBudget charged;

  /** A second budget charged beside the lane's (the sender's elastic share), or null. */
  private volatile @Nullable ByteBudget alsoCharged;

  private EnvelopeMessage(RaftEnvelope envelope, long enqueuedNanos, Drops drops, boolean relayed) {
    super(envelope.trafficClass(), envelope.priority(), envelope.range(), envelope.sizeBytes(), enqueuedNanos);
    this.envelope = envelope;
    this.drops = drops;
    this.relayed = relayed;
  }

  /** A message of this store's library, accepted at {@code enqueuedNanos}. */
  static EnvelopeMessage own(RaftEnvelope envelope, long enqueuedNanos, Drops drops) {
    return new EnvelopeMessage(envelope, enqueuedNanos, drops, false);
  }

  /** A message {@code envelope.from().store()} wrote, relayed by this store. */
  static EnvelopeMessage relayed(RaftEnvelope envelope, long enqueuedNanos, Drops drops) {
    return new EnvelopeMessage(envelope, enqueuedNanos, drops, true);
  }

  /** The envelope, as its library handed it over. */
  public RaftEnvelope envelope() {
    return envelope;
  }

  /** True if this store relays it for its writer (no credits here). */
  boolean isRelayed() {
    return relayed;
  }

  /**
   * Records the budgets its bytes were taken from (by its destination's lanes): its lane's and,
   * for an elastic APPEND, the sender's elastic share.
   */
  void chargedTo(ByteBudget lane, @Nullable ByteBudget also) {
    if (charged != null) {
      throw new IllegalStateException(envelope + " charged twice");
    }
    alsoCharged = also;
    charged = lane;
  }

  @Override
  public void addTo(OutboundFrame.Builder frame, long seq, StoreId destination) {
    frame.add(envelope, seq, relayed);
  }

  @Override
  public void release() {
    Releases one = new Releases();
    release(one);
    one.flush();
  }

  @Override
  void release(Releases batch) {
    ByteBudget lane = charged;
    charged = null;
    if (lane == null) {
      throw new IllegalStateException(envelope + " released without a charge");
    }
    batch.add(lane, sizeBytes());
    ByteBudget also = alsoCharged;
    alsoCharged = null;
    if (also != null) {
      batch.add(also, sizeBytes());
    }
  }

  @Override
  public void dropped(DropReason reason) {
    if (relayed) {
      drops.relayed(envelope, reason);
    } else {
      drops.own(envelope, reason);
    }
  }
}
