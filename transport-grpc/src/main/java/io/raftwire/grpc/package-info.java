/**
 * The gRPC transport: start one per store with {@link io.raftwire.grpc.GrpcTransport#start}.
 *
 * <p>This package is the whole public surface of the module: the transport interface, its
 * immutable configuration ({@link io.raftwire.grpc.GrpcTransportConfig}, {@link
 * io.raftwire.grpc.ReceiverLimits}, {@link io.raftwire.grpc.SnapshotConfig}), the {@link
 * io.raftwire.grpc.StoreResolver} SPI that maps stores to addresses and localities, and the names
 * of every metric ({@link io.raftwire.grpc.GrpcMetrics}, {@link io.raftwire.grpc.MetricName}).
 * Everything under {@code io.raftwire.grpc.internal} is implementation and carries no
 * compatibility promise; {@code GrpcTransportImpl}, the composition root, builds it.
 *
 * <p>The design record ({@code docs/design.md} in the repository) draws the parts, follows a
 * message from {@code send} to the library's handler, and lists what happens when a receiver is
 * slow, credits run out, a connection is lost mid-bundle, an agent dies, a snapshot is resumed, a
 * budget shrinks at runtime, and more, each with the test that shows it.
 */
@NullMarked
package io.raftwire.grpc;

import org.jspecify.annotations.NullMarked;
