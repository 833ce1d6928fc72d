package io.raftwire.message;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * One Raft log entry as the transport sees it: its position (index, term) and its encoded bytes.
 *
 * <p>The transport uses entries to account credits by bytes and to reason about which entries a
 * follower needs; it never decodes {@link #data()}. Immutable: the bytes are copied in.
 */
public final class LogEntry {
  /** Bytes charged per entry on top of its data, for its index, term and framing. */
  public static final int OVERHEAD_BYTES = 16;

  private final long index;
  private final long term;
  private final byte[] data;

  private LogEntry(long index, long term, byte[] data) {
    this.index = index;
    this.term = term;
    this.data = data;
  }

  /**
   * Returns the entry at {@code index} written in {@code term} with a copy of {@code data}.
   *
   * @param index the log index, {@code >= 1}
   * @param term the term the entry was proposed in, {@code >= 0}
   * @param data the encoded entry, copied; later changes to the array do not affect the entry
   * @return an immutable entry
   * @throws IllegalArgumentException if {@code index < 1} or {@code term < 0}
   * @throws NullPointerException if {@code data} is null
   */
  public static LogEntry of(long index, long term, byte[] data) {
    return owning(index, term, data.clone());
  }

  /** The entry with {@code data} itself, not a copy: see {@link UnsafeBytes#wrapEntry}. */
  static LogEntry owning(long index, long term, byte[] data) {
    if (index < 1) {
      throw new IllegalArgumentException("log index must be >= 1, was " + index);
    }
    if (term < 0) {
      throw new IllegalArgumentException("term must be >= 0, was " + term);
    }
    return new LogEntry(index, term, Objects.requireNonNull(data, "data"));
  }

  /**
   * Returns the entry at {@code index} written in {@code term} with a copy of the remaining bytes
   * of {@code data} (its position is not changed).
   *
   * @param index the log index, {@code >= 1}
   * @param term the term the entry was proposed in, {@code >= 0}
   * @param data the encoded entry, from its position to its limit; copied
   * @return an immutable entry
   * @throws IllegalArgumentException if {@code index < 1} or {@code term < 0}
   * @throws NullPointerException if {@code data} is null
   */
  public static LogEntry of(long index, long term, ByteBuffer data) {
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    return owning(index, term, copy);
  }

  /** {@return the log index, at least 1} */
  public long index() {
    return index;
  }

  /** {@return the term the entry was proposed in, at least 0} */
  public long term() {
    return term;
  }

  /**
   * {@return a read-only view of the encoded entry} Each call returns an independent view,
   * positioned at 0.
   */
  public ByteBuffer data() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer();
  }

  /** The entry's own array, for {@link UnsafeBytes#entryArray}: never to be written. */
  byte[] array() {
    return data;
  }

  /** {@return the number of data bytes} */
  public int dataSize() {
    return data.length;
  }

  /**
   * {@return the bytes this entry counts for in budgets and credits: data plus {@link
   * #OVERHEAD_BYTES}}
   */
  public long sizeBytes() {
    return (long) data.length + OVERHEAD_BYTES;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LogEntry)) {
      return false;
    }
    LogEntry other = (LogEntry) o;
    return index == other.index && term == other.term && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(index) * 31 + Long.hashCode(term)) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "LogEntry{" + index + "@" + term + ", " + data.length + "B}";
  }
}
