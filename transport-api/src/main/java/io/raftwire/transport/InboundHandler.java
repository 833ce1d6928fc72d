package io.raftwire.transport;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import java.util.List;

/**
 * Receives the inbound messages of one range, registered with {@link RaftTransport#register}.
 *
 * <p><b>Threads:</b> called from transport worker threads. Calls for one range are serial: never two
 * at once, and everything a call did happens-before the next call for that range starts, so a
 * handler needs no locking for per-range state. Calls for different ranges run in parallel.
 *
 * <p><b>Order:</b> a batch lists CONTROL messages first, then the rest. Within a traffic class,
 * messages from one sending store arrive in the order that store's {@code send} accepted them
 * (per-range FIFO within a lane). A CONTROL message may overtake earlier APPEND or SNAPSHOT
 * messages: that is the point of lanes.
 *
 * <p><b>Blocking:</b> should return quickly (hand work to the library's own thread). While it
 * blocks, the range's later messages wait and count against the budgets, so senders see
 * refusals or drops; other ranges are unaffected as long as worker threads remain.
 *
 * <p><b>Failure:</b> if it throws, the transport logs and counts the failure, reports every message
 * of the batch to the sender as {@link DropReason#HANDLER_FAILED}, and keeps delivering later
 * batches.
 */
@FunctionalInterface
public interface InboundHandler {
  /**
   * Delivers a batch of messages for {@code range}.
   *
   * @param range the range the handler was registered for
   * @param batch one or more messages, unmodifiable, valid only for the duration of the call
   */
  void deliver(RangeId range, List<RaftEnvelope> batch);
}
