package io.raftwire.grpc.internal.receiver;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import java.util.List;

/**
 * Told, per delivered batch, of the APPENDs with entries a handler took without failing (flow
 * control queues them for logical admission unless the library reports durability itself). Called
 * on a worker thread, serially per range; must not block.
 */
@FunctionalInterface
public interface DeliveredAppends {
  void delivered(RangeId range, List<RaftEnvelope> appends);
}
