/**
 * raftwire's encoding of jraft RPCs: {@link io.raftwire.adapter.jraft.codec.JraftCodec} puts a
 * jraft protobuf message into a call frame and an envelope (choosing its lane and exposing an
 * append's entries as log entries), and decodes envelopes back, reporting bad input as a typed
 * {@link io.raftwire.adapter.jraft.codec.MalformedFrameException}. {@link
 * io.raftwire.adapter.jraft.codec.MessageTypes} is the table of message types.
 *
 * <p>May call jraft's generated message classes, protobuf, and the transport SPI's value types;
 * nothing that sends or receives.
 */
package io.raftwire.adapter.jraft.codec;
