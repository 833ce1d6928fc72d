package io.raftwire.heartbeat;

import io.raftwire.topology.StoreId;
import java.util.OptionalLong;

/**
 * Which peer stores this store hears from. Every transport beacons each peer store it has a stream
 * to every {@link #beaconIntervalNanos()}; any frame a peer sends counts as hearing from it.
 *
 * <p>A library may let a range go quiet (stop heartbeating an idle range) only while its followers'
 * stores find the leader's store live, and must wake the range (heartbeat or campaign) when it is
 * not: a store that is heard from is up and connected, which is what per-range heartbeats of an
 * idle range would otherwise prove once per range.
 *
 * <p>Thread-safe and cheap: a map lookup and a clock read.
 */
public interface StoreLiveness {
  /**
   * {@return true if {@code store} was heard from within the last {@link #livenessTimeoutNanos()}}
   *
   * @param store a peer store
   */
  boolean isLive(StoreId store);

  /**
   * {@return when {@code store} was last heard from, on the transport's timebase, or empty if never
   * since this transport started}
   *
   * @param store a peer store
   */
  OptionalLong lastHeardNanos(StoreId store);

  /** {@return how often this transport beacons each peer store it has a stream to} */
  long beaconIntervalNanos();

  /** {@return how long a store stays live after it was last heard from} */
  long livenessTimeoutNanos();
}
