package io.raftwire.testkit;

import io.raftwire.testkit.conformance.RaftTransportConformance;
import io.raftwire.testkit.conformance.TransportHarness;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.TransportLimits;

/** The reference transport passes the conformance suite. */
class InMemoryTransportConformanceTest extends RaftTransportConformance {

  @Override
  protected TransportHarness newHarness() {
    InMemoryNetwork network = InMemoryNetwork.create();
    return new TransportHarness() {
      @Override
      public RaftTransport start(StoreId store, TransportLimits limits) {
        return network.newTransport(store, limits);
      }

      @Override
      public long maxBufferedBytes(TransportLimits limits) {
        // A message stays charged to the sender's lane until its handler returns.
        return limits.appendLaneBytes();
      }

      @Override
      public void close() {
        network.close();
      }
    };
  }
}
