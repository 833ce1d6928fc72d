/**
 * Zone fan-out: APPEND entries of one range cross a zone boundary once, to an agent store of the
 * remote zone that relays them to the other followers there. Internal, not API.
 *
 * <ul>
 *   <li>{@link io.raftwire.grpc.internal.fanout.BundlePlanner}: the rules (steady replication,
 *       in-step waiting, linger, backoff of unrewarded waits, agent choice), pure and driven by the
 *       caller's time;
 *   <li>{@link io.raftwire.grpc.internal.fanout.Bundler}: the sender's {@code AppendPolicy} that
 *       applies them to destinations;
 *   <li>{@link io.raftwire.grpc.internal.fanout.Agent}: the receiver's {@code BundleSink} that
 *       takes bundles apart and relays their members;
 *   <li>{@link io.raftwire.grpc.internal.fanout.BundleCodec}: a bundle on the wire;
 *   <li>{@link io.raftwire.grpc.internal.fanout.RelayRule}: which relays are allowed, on the agent
 *       and on the stores it relays to (no relay out of the agent's zone, none from outside it).
 * </ul>
 *
 * <p>Owns every fan-out concept; the SPI knows only that an APPEND's payload and entries travel
 * apart. May call the sender's ports ({@code AppendPolicy}, {@code AppendRoute}, {@code Relay}),
 * the receiver's ports ({@code BundleSink}, {@code Intake}, {@code LateRefusals}), {@code
 * internal.wire} and {@code internal.metrics}.
 */
@NullMarked
package io.raftwire.grpc.internal.fanout;

import org.jspecify.annotations.NullMarked;
