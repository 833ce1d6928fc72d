package io.raftwire.grpc;

import static io.raftwire.grpc.Readings.read;

/** The sender's budgets: the global one holds exactly what the lanes hold. */
class SenderBudgetsLeakTest extends LeakConformance {
  @Override
  protected Holder holder(GrpcTransport leader, GrpcTransport follower) {
    return new Holder() {
      @Override
      public long heldBytes() {
        return read(leader, GrpcMetrics.SENDER_GLOBAL_CHARGED_BYTES);
      }

      @Override
      public long unaccountedBytes() {
        long lanes = 0;
        for (String lane : new String[] {"control", "append", "snapshot"}) {
          lanes += read(leader, GrpcMetrics.SENDER_CHARGED_BYTES, FOLLOWER, lane);
        }
        return read(leader, GrpcMetrics.SENDER_GLOBAL_CHARGED_BYTES) - lanes;
      }

      @Override
      public boolean holdsWhileFollowerIsStuck() {
        return false;
      }
    };
  }
}
