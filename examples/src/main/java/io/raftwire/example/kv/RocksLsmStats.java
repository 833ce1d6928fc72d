package io.raftwire.example.kv;

import io.raftwire.admission.io.LsmStats;
import io.raftwire.admission.io.LsmStatsSource;
import io.raftwire.example.storage.RocksStorage;
import java.util.Objects;
import java.util.function.Function;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * RocksDB's write-path statistics for {@link io.raftwire.admission.io.LsmHealth}, read from its
 * properties of the default column family: {@code rocksdb.num-files-at-level0} (a string
 * property: RocksDB has no integer form of it), {@code rocksdb.estimate-pending-compaction-bytes},
 * {@code rocksdb.actual-delayed-write-rate} (non-zero while RocksDB slows writes) and {@code
 * rocksdb.is-write-stopped}. In-memory reads; a failed read throws, and IO admission keeps its
 * previous tokens. Built on a {@link RocksStorage}, a read after the storage closed throws instead
 * of touching the closed handle (the transport's admission timer may still run then).
 */
final class RocksLsmStats implements LsmStatsSource {
  private final Function<Function<RocksDB, LsmStats>, LsmStats> access;

  /** Reads {@code db}, which the caller keeps open while this is used. */
  RocksLsmStats(RocksDB db) {
    Objects.requireNonNull(db, "db");
    this.access = read -> read.apply(db);
  }

  /** Reads {@code storage}'s database while it is open. */
  RocksLsmStats(RocksStorage storage) {
    this.access = Objects.requireNonNull(storage, "storage")::whileOpen;
  }

  @Override
  public LsmStats read() {
    return access.apply(RocksLsmStats::readFrom);
  }

  private static LsmStats readFrom(RocksDB db) {
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
