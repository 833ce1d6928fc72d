/**
 * Coalesced heartbeats and store liveness of a gRPC transport: the {@code Heartbeats} facility,
 * the store-level inbox that hands arriving heartbeat messages and undelivered reports to the
 * one heartbeat handler, and the record of which peer stores are heard from. The sending side (a
 * heartbeat queue per destination, flushed ahead of the CONTROL lane) lives with the other lanes
 * in the sender package; this package connects the two.
 */
package io.raftwire.grpc.internal.heartbeat;
