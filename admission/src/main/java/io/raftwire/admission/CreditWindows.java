package io.raftwire.admission;

/**
 * The credit windows of one destination stream: how many bytes of regular and of elastic APPEND
 * entries a leader may have sent to it and not yet seen admitted. Immutable; validated at
 * construction.
 *
 * <p>Regular work takes from both windows and waits only for the regular one; elastic work waits
 * for the elastic one. So the regular window is never smaller than the elastic one.
 */
public final class CreditWindows {
  private final long regularBytes;
  private final long elasticBytes;

  private CreditWindows(long regularBytes, long elasticBytes) {
    if (elasticBytes <= 0) {
      throw new IllegalArgumentException("elasticBytes must be > 0, was " + elasticBytes);
    }
    if (regularBytes < elasticBytes) {
      throw new IllegalArgumentException("regularBytes (" + regularBytes + ") must be >= elasticBytes ("
          + elasticBytes + "): regular work consumes elastic credits too");
    }
    this.regularBytes = regularBytes;
    this.elasticBytes = elasticBytes;
  }

  /**
   * {@return windows of {@code regularBytes} and {@code elasticBytes}}
   *
   * @param regularBytes the regular window in bytes; at least {@code elasticBytes}
   * @param elasticBytes the elastic window in bytes; positive
   * @throws IllegalArgumentException if {@code elasticBytes} is not positive or {@code regularBytes}
   *     is smaller than it
   */
  public static CreditWindows of(long regularBytes, long elasticBytes) {
    return new CreditWindows(regularBytes, elasticBytes);
  }

  /** {@return the regular window, in bytes} */
  public long regularBytes() {
    return regularBytes;
  }

  /** {@return the elastic window, in bytes} */
  public long elasticBytes() {
    return elasticBytes;
  }

  /**
   * {@return these windows times {@code factor}, each rounded down but at least 1 byte, the regular
   * one never below the elastic one}
   *
   * @param factor a positive scale
   * @throws IllegalArgumentException if {@code factor} is not positive and finite
   */
  public CreditWindows scaled(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be positive and finite, was " + factor);
    }
    long elastic = Math.max(1, (long) Math.min(Long.MAX_VALUE / 2.0, elasticBytes * factor));
    long regular = Math.max(elastic, (long) Math.min(Long.MAX_VALUE / 2.0, regularBytes * factor));
    return new CreditWindows(regular, elastic);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CreditWindows w && w.regularBytes == regularBytes && w.elasticBytes == elasticBytes;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(regularBytes) * 31 + Long.hashCode(elasticBytes);
  }

  @Override
  public String toString() {
    return "CreditWindows[regular=" + regularBytes + " B, elastic=" + elasticBytes + " B]";
  }
}
