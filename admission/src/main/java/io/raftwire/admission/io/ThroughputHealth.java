package io.raftwire.admission.io;

import io.raftwire.flow.StoreHealth;

/**
 * A generic storage-health signal for engines that expose no internals: the store reports each
 * write's bytes and latency ({@link #recordWrite}); every interval, if the mean latency stayed at
 * or under the target, the next interval admits the measured throughput times a growth factor
 * (probing for more); if it rose above, the throughput scaled down by target/latency. Writes
 * never go below a floor, so a store always makes progress. Without any write in an interval, or
 * before the first, it does not constrain. Thread-safe.
 */
public final class ThroughputHealth implements StoreHealth {
  /** Growth per healthy interval. */
  public static final double GROWTH = 1.5;

  private final long targetLatencyNanos;
  private final long floorBytesPerSecond;
  private long bytes; // @GuardedBy("this")
  private long latencySumNanos; // @GuardedBy("this")
  private long writes; // @GuardedBy("this")

  /**
   * @param targetLatencyNanos mean write latency above which the disk counts as overloaded
   * @param floorBytesPerSecond the least throughput ever admitted
   */
  public ThroughputHealth(long targetLatencyNanos, long floorBytesPerSecond) {
    if (targetLatencyNanos <= 0 || floorBytesPerSecond <= 0) {
      throw new IllegalArgumentException(
          "targetLatencyNanos and floorBytesPerSecond must be > 0, were " + targetLatencyNanos + ", "
              + floorBytesPerSecond);
    }
    this.targetLatencyNanos = targetLatencyNanos;
    this.floorBytesPerSecond = floorBytesPerSecond;
  }

  /** Reports one completed write (or a batch of them). Any thread; never blocks. */
  @Override
  public synchronized void recordWrite(long writtenBytes, long latencyNanos) {
    bytes += writtenBytes;
    latencySumNanos += latencyNanos;
    writes++;
  }

  @Override
  public long admissibleBytes(long nowNanos, long intervalNanos) {
    long intervalBytes;
    long meanLatency;
    synchronized (this) {
      if (writes == 0) {
        return UNLIMITED;
      }
      intervalBytes = bytes;
      meanLatency = latencySumNanos / writes;
      bytes = 0;
      latencySumNanos = 0;
      writes = 0;
    }
    double next =
        meanLatency <= targetLatencyNanos
            ? intervalBytes * GROWTH
            : intervalBytes * ((double) targetLatencyNanos / meanLatency);
    long floor = (long) ((double) floorBytesPerSecond * intervalNanos / 1_000_000_000L);
    return Math.max(floor, (long) next);
  }
}
