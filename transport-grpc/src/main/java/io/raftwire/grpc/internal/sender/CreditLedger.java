package io.raftwire.grpc.internal.sender;

import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;

/**
 * What the sender tells end-to-end flow control (implemented by the transport's flow control):
 * credits are deducted as APPENDs with entries are accepted, returned by the destination's
 * admission notices, by a drop, or all at once when the DATA stream to the destination ends.
 *
 * <p><b>Threads:</b> any (send callers, writer threads, gRPC callbacks). <b>Blocking:</b> never;
 * proposals woken by a return are completed by the implementation without blocking the caller
 * beyond their own callbacks. <b>Failure:</b> must not throw.
 */
public interface CreditLedger {
  /** The sender will send to {@code destination} from now on (first use). */
  void destinationAdded(StoreId destination);

  /** An APPEND with entries was accepted for its destination: deduct its bytes. */
  void deducted(RaftEnvelope append);

  /** An accepted APPEND with entries will not be delivered: return exactly its deduction. */
  void returned(RaftEnvelope append);

  /** {@code destination} admitted the entries of {@code range} up to {@code upToIndex}. */
  void admitted(RangeId range, StoreId destination, Priority priority, long upToIndex);

  /** The DATA stream to {@code destination} ended: its admission notices cannot come now. */
  void disconnected(StoreId destination);

  /**
   * A frame written on the DATA stream to {@code destination} was acknowledged {@code nanos} after
   * it was written (for credit windows sized from measurements; ignoring it is correct).
   */
  void roundTrip(StoreId destination, long nanos);

  /** True while deducted credits wait for {@code destination}'s admission notices. */
  boolean hasOutstanding(StoreId destination);
}
