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
   * @param range the range the snapshot is of; not null
   * @param index the last log index the snapshot covers, {@code >= 1}
   * @param term the term of the entry at {@code index}, {@code >= 0}
   * @param configGeneration the membership generation the snapshot was taken under, {@code >= 0}
   * @param sizeBytes the snapshot's size in bytes, {@code >= 0}
   * @param crc32c the CRC32C (Castagnoli) of all {@code sizeBytes} bytes; any value
   * @return immutable metadata
   * @throws NullPointerException if {@code range} is null
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

  /** {@return the range the snapshot is of} */
  public RangeId range() {
    return range;
  }

  /** {@return the last log index the snapshot covers, at least 1} */
  public long index() {
    return index;
  }

  /** {@return the term of the entry at {@link #index()}, at least 0} */
  public long term() {
    return term;
  }

  /**
   * {@return the membership generation the snapshot was taken under (the library's own counter), at
   * least 0}
   */
  public long configGeneration() {
    return configGeneration;
  }

  /** {@return the snapshot's size in bytes, at least 0} */
  public long sizeBytes() {
    return sizeBytes;
  }

  /** {@return the CRC32C (Castagnoli) of all {@link #sizeBytes()} bytes} */
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
