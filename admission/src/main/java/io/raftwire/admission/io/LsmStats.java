package io.raftwire.admission.io;

/**
 * One reading of an LSM storage engine's write-path statistics, as {@link LsmHealth} needs them:
 * the files in level 0 (or, for engines that have them, L0 sublevels: whatever a read must merge),
 * the estimated bytes compactions are behind, and whether the engine itself is slowing or stopping
 * writes. Immutable.
 */
public final class LsmStats {
  private final long l0Files;
  private final long pendingCompactionBytes;
  private final boolean writeDelayed;
  private final boolean writeStopped;

  private LsmStats(long l0Files, long pendingCompactionBytes, boolean writeDelayed, boolean writeStopped) {
    this.l0Files = l0Files;
    this.pendingCompactionBytes = pendingCompactionBytes;
    this.writeDelayed = writeDelayed;
    this.writeStopped = writeStopped;
  }

  /**
   * Returns a reading.
   *
   * @param l0Files files (or sublevels) in level 0, {@code >= 0}
   * @param pendingCompactionBytes the engine's estimate of the bytes compactions must rewrite to
   *     reach its level targets, {@code >= 0}
   * @param writeDelayed true if the engine is slowing writes down itself (RocksDB: a non-zero
   *     {@code rocksdb.actual-delayed-write-rate})
   * @param writeStopped true if the engine has stopped writes (RocksDB: {@code
   *     rocksdb.is-write-stopped})
   * @return an immutable reading
   * @throws IllegalArgumentException if a count is negative
   */
  public static LsmStats of(long l0Files, long pendingCompactionBytes, boolean writeDelayed, boolean writeStopped) {
    if (l0Files < 0 || pendingCompactionBytes < 0) {
      throw new IllegalArgumentException(
          "l0Files and pendingCompactionBytes must be >= 0, were " + l0Files + ", " + pendingCompactionBytes);
    }
    return new LsmStats(l0Files, pendingCompactionBytes, writeDelayed, writeStopped);
  }

  /** {@return a reading of an empty, idle engine} */
  public static LsmStats idle() {
    return new LsmStats(0, 0, false, false);
  }

  /** {@return the files (or sublevels) in level 0} */
  public long l0Files() {
    return l0Files;
  }

  /** {@return the estimated bytes compactions are behind} */
  public long pendingCompactionBytes() {
    return pendingCompactionBytes;
  }

  /** {@return whether the engine is slowing writes itself} */
  public boolean writeDelayed() {
    return writeDelayed;
  }

  /** {@return whether the engine has stopped writes} */
  public boolean writeStopped() {
    return writeStopped;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LsmStats)) {
      return false;
    }
    LsmStats s = (LsmStats) o;
    return l0Files == s.l0Files && pendingCompactionBytes == s.pendingCompactionBytes
        && writeDelayed == s.writeDelayed && writeStopped == s.writeStopped;
  }

  @Override
  public int hashCode() {
    return (int) (l0Files * 31 + pendingCompactionBytes) * 4 + (writeDelayed ? 2 : 0) + (writeStopped ? 1 : 0);
  }

  @Override
  public String toString() {
    return "LsmStats{l0Files=" + l0Files + ", pendingCompactionBytes=" + pendingCompactionBytes
        + ", writeDelayed=" + writeDelayed + ", writeStopped=" + writeStopped + "}";
  }
}
