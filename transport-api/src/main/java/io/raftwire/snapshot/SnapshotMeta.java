package io.raftwire.snapshot;

import io.raftwire.topology.RangeId;
import java.util.Objects;

/**
 * What identifies one snapshot of a range: the log position it covers (index, term), the
 * membership generation it was taken under, its size and the CRC32C of all its bytes. Immutable.
 */
public final class SnapshotMeta {
  private final RangeId range;
  private final long index;
  private final long term;
  private final long configGeneration;
  private final long sizeBytes;
  private final int crc32c;

  private SnapshotMeta(RangeId range, long index, long term, long configGeneration, long sizeBytes, int crc32c) {
    this.range = range;
    this.index = index;
    this.term = term;
    this.configGeneration = configGeneration;
    this.sizeBytes = sizeBytes;
    this.crc32c = crc32c;
  }

  /**
   * A snapshot's metadata.
   *
   * @throws IllegalArgumentException if {@code index < 1}, {@code term < 0},
   *     {@code configGeneration < 0} or {@code sizeBytes < 0}
   */
  public static SnapshotMeta of(RangeId range, long index, long term, long configGeneration, long sizeBytes, int crc32c) {
    Objects.requireNonNull(range, "range");
    if (index < 1 || term < 0 || configGeneration < 0 || sizeBytes < 0) {
      throw new IllegalArgumentException(String.format(
          "need index >= 1, term >= 0, configGeneration >= 0, sizeBytes >= 0; were %d, %d, %d, %d",
          index, term, configGeneration, sizeBytes));
    }
    return new SnapshotMeta(range, index, term, configGeneration, sizeBytes, crc32c);
  }

  public RangeId range() {
    return range;
  }

  /** The last log index the snapshot covers. */
  public long index() {
    return index;
  }

  /** The term of the entry at {@link #index()}. */
  public long term() {
    return term;
  }

  /** The membership generation the snapshot was taken under (the library's own counter). */
  public long configGeneration() {
    return configGeneration;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  /** CRC32C (Castagnoli) of all {@link #sizeBytes()} bytes. */
  public int crc32c() {
    return crc32c;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SnapshotMeta)) {
      return false;
    }
    SnapshotMeta m = (SnapshotMeta) o;
    return range.equals(m.range) && index == m.index && term == m.term && configGeneration == m.configGeneration
        && sizeBytes == m.sizeBytes && crc32c == m.crc32c;
  }

  @Override
  public int hashCode() {
    return Objects.hash(range, index, term, configGeneration, sizeBytes, crc32c);
  }

  @Override
  public String toString() {
    return String.format("snapshot of %s at %d/%d (config %d, %d bytes, crc32c %08x)",
        range, index, term, configGeneration, sizeBytes, crc32c);
  }
}
