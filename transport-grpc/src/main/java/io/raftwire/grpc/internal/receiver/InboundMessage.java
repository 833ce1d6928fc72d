package io.raftwire.grpc.internal.receiver;

import io.raftwire.message.RaftEnvelope;

/** A queued inbound message with the stream it came on (for late refusals). */
final class InboundMessage {
  final RaftEnvelope envelope;
  final long sizeBytes;
  final LateRefusals origin;
  final long enqueuedNanos;

  InboundMessage(RaftEnvelope envelope, LateRefusals origin, long enqueuedNanos) {
    this.envelope = envelope;
    this.sizeBytes = envelope.sizeBytes();
    this.origin = origin;
    this.enqueuedNanos = enqueuedNanos;
  }
}
