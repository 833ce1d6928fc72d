/**
 * The benchmark harness: scenarios that put raftwire side by side with baseline transports
 * written the way Raft users write them today ({@code fifo}: one unbounded queue and one write per
 * message; {@code unary}: one RPC per message) and with {@code raw} gRPC streaming of the same
 * batches (the ceiling), all measured in the same process run and reported as medians and
 * spreads over several runs. Speed claims live here, never in unit-test timers.
 */
package io.raftwire.bench;
