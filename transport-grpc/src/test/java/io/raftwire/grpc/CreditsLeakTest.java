package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;

/** The leader's credits: what the streams lack is what the tracker will return. */
class CreditsLeakTest extends LeakConformance {
  @Override
  protected Holder holder(GrpcTransport leader, GrpcTransport follower) {
    return new Holder() {
      @Override
      public long heldBytes() {
        return read(leader, GrpcMetrics.CREDITS_TRACKED_BYTES);
      }

      @Override
      public long unaccountedBytes() {
        return read(leader, GrpcMetrics.CREDITS_UNACCOUNTED_BYTES);
      }
    };
  }
}
