package io.raftwire.grpc.internal.heartbeat;

import io.raftwire.heartbeat.StoreLiveness;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each peer store was last heard from: any frame on a stream whose hello passed the checks.
 * Holds one entry per store that ever passed them, so it is bounded by the stores allowed to
 * connect. Thread-safe; a frame costs a map lookup, a clock read and a volatile write.
 */
final class Liveness implements StoreLiveness {
  /** One store's last-heard time. */
  private static final class Heard {
    volatile long nanos;

    Heard(long nanos) {
      this.nanos = nanos;
    }
  }

  private final Timebase timebase;
  private final long beaconIntervalNanos;
  private final long timeoutNanos;
  private final ConcurrentHashMap<StoreId, Heard> heard = new ConcurrentHashMap<>();

  Liveness(Timebase timebase, long beaconIntervalNanos, long timeoutNanos) {
    this.timebase = timebase;
    this.beaconIntervalNanos = beaconIntervalNanos;
    this.timeoutNanos = timeoutNanos;
  }

  void heard(StoreId store) {
    long now = timebase.nanoTime();
    Heard h = heard.get(store);
    if (h == null) {
      h = heard.computeIfAbsent(store, s -> new Heard(now));
    }
    h.nanos = now;
  }

  @Override
  public boolean isLive(StoreId store) {
    Heard h = heard.get(store);
    return h != null && timebase.nanoTime() - h.nanos <= timeoutNanos;
  }

  @Override
  public OptionalLong lastHeardNanos(StoreId store) {
    Heard h = heard.get(store);
    return h == null ? OptionalLong.empty() : OptionalLong.of(h.nanos);
  }

  @Override
  public long beaconIntervalNanos() {
    return beaconIntervalNanos;
  }

  @Override
  public long livenessTimeoutNanos() {
    return timeoutNanos;
  }

  /** Stores heard from within the timeout. */
  long liveStores() {
    long now = timebase.nanoTime();
    long n = 0;
    for (Heard h : heard.values()) {
      if (now - h.nanos <= timeoutNanos) {
        n++;
      }
    }
    return n;
  }
}
