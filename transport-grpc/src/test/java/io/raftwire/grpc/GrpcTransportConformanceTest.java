package io.raftwire.grpc;

import io.raftwire.testkit.conformance.RaftTransportConformance;
import io.raftwire.testkit.conformance.TransportHarness;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.TransportLimits;

/** The gRPC transport passes the conformance suite over real sockets on 127.0.0.1. */
class GrpcTransportConformanceTest extends RaftTransportConformance {

  @Override
  protected TransportHarness newHarness() {
    GrpcCluster cluster = new GrpcCluster();
    return new TransportHarness() {
      @Override
      public RaftTransport start(StoreId store, TransportLimits limits) {
        return cluster.start(store, limits);
      }

      @Override
      public long maxBufferedBytes(TransportLimits limits) {
        // Charged at the sender until acknowledged, then bounded by the range's receive queue.
        return limits.appendLaneBytes() + GrpcCluster.receiverLimitsFor(limits).rangeAppendQueueBytes();
      }

      @Override
      public void close() {
        cluster.close();
      }
    };
  }
}
