package io.raftwire.snapshot;

/** Why a snapshot is sent; the recipient's queue serves catch-up before rebalancing. */
public enum SnapshotPurpose {
  /** A follower fell behind the leader's log: it is unavailable until it gets one. */
  CATCH_UP,
  /** A new replica (rebalancing, up-replication): nothing waits on it but the plan. */
  REBALANCE
}
