package io.raftwire.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read view of one generated snapshot. The transport may read any range of it, from several
 * transfers at once (one thread per call, calls possibly concurrent), and closes it exactly once
 * when the last transfer using it is done and the cache let it go.
 */
public interface SnapshotView extends AutoCloseable {
  SnapshotMeta meta();

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset} into {@code dst}. Blocks for disk IO
   * only; must not wait for the Raft node.
   *
   * @return the bytes read, fewer only at the end
   * @throws IOException if the bytes cannot be read (the transfer fails with {@code SOURCE_FAILED})
   */
  int read(long offset, ByteBuffer dst) throws IOException;

  /** Releases what the view holds (files, a storage engine checkpoint). Called once. */
  @Override
  void close();
}
