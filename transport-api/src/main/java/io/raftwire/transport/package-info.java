/**
 * The transport SPI a Raft library (through its adapter) programs against.
 *
 * <p>{@link io.raftwire.transport.RaftTransport} sends {@link io.raftwire.message.RaftEnvelope}s
 * without blocking and says why when it refuses one ({@link io.raftwire.transport.SendResult},
 * {@link io.raftwire.transport.DropReason}); it delivers inbound messages to one {@link
 * io.raftwire.transport.InboundHandler} per range, serially per range and in batches; and it tells
 * {@link io.raftwire.transport.DropListener}s about every message that will not be delivered, so
 * the library can probe or resend (Raft's "report unreachable").
 *
 * <h2>Fate of a message</h2>
 *
 * Every envelope passed to {@code send} ends in exactly one of: refused by {@code send} (the result
 * names the reason, and drop listeners are told), delivered to the destination range's handler, or
 * reported to the drop listeners after acceptance. The one exception is a loss the transport cannot
 * observe (a connection that breaks after the bytes were written): such messages are reported as
 * {@link io.raftwire.transport.DropReason#UNREACHABLE} although they may have been delivered, which
 * Raft tolerates (it tolerates duplicates and loss, not silence).
 *
 * <h2>Budgets</h2>
 *
 * Queued bytes are bounded per destination and lane and across all destinations ({@link
 * io.raftwire.transport.TransportLimits}); limits can be changed at runtime.
 */
package io.raftwire.transport;
