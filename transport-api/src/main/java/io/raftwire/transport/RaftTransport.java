package io.raftwire.transport;

import io.raftwire.flow.FlowControl;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Optional;

/**
 * Moves Raft messages between stores. One instance per store, shared by all ranges on it.
 *
 * <p><b>Threads:</b> every method is thread-safe and may be called from any thread, including from
 * inside an {@link InboundHandler} or {@link DropListener}.
 *
 * <p><b>Blocking:</b> {@link #send}, {@link #isReachable}, {@link #limits} and {@link
 * #updateLimits} never block. {@link #register} and {@link #addDropListener} take a short lock.
 * {@link #close()} waits, bounded, for worker threads to finish.
 *
 * <p><b>Failure:</b> runtime conditions (budgets, unreachable peers, closing) are never thrown:
 * {@link #send} returns them as a {@link SendResult}. Exceptions are for programming errors: a null
 * argument ({@link NullPointerException}), a range registered twice or a registration after close
 * ({@link IllegalStateException}).
 *
 * <p><b>Close:</b> {@link #close()} is idempotent. It refuses further sends ({@link
 * DropReason#CLOSED}), reports every message still queued in either direction as {@link
 * DropReason#CLOSED} (to this store's listeners for outbound messages, to the sending store for
 * inbound ones) before it returns, and starts no delivery after it returns. It does not wait for
 * queued messages to drain: Raft resends what matters.
 */
public interface RaftTransport extends AutoCloseable {

  /** {@return the store this transport sends from and delivers to} */
  StoreId localStore();

  /**
   * Queues {@code envelope} for its destination store without blocking.
   *
   * <p>Refused, with the reason, when the transport is closed, the envelope's {@code from} store is
   * not {@link #localStore()}, it is larger than {@link TransportLimits#maxMessageBytes()}, the
   * destination is unreachable, or a byte budget is full. A refusal is also told to the drop
   * listeners (asynchronously). An accepted message is delivered or later reported to the drop
   * listeners.
   *
   * @param envelope the message; its {@code from} store must be {@link #localStore()}
   * @return accepted (the transport now owns the message's fate) or refused with the reason
   * @throws NullPointerException if {@code envelope} is null
   */
  SendResult send(RaftEnvelope envelope);

  /**
   * Whether messages to {@code store} currently have a chance of delivery: the store is known and,
   * as far as this transport can tell, up and connected (not partitioned, breaker closed). A
   * {@code true} is no promise; a {@code false} means {@code send} would refuse or drop now.
   *
   * @param store the destination store asked about
   * @return whether a message to {@code store} has a chance of delivery now
   * @throws NullPointerException if {@code store} is null
   */
  boolean isReachable(StoreId store);

  /**
   * Registers the handler for the inbound messages of {@code range}. Messages that arrive for a
   * range without a handler are reported to their senders as {@link DropReason#UNKNOWN_RANGE}.
   *
   * @param range the range whose inbound messages the handler receives
   * @param handler the handler; called serially for the range (see {@link InboundHandler})
   * @return the registration; closing it unregisters the handler (see {@link Registration#close()})
   * @throws IllegalStateException if {@code range} already has a handler or the transport is closed
   * @throws NullPointerException if an argument is null
   */
  Registration register(RangeId range, InboundHandler handler);

  /**
   * Adds a listener told about every message that will not be delivered (see {@link DropListener}).
   *
   * @param listener the listener; called from a transport notification thread (see {@link
   *     DropListener})
   * @return the registration; closing it removes the listener
   * @throws IllegalStateException if the transport is closed
   * @throws NullPointerException if {@code listener} is null
   */
  Registration addDropListener(DropListener listener);

  /** {@return the limits in force now} */
  TransportLimits limits();

  /**
   * Replaces the limits, effective for the next {@code send}. Lowering a budget below what is
   * queued refuses new messages until the queue drains below it; nothing already accepted is
   * dropped because of the change.
   *
   * @param limits the new limits, replacing all of the old ones
   * @throws NullPointerException if {@code limits} is null
   */
  void updateLimits(TransportLimits limits);

  /**
   * The transport's end-to-end flow control and admission, if it has them; the default has none
   * (every proposal may go ahead, nothing is throttled).
   *
   * @return the flow control, or empty if the transport has none
   */
  default Optional<FlowControl> flowControl() {
    return Optional.empty();
  }

  /**
   * The transport's snapshot transfers, if it has them; the default has none.
   *
   * @return the snapshot transfers, or empty if the transport has none
   */
  default Optional<io.raftwire.snapshot.SnapshotTransfers> snapshots() {
    return Optional.empty();
  }

  /**
   * The transport's coalesced heartbeats and store liveness, if it has them; the default has none,
   * and an adapter then sends heartbeats as CONTROL envelopes.
   *
   * @return the heartbeat facility, or empty if the transport has none
   */
  default Optional<io.raftwire.heartbeat.Heartbeats> heartbeats() {
    return Optional.empty();
  }

  /** Closes the transport; see the class documentation. Idempotent. */
  @Override
  void close();
}
