package io.raftwire.example.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A read or write of a store's RocksDB after {@link RocksStorage#close()}: what a Raft node or
 * state machine still running while its store shuts down gets instead of touching freed native
 * handles.
 */
public final class StorageClosedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** For the database in {@code directory}. */
  public StorageClosedException(Path directory) {
    super("RocksDB in " + directory + " is closed");
  }
}
