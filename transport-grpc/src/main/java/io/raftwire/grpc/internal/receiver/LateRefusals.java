package io.raftwire.grpc.internal.receiver;

import io.raftwire.grpc.internal.wire.RefusalCode;
import io.raftwire.message.RaftEnvelope;

/**
 * Reports a message that was acknowledged but will not be delivered, on the stream it came on (the
 * sender forgot it when it was acknowledged, so the refusal echoes it whole). Any thread; never
 * blocks: what cannot be reported within the stream's budget is counted as unreported.
 */
@FunctionalInterface
public interface LateRefusals {
  void refuseLate(RaftEnvelope envelope, RefusalCode code);
}
