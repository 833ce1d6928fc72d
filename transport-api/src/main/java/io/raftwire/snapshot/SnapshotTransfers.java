package io.raftwire.snapshot;

import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.concurrent.CompletableFuture;

/**
 * Ships snapshots between stores. Thread-safe and non-blocking: every method returns at once.
 */
public interface SnapshotTransfers {
  /**
   * Sends the latest snapshot of {@code range} to {@code recipient}: reserves a slot there, then
   * opens a read view (a cached one while valid), then streams it, resuming after broken streams.
   * A transport may first ask replicas nearer the recipient to send in this store's place
   * (delegation: same term and membership, applied past this store's first log index, recipient
   * still a member); if none can, this store sends itself.
   *
   * @param range the range whose latest snapshot is sent
   * @param recipient the store to install it on; if it hosts no replica of {@code range}, the
   *     transfer fails with {@code UNKNOWN_RANGE}
   * @param purpose why it is sent; the recipient serves catch-up before rebalancing
   * @param deadlineNanos how long the whole transfer may take, queueing included, in nanoseconds
   * @return completes with the installed snapshot's metadata, or fails with a {@link
   *     SnapshotException}
   */
  CompletableFuture<SnapshotMeta> send(RangeId range, StoreId recipient, SnapshotPurpose purpose, long deadlineNanos);

  /**
   * The range's log was truncated (compacted) up to {@code firstLogIndex}: cached snapshots older
   * than {@code firstLogIndex - 1} can no longer catch anybody up and are dropped.
   *
   * @param range the range whose log was truncated
   * @param firstLogIndex the first index the log still holds, {@code >= 1}
   */
  void logTruncated(RangeId range, long firstLogIndex);

  /**
   * Changes the send and receive rate limits from now on, transfers in progress included.
   *
   * @param sendBytesPerSecond the most bytes per second this store sends snapshots at, {@code > 0}
   * @param receiveBytesPerSecond the most bytes per second this store receives snapshots at, {@code
   *     > 0}
   * @throws IllegalArgumentException if a rate is not positive
   */
  void updateRates(long sendBytesPerSecond, long receiveBytesPerSecond);
}
