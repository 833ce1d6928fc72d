package io.raftwire.grpc.internal.receiver;

import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.List;

/** Envelopes for receiver-internal tests. */
final class GrpcEnvelopes {
  private GrpcEnvelopes() {}

  static RaftEnvelope control(long range) {
    return base(range).trafficClass(TrafficClass.CONTROL).build();
  }

  static RaftEnvelope append(long range) {
    return append(range, Priority.REGULAR);
  }

  static RaftEnvelope append(long range, Priority priority) {
    return base(range).trafficClass(TrafficClass.APPEND).priority(priority)
        .entries(List.of(LogEntry.of(1, 1, new byte[10]))).build();
  }

  private static RaftEnvelope.Builder base(long range) {
    return RaftEnvelope.builder().range(RangeId.of(range)).from(ReplicaAddress.of(StoreId.of(1), 1))
        .to(ReplicaAddress.of(StoreId.of(2), 2)).payload(new byte[1]);
  }
}
