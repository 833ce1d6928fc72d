package io.raftwire.flow;

/**
 * What a {@link StoreHealth} signal admits for the next interval, split by priority: the bytes of
 * regular writes and the (smaller or equal) bytes of elastic writes. Elastic work is the first to
 * be cut when the engine is pressured; regular work is cut only near a stall. Either may be {@link
 * StoreHealth#UNLIMITED}. Immutable.
 */
public final class IoTokens {
  private static final IoTokens UNLIMITED = new IoTokens(StoreHealth.UNLIMITED, StoreHealth.UNLIMITED);

  private final long regularBytes;
  private final long elasticBytes;

  private IoTokens(long regularBytes, long elasticBytes) {
    this.regularBytes = regularBytes;
    this.elasticBytes = elasticBytes;
  }

  /**
   * Returns tokens for one interval.
   *
   * @param regularBytes bytes of regular (and elastic) writes to admit over the interval, {@code
   *     >= 0}, or {@link StoreHealth#UNLIMITED}
   * @param elasticBytes bytes of elastic writes to admit over the interval, in {@code [0,
   *     regularBytes]}, or {@link StoreHealth#UNLIMITED} if {@code regularBytes} is too
   * @return an immutable value
   * @throws IllegalArgumentException if a count is negative or {@code elasticBytes > regularBytes}
   */
  public static IoTokens of(long regularBytes, long elasticBytes) {
    if (regularBytes < 0 || elasticBytes < 0) {
      throw new IllegalArgumentException(
          "token counts must be >= 0, were regular " + regularBytes + ", elastic " + elasticBytes);
    }
    if (elasticBytes > regularBytes) {
      throw new IllegalArgumentException(
          "elasticBytes (" + elasticBytes + ") must be <= regularBytes (" + regularBytes
              + "): elastic work is the first to yield");
    }
    if (regularBytes == StoreHealth.UNLIMITED && elasticBytes == StoreHealth.UNLIMITED) {
      return UNLIMITED;
    }
    return new IoTokens(regularBytes, elasticBytes);
  }

  /**
   * Returns the same tokens for both priorities.
   *
   * @param bytes bytes of writes to admit over the interval, {@code >= 0}, or {@link
   *     StoreHealth#UNLIMITED}
   * @return an immutable value
   * @throws IllegalArgumentException if {@code bytes < 0}
   */
  public static IoTokens both(long bytes) {
    return of(bytes, bytes);
  }

  /** {@return no constraint at either priority} */
  public static IoTokens unlimited() {
    return UNLIMITED;
  }

  /** {@return the bytes of regular writes to admit over the interval, or {@link StoreHealth#UNLIMITED}} */
  public long regularBytes() {
    return regularBytes;
  }

  /** {@return the bytes of elastic writes to admit over the interval, or {@link StoreHealth#UNLIMITED}} */
  public long elasticBytes() {
    return elasticBytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IoTokens && ((IoTokens) o).regularBytes == regularBytes
        && ((IoTokens) o).elasticBytes == elasticBytes;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(regularBytes) * 31 + Long.hashCode(elasticBytes);
  }

  @Override
  public String toString() {
    return "IoTokens{regular=" + name(regularBytes) + ", elastic=" + name(elasticBytes) + "}";
  }

  private static String name(long bytes) {
    return bytes == StoreHealth.UNLIMITED ? "unlimited" : bytes + " B";
  }
}
