package io.raftwire.grpc.internal.snapshot.transfer;

import java.nio.file.Path;

/**
 * The fixed settings of one store's snapshot transfers, taken from its {@code SnapshotConfig}.
 *
 * @param spoolDirectory where incoming snapshots are staged
 * @param chunkBytes bytes per chunk
 * @param windowChunks chunks a sender may have unacknowledged
 * @param sendBytesPerSecond initial send rate (changeable at runtime)
 * @param receiveBytesPerSecond initial receive rate (changeable at runtime)
 * @param maxAttempts broken streams a transfer survives
 * @param maxCorruptions checksum failures a transfer survives
 * @param concurrentTransfers receiving slots
 * @param maxQueuedTransfers transfers that may wait for a slot
 * @param minTransferNanos deadline a queued transfer must still have left to keep waiting
 * @param maxSnapshotBytes largest snapshot this store accepts
 * @param cacheBytes bytes of generated snapshots kept for reuse
 * @param cacheIdleNanos how long an unused cached snapshot is kept
 * @param stageRetentionNanos how long a broken transfer's stage is kept for a resume
 * @param receiveWindowBytes chunk bytes one incoming transfer may hold in memory (received, not yet
 *     written to the spool); also the largest chunk this store takes
 * @param maxRetainedStageBytes bytes of broken transfers' stages kept for a resume, in total
 */
public record TransferSettings(
    Path spoolDirectory,
    int chunkBytes,
    int windowChunks,
    long sendBytesPerSecond,
    long receiveBytesPerSecond,
    int maxAttempts,
    int maxCorruptions,
    int concurrentTransfers,
    int maxQueuedTransfers,
    long minTransferNanos,
    long maxSnapshotBytes,
    long cacheBytes,
    long cacheIdleNanos,
    long stageRetentionNanos,
    long receiveWindowBytes,
    long maxRetainedStageBytes) {

  /** The largest chunk this store takes: its receive window, at most the largest chunk there is. */
  int maxChunkBytes() {
    return (int) Math.min(receiveWindowBytes, SnapshotWire.MAX_CHUNK_BYTES);
  }
}
