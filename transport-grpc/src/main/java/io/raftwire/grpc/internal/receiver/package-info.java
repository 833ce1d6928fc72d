/**
 * The receiving side of the gRPC transport. Internal, not API.
 *
 * <pre>
 *  stream ─► StreamIntake: parse, hello, per-envelope checks, coalesced acks and refusals
 *              ├─► BundleSink (zone fan-out agent) for bundles
 *              └─► Intake = RangeQueues: per-range CONTROL | APPEND queues, budgets under shared ones
 *                    └─► RangeScheduler workers ─► Delivery ─► the range's handler
 *  CreditReturns: flow control's "admitted" notices ─► the leader's newest DATA stream (InboundStreams)
 * </pre>
 *
 * <p>Owns: the gRPC service of Raft streams, the registry of inbound streams, range queues,
 * scheduling and delivery, credit returns. Every arriving envelope is acknowledged (the ack's
 * watermark releases the sender's budget) and, if refused, refused by sequence number with a typed
 * code; messages refused after they were queued are echoed back whole ({@link
 * io.raftwire.grpc.internal.receiver.LateRefusals}).
 *
 * <p>May call: {@code internal.budget}, {@code internal.wire}, {@code internal.metrics}, the
 * handlers the library registered, and its ports: {@link
 * io.raftwire.grpc.internal.receiver.BundleSink} (zone fan-out), {@link
 * io.raftwire.grpc.internal.receiver.DeliveredAppends} (flow control) and {@link
 * io.raftwire.grpc.internal.receiver.VerifiedHellos} (the peers' breakers). Nothing here calls the
 * sender or the peers.
 */
@NullMarked
package io.raftwire.grpc.internal.receiver;

import org.jspecify.annotations.NullMarked;
