package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;

/** The follower's receive queues: bytes are held only with messages queued. */
class ReceiverQueuesLeakTest extends LeakConformance {
  @Override
  protected Holder holder(GrpcTransport leader, GrpcTransport follower) {
    return new Holder() {
      @Override
      public long heldBytes() {
        return read(follower, GrpcMetrics.RECEIVER_QUEUED_APPEND_BYTES)
            + read(follower, GrpcMetrics.RECEIVER_QUEUED_CONTROL_BYTES);
      }

      @Override
      public long unaccountedBytes() {
        long bytes = heldBytes();
        return read(follower, GrpcMetrics.RECEIVER_QUEUED_MESSAGES) == 0 ? bytes : 0;
      }
    };
  }
}
