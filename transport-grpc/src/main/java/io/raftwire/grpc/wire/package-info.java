/**
 * The wire protocol (generated from {@code raftwire.proto}) and the codec between it and the SPI's
 * value types. Implementation: public for use by the sender and receiver packages only.
 *
 * <p>Decoding validates everything the SPI's factories validate; an envelope that does not pass
 * becomes a {@link io.raftwire.grpc.wire.MalformedEnvelopeException}, answered as {@code
 * MALFORMED}, never a crash.
 */
package io.raftwire.grpc.wire;
