/**
 * The gRPC transport: start one per store with {@link io.raftwire.grpc.GrpcTransport#start}.
 *
 * <p>This package is the public surface: the transport interface, its immutable configuration
 * ({@link io.raftwire.grpc.GrpcTransportConfig}, {@link io.raftwire.grpc.ReceiverLimits}) and the
 * {@link io.raftwire.grpc.StoreResolver} SPI that maps stores to addresses. The subpackages
 * {@code wire}, {@code sender} and {@code receiver} are implementation: their public classes carry
 * no compatibility promise.
 *
 * <h2>What happens if</h2>
 *
 * <ol>
 *   <li><b>A receiver's handler is slow.</b> Its range's APPEND queue fills to {@link
 *       io.raftwire.grpc.ReceiverLimits#rangeAppendQueueBytes()}; further APPENDs for that range are
 *       refused ({@code RECEIVER_BUDGET}) and reported to the sender's drop listeners. Other ranges
 *       and all CONTROL traffic keep flowing.
 *   <li><b>The network is slower than the senders.</b> The data stream stops being ready, messages
 *       wait in the sender's lanes, and once a lane's budget is full {@code send} refuses with
 *       {@code LANE_BUDGET}. Heartbeats travel on their own stream and connection and have their own
 *       lane, so they are not held back.
 *   <li><b>A destination goes down.</b> Every message written but not yet acknowledged, and every
 *       message still queued for it, is reported {@code UNREACHABLE}; the breaker opens, {@code
 *       send} refuses fast and {@code isReachable} says false; a probe reconnects after an
 *       exponential backoff with jitter, and traffic resumes when the destination answers.
 *   <li><b>A peer sends garbage.</b> A frame that does not parse ends that stream with {@code
 *       INVALID_ARGUMENT}; an envelope that parses but makes no sense is refused {@code MALFORMED};
 *       both are counted. Other streams are unaffected; nothing is thrown into the process.
 *   <li><b>A message is larger than the receiver allows, is for another store, or for a range
 *       nobody registered.</b> It is refused with {@code TOO_LARGE}, {@code WRONG_DESTINATION} or
 *       {@code UNKNOWN_RANGE} on the response stream, counted, and reported by the sender.
 *   <li><b>The transport closes.</b> Queued and unacknowledged outbound messages are reported
 *       {@code CLOSED}; inbound queued messages are refused {@code CLOSED} to their senders.
 * </ol>
 */
package io.raftwire.grpc;
