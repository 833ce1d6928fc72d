package io.raftwire.topology;

/**
 * Identity of a store: one process endpoint that hosts replicas of many ranges.
 *
 * <p>Immutable; ids are positive so that zero can never be mistaken for "unset".
 */
public final class StoreId implements Comparable<StoreId> {
  private final long value;

  private StoreId(long value) {
    this.value = value;
  }

  /**
   * Returns the store id with the given numeric value.
   *
   * @param value the numeric id, {@code >= 1}
   * @return the id; equal to every other id of the same value
   * @throws IllegalArgumentException if {@code value < 1}
   */
  public static StoreId of(long value) {
    if (value < 1) {
      throw new IllegalArgumentException("store id must be >= 1, was " + value);
    }
    return new StoreId(value);
  }

  /** {@return the numeric value, at least 1} */
  public long value() {
    return value;
  }

  @Override
  public int compareTo(StoreId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoreId && ((StoreId) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  /** Renders as {@code s<value>}, for example {@code s3}. */
  @Override
  public String toString() {
    return "s" + value;
  }
}
