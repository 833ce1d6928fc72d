package io.raftwire.topology;

/**
 * Identity of a range: one Raft group. A store hosts replicas of many ranges ("multi-raft").
 *
 * <p>Immutable; ids are positive so that zero can never be mistaken for "unset".
 */
public final class RangeId implements Comparable<RangeId> {
  private final long value;

  private RangeId(long value) {
    this.value = value;
  }

  /**
   * Returns the range id with the given numeric value.
   *
   * @param value the numeric id, {@code >= 1}
   * @return the id; equal to every other id of the same value
   * @throws IllegalArgumentException if {@code value < 1}
   */
  public static RangeId of(long value) {
    if (value < 1) {
      throw new IllegalArgumentException("range id must be >= 1, was " + value);
    }
    return new RangeId(value);
  }

  /** {@return the numeric value, at least 1} */
  public long value() {
    return value;
  }

  @Override
  public int compareTo(RangeId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RangeId && ((RangeId) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  /** Renders as {@code r<value>}, for example {@code r42}. */
  @Override
  public String toString() {
    return "r" + value;
  }
}
