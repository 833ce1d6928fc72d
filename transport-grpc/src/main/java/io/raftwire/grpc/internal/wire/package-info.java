/**
 * The wire protocol: the classes generated from {@code raftwire.proto} and {@code snapshot.proto}
 * and {@link io.raftwire.grpc.internal.wire.WireCodec}, the mapping between them and the SPI's
 * value types. Internal, not API: public so that the transport's other packages (and benchmark
 * baselines that speak the same protocol) can use it. Depends on the SPI, protobuf and gRPC only.
 *
 * <p>Decoding validates everything the SPI's factories validate; an envelope that does not pass
 * becomes a {@link io.raftwire.grpc.internal.wire.MalformedEnvelopeException}, answered as {@code
 * MALFORMED}, never a crash.
 */
@NullMarked
package io.raftwire.grpc.internal.wire;

import org.jspecify.annotations.NullMarked;
