/**
 * Coalesced heartbeats and store liveness: the SPI that lets a store carry many ranges.
 *
 * <p>{@link io.raftwire.heartbeat.Heartbeats} sends a range's heartbeat (or its answer) as a
 * compact {@link io.raftwire.message.Heartbeat} record; all records for one destination store go in
 * one wire message per flush and reach the destination's single {@link
 * io.raftwire.heartbeat.HeartbeatHandler} in one call. {@link io.raftwire.heartbeat.StoreLiveness}
 * says which peer stores are heard from, from a per-store-pair beacon, so that a library can let
 * idle ranges go quiet and rely on the store's liveness instead.
 */
package io.raftwire.heartbeat;
