package io.raftwire.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read view of one generated snapshot. The transport may read any range of it, from several
 * transfers at once (one thread per call, calls possibly concurrent), and closes it exactly once
 * when the last transfer using it is done and the cache let it go.
 */
public interface SnapshotView extends AutoCloseable {
  /** {@return the metadata of the snapshot this view reads} */
  SnapshotMeta meta();

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset} into {@code dst}. Blocks for disk IO
   * only; must not wait for the Raft node.
   *
   * @param offset where to start reading, in bytes from the snapshot's start; {@code >= 0}
   * @param dst where the bytes go, from its position; its position advances by the bytes read
   * @return the bytes read, fewer than {@code dst.remaining()} only at the end; -1 if {@code offset}
   *     is at or past the end
   * @throws IOException if the bytes cannot be read (the transfer fails with {@code SOURCE_FAILED})
   */
  int read(long offset, ByteBuffer dst) throws IOException;

  /** Releases what the view holds (files, a storage engine checkpoint). Called once. */
  @Override
  void close();

  /**
   * A view of a snapshot held in memory, for libraries that keep snapshots on the heap; {@code
   * bytes} must not change afterwards and must be {@code meta.sizeBytes()} long.
   *
   * @param meta the snapshot's metadata; {@code meta.sizeBytes()} must be {@code bytes.length}
   * @param bytes the whole snapshot; not copied
   * @return a view that reads {@code bytes} and whose {@code close} releases nothing
   * @throws IllegalArgumentException if the lengths differ
   */
  static SnapshotView of(SnapshotMeta meta, byte[] bytes) {
    if (bytes.length != meta.sizeBytes()) {
      throw new IllegalArgumentException(bytes.length + " bytes for " + meta);
    }
    return new SnapshotView() {
      @Override
      public SnapshotMeta meta() {
        return meta;
      }

      @Override
      public int read(long offset, ByteBuffer dst) {
        int n = (int) Math.min(dst.remaining(), bytes.length - offset);
        if (n <= 0) {
          return -1;
        }
        dst.put(bytes, (int) offset, n);
        return n;
      }

      @Override
      public void close() {
        // heap only: nothing to release
      }
    };
  }
}
