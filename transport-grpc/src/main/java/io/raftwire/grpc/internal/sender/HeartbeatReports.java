package io.raftwire.grpc.internal.sender;

import io.raftwire.message.Heartbeat;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;

/**
 * Where a destination's heartbeat queue reports heartbeats it accepted that will not be delivered.
 * Called from writer and network threads; must not block.
 */
public interface HeartbeatReports {
  /** The heartbeats of one lost or refused flush to {@code to}, not empty. */
  void undelivered(StoreId to, List<Heartbeat> heartbeats, DropReason reason);
}
