package io.raftwire.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The library's side of receiving snapshots. The transport stages the chunks in its spool
 * directory, verifies every chunk's and the whole file's CRC32C, and only then calls {@link
 * #install}. Called from a transport thread; may block while installing.
 */
public interface SnapshotSink {
  /**
   * Installs the verified snapshot in {@code file} atomically: afterwards the replica either holds
   * exactly the snapshot, or, if this throws, exactly what it held before. The transport deletes
   * the file after the call either way.
   *
   * @throws IOException the transfer fails with {@code INSTALL_FAILED}
   */
  void install(SnapshotMeta meta, Path file) throws IOException;
}
