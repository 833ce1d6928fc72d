package io.raftwire.grpc.sender;

import io.raftwire.message.RaftEnvelope;

/** One accepted message on its way: queued, then in flight until acknowledged. */
final class Outbound {
  final RaftEnvelope envelope;
  final long sizeBytes;
  final long enqueuedNanos;
  /** Stream sequence number, assigned when written; 0 while queued. */
  long seq;

  Outbound(RaftEnvelope envelope, long enqueuedNanos) {
    this.envelope = envelope;
    this.sizeBytes = envelope.sizeBytes();
    this.enqueuedNanos = enqueuedNanos;
  }

  int lane() {
    return envelope.trafficClass().ordinal();
  }
}
