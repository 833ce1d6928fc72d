package io.raftwire.example.kv;

import io.raftwire.admission.io.ThroughputHealth;
import io.raftwire.flow.StoreHealth;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * RocksDB's health for IO admission: the generic throughput/latency signal, cut further by LSM
 * pressure. Level-0 files and pending compaction bytes are read from RocksDB's properties each
 * interval: past {@link #L0_SLOW} files (or {@link #PENDING_SLOW_BYTES} of compaction debt) the
 * budget halves, past {@link #L0_STOP} files (or when RocksDB stops writes) it drops to the floor,
 * so foreground writes keep their share while compactions catch up.
 */
final class RocksHealth implements StoreHealth {
  static final long L0_SLOW = 10;
  static final long L0_STOP = 20;
  static final long PENDING_SLOW_BYTES = 64L * 1024 * 1024 * 1024;

  private final RocksDB db;
  private final ThroughputHealth measured;
  private final long floorBytesPerSecond;
  private volatile String lastState = "healthy";

  RocksHealth(RocksDB db, ThroughputHealth measured, long floorBytesPerSecond) {
    this.db = db;
    this.measured = measured;
    this.floorBytesPerSecond = floorBytesPerSecond;
  }

  @Override
  public long admissibleBytes(long nowNanos, long intervalNanos) {
    long base = measured.admissibleBytes(nowNanos, intervalNanos);
    long floor = floorBytesPerSecond * intervalNanos / 1_000_000_000L;
    long l0 = property("rocksdb.num-files-at-level0");
    long pending = property("rocksdb.estimate-pending-compaction-bytes");
    boolean stopped = property("rocksdb.is-write-stopped") > 0;
    if (stopped || l0 >= L0_STOP) {
      lastState = "stalled (L0 files " + l0 + ")";
      return floor;
    }
    if (l0 >= L0_SLOW || pending >= PENDING_SLOW_BYTES) {
      lastState = "pressured (L0 files " + l0 + ", pending compaction " + pending + " B)";
      return base == UNLIMITED ? base : Math.max(floor, base / 2);
    }
    lastState = "healthy";
    return base;
  }

  @Override
  public void recordWrite(long bytes, long latencyNanos) {
    measured.recordWrite(bytes, latencyNanos);
  }

  /** What the last interval found, for operators. */
  String lastState() {
    return lastState;
  }

  private long property(String name) {
    try {
      return db.getLongProperty(name);
    } catch (RocksDBException e) {
      return 0;
    }
  }
}
