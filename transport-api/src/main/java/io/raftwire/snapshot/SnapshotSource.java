package io.raftwire.snapshot;

import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.util.Optional;

/**
 * The library's side of sending snapshots: it generates a snapshot of a range on request and tells
 * the transport what its replica of a range knows, so cached snapshots and delegated sends are only
 * used while they can still help. Called from transport threads, never the Raft node's; {@link
 * #open} may block for as long as generating takes, the other methods must not block.
 */
public interface SnapshotSource {
  /**
   * Generates (or opens the already generated) latest snapshot of {@code range}. The transport
   * calls it only after the recipient granted the transfer a slot.
   *
   * @param range the range to snapshot; one this store hosts a replica of
   * @return a read view the transport closes when done with it
   * @throws IOException the transfer then fails with {@code SOURCE_FAILED}
   */
  SnapshotView open(RangeId range) throws IOException;

  /**
   * What this store's replica of {@code range} knows, or empty if it hosts no replica. Must be
   * cheap: called on every transfer and delegation request.
   *
   * @param range the range asked about
   * @return the replica's state now, or empty if this store hosts no replica of {@code range}
   */
  Optional<ReplicaState> state(RangeId range);
}
