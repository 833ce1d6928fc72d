package io.raftwire.heartbeat;

import io.raftwire.message.Heartbeat;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;

/**
 * Coalesced heartbeats: a transport's facility for the small, periodic messages every range's
 * leader sends to every follower, and their answers. A store with many ranges would otherwise send
 * one envelope per range per tick to each peer store, each with its own sequence number,
 * acknowledgement, budget charge and handler call; here every heartbeat queued for one destination
 * store travels in one wire message per flush and is handed to the destination's one {@link
 * HeartbeatHandler} in one call.
 *
 * <p><b>Coalescing.</b> A heartbeat queued while another with the same range, sender and receiver
 * waits unsent replaces it: only the newest state travels, which is what Raft needs of a heartbeat.
 * Heartbeats are written before any envelope on the destination's CONTROL stream and have a byte
 * budget of their own per destination, so they never take room from votes, responses or appends,
 * and those never delay them.
 *
 * <p><b>Fate.</b> Every heartbeat {@link #send} accepts is either delivered to the destination's
 * handler or reported once to this store's handler as {@link HeartbeatHandler#undelivered} (a lost
 * connection, a destination without a heartbeat handler or without room, a close). As for envelopes,
 * a heartbeat whose connection broke after it was written is reported although it may have arrived.
 * A heartbeat {@link #send} refuses is not reported again.
 *
 * <p><b>Liveness.</b> Each transport also sends a tiny beacon to every peer store it has a stream
 * to, so that {@link #liveness()} can tell whether a store is heard from at all: the signal a library
 * needs before it lets idle ranges stop heartbeating (quiescence).
 *
 * <p>Thread-safe; no method blocks.
 */
public interface Heartbeats {
  /**
   * Queues {@code heartbeat} for its destination store; never blocks.
   *
   * @param heartbeat a heartbeat from a replica on this store
   * @return accepted, or refused with {@link DropReason#LANE_BUDGET} (the destination's heartbeat
   *     budget is full: a saturation metric counts it), {@link DropReason#UNREACHABLE}, {@link
   *     DropReason#WRONG_SOURCE} (its sender is not on this store) or {@link DropReason#CLOSED}
   */
  SendResult send(Heartbeat heartbeat);

  /**
   * Registers this store's heartbeat handler; at most one at a time. Until one is registered,
   * arriving heartbeats are refused and reported to their sender as {@link DropReason#UNKNOWN_RANGE}.
   *
   * @param handler the handler; see its contract
   * @return the registration; closing it waits for a delivery in progress on another thread
   * @throws IllegalStateException if a handler is registered already, or the transport is closed
   */
  Registration register(HeartbeatHandler handler);

  /** {@return which peer stores this store hears from} */
  StoreLiveness liveness();
}
