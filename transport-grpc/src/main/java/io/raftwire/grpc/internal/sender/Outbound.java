package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;

/**
 * One accepted item on its way to one destination: queued in a lane, then in flight on a stream
 * until the destination acknowledges it. The lanes and stream writers handle every kind alike; the
 * kind decides how it is encoded, what giving back its charges means and whom a drop is reported
 * to. Kinds: envelopes ({@link EnvelopeMessage}, this store's own or relayed for another store as a
 * zone fan-out agent) and fan-out bundles (in the fan-out package).
 *
 * <p>Life: {@link #release} exactly once (acknowledged, refused or dropped), then, if it will not
 * be delivered, {@link #dropped} once. The writer sets the sequence number under its own lock.
 */
public abstract class Outbound {
  private final TrafficClass lane;
  private final Priority priority;
  private final RangeId range;
  private final long sizeBytes;
  private final long enqueuedNanos;
  /** The stream sequence number, set by the writer when written; 0 while queued. */
  long seq;
  /** When the writer numbered it for writing, on the transport's timebase; 0 while queued. */
  long writtenNanos;

  protected Outbound(TrafficClass lane, Priority priority, RangeId range, long sizeBytes, long enqueuedNanos) {
    this.lane = lane;
    this.priority = priority;
    this.range = range;
    this.sizeBytes = sizeBytes;
    this.enqueuedNanos = enqueuedNanos;
  }

  /** The lane it waits in. */
  public final TrafficClass lane() {
    return lane;
  }

  /** The priority it is queued and written at (regular before elastic). */
  public final Priority priority() {
    return priority;
  }

  /** Its range (lanes are FIFO per range). */
  public final RangeId range() {
    return range;
  }

  /** What it costs on the wire and in budgets. */
  public final long sizeBytes() {
    return sizeBytes;
  }

  /** When it was accepted. */
  public final long enqueuedNanos() {
    return enqueuedNanos;
  }

  /** Adds its wire envelope for the stream to {@code destination}, with stream sequence {@code seq}, to {@code frame}. */
  public abstract void addTo(OutboundFrame.Builder frame, long seq, StoreId destination);

  /** Gives back the budget charges held for it. Called exactly once (this or the batched form). */
  public abstract void release();

  /**
   * Gives back its budget charges through {@code batch}, which releases them when flushed; the
   * same as {@link #release()} for a kind that does not gather.
   */
  void release(Releases batch) {
    release();
  }

  /** It will not be delivered: tells whoever must know. Called at most once, after release. */
  public abstract void dropped(DropReason reason);
}
