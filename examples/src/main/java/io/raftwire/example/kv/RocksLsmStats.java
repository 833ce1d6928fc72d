package io.raftwire.example.kv;

import io.raftwire.admission.io.LsmStats;
import io.raftwire.admission.io.LsmStatsSource;
import java.util.Objects;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * RocksDB's write-path statistics for {@link io.raftwire.admission.io.LsmHealth}, read from its
 * properties of the default column family: {@code rocksdb.num-files-at-level0} (a string
 * property: RocksDB has no integer form of it), {@code rocksdb.estimate-pending-compaction-bytes},
 * {@code rocksdb.actual-delayed-write-rate} (non-zero while RocksDB slows writes) and {@code
 * rocksdb.is-write-stopped}. In-memory reads; a failed read throws, and IO admission keeps its
 * previous tokens.
 */
final class RocksLsmStats implements LsmStatsSource {
  private final RocksDB db;

  RocksLsmStats(RocksDB db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  @Override
  public LsmStats read() {
    try {
      long l0 = Long.parseLong(db.getProperty("rocksdb.num-files-at-level0").trim());
      long pending = db.getLongProperty("rocksdb.estimate-pending-compaction-bytes");
      boolean delayed = db.getLongProperty("rocksdb.actual-delayed-write-rate") > 0;
      boolean stopped = db.getLongProperty("rocksdb.is-write-stopped") > 0;
      return LsmStats.of(l0, pending, delayed, stopped);
    } catch (RocksDBException | NumberFormatException e) {
      throw new IllegalStateException("cannot read RocksDB's statistics", e);
    }
  }
}
