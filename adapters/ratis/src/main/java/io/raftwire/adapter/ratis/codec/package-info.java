/**
 * The wire form of Apache Ratis's server-to-server RPCs inside raftwire envelopes: a fixed header
 * (kind, message type, call id, the sender's incarnation) followed by Ratis's own protobuf bytes,
 * the lane and priority each message takes, and the checks that turn hostile bytes into a {@link
 * io.raftwire.adapter.ratis.codec.MalformedFrameException} instead of an exception inside Ratis.
 *
 * <p>Ratis's messages are generated against the protobuf runtime Ratis shades into {@code
 * ratis-thirdparty} ({@code org.apache.ratis.thirdparty.com.google.protobuf}); this package uses
 * that runtime only and never mixes it with raftwire's own protobuf-java.
 */
package io.raftwire.adapter.ratis.codec;
