/**
 * The sending side of the gRPC transport. Implementation: public classes here carry no
 * compatibility promise.
 *
 * <pre>
 *  send ─► OutboundQueue[destination] ─► Connection CONTROL ══ stream ══► (own TCP connection)
 *            lanes CONTROL | APPEND (DRR) | SNAPSHOT
 *            byte budgets per lane + global            Connection DATA ══ stream ══►
 * </pre>
 *
 * <p>A message is charged to its lane's budget and the global budget from {@code send} until the
 * receiver acknowledges it (or it is dropped), so the bytes a sender holds in queues, in gRPC's
 * buffers and on the wire never exceed its budgets. A {@link io.raftwire.grpc.sender.Connection}
 * writes only while its stream is ready, many messages per frame, CONTROL on its own stream; a
 * {@link io.raftwire.grpc.sender.Destination} owns the breaker that fails sends fast while the peer
 * is down and probes it back with exponential backoff and jitter. {@link
 * io.raftwire.grpc.sender.FanOut} bundles steady APPENDs of one range to several followers of one
 * remote zone into one message to an agent store of that zone (zone fan-out); its class comment
 * states the rules for bundling, the agent and failures.
 */
package io.raftwire.grpc.sender;
