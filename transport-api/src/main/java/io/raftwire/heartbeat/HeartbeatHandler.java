package io.raftwire.heartbeat;

import io.raftwire.message.Heartbeat;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;

/**
 * A store's receiver of coalesced heartbeats, registered with {@link Heartbeats#register}.
 *
 * <p><b>Threads.</b> Both methods are called from transport threads, never concurrently with
 * themselves or each other, and must not block: a handler that waits holds every heartbeat of the
 * store behind it. The lists are immutable and valid only during the call; the heartbeats in them
 * may be kept.
 *
 * <p><b>Failures.</b> What a method throws is caught, logged and counted ({@code
 * receiver.heartbeats.handler_failures}); the heartbeats of that call count as delivered.
 */
public interface HeartbeatHandler {
  /**
   * Heartbeats that arrived from {@code from}, in the order they were queued there, at most one per
   * (range, sender replica, receiver replica). The handler routes each to its range; a heartbeat
   * for a range this store does not host is the handler's to ignore.
   *
   * @param from the sending store
   * @param heartbeats one wire message's heartbeats, not empty
   */
  void deliver(StoreId from, List<Heartbeat> heartbeats);

  /**
   * Heartbeats this store accepted for {@code to} that will not be delivered, each reported once:
   * the library's cue that a follower may not have heard its leader (as {@code DropListener} is for
   * envelopes).
   *
   * @param to the destination store
   * @param heartbeats the heartbeats of one lost or refused wire message, not empty
   * @param reason why
   */
  void undelivered(StoreId to, List<Heartbeat> heartbeats, DropReason reason);
}
