package io.raftwire.admission.credits;

import io.raftwire.topology.StoreId;

/** A snapshot of one destination stream's credits. Immutable. */
public final class CreditStats {
  private final StoreId store;
  private final long regularAvailable;
  private final long elasticAvailable;
  private final long regularLimit;
  private final long elasticLimit;
  private final long deductedBytes;
  private final long returnedBytes;
  private final int waiters;
  private final long regularWaits;
  private final long elasticWaits;

  CreditStats(
      StoreId store, long regularAvailable, long elasticAvailable, long regularLimit, long elasticLimit,
      long deductedBytes, long returnedBytes, int waiters, long regularWaits, long elasticWaits) {
    this.store = store;
    this.regularAvailable = regularAvailable;
    this.elasticAvailable = elasticAvailable;
    this.regularLimit = regularLimit;
    this.elasticLimit = elasticLimit;
    this.deductedBytes = deductedBytes;
    this.returnedBytes = returnedBytes;
    this.waiters = waiters;
    this.regularWaits = regularWaits;
    this.elasticWaits = elasticWaits;
  }

  /** {@return the destination store of the stream} */
  public StoreId store() {
    return store;
  }

  /** {@return the regular credits left, in bytes; negative while in debt} */
  public long regularAvailable() {
    return regularAvailable;
  }

  /** {@return the elastic credits left, in bytes; negative while in debt} */
  public long elasticAvailable() {
    return elasticAvailable;
  }

  /** {@return the regular credits the stream holds when nothing is outstanding, in bytes} */
  public long regularLimit() {
    return regularLimit;
  }

  /** {@return the elastic credits the stream holds when nothing is outstanding, in bytes} */
  public long elasticLimit() {
    return elasticLimit;
  }

  /** {@return the bytes deducted since the stream was created} */
  public long deductedBytes() {
    return deductedBytes;
  }

  /** {@return the bytes returned since the stream was created} */
  public long returnedBytes() {
    return returnedBytes;
  }

  /** {@return the number of proposals waiting on this stream} */
  public int waiters() {
    return waiters;
  }

  /** {@return how many proposals ever had to wait for this stream's regular credits} */
  public long regularWaits() {
    return regularWaits;
  }

  /** {@return how many proposals ever had to wait for this stream's elastic credits} */
  public long elasticWaits() {
    return elasticWaits;
  }

  /**
   * {@return true if some priority cannot proceed on this stream now} Elastic work is then blocked;
   * regular work may be too.
   */
  public boolean blocked() {
    return elasticAvailable <= 0;
  }

  @Override
  public String toString() {
    return "CreditStats{" + store + " regular=" + regularAvailable + "/" + regularLimit + " elastic="
        + elasticAvailable + "/" + elasticLimit + " deducted=" + deductedBytes + " returned="
        + returnedBytes + " waiters=" + waiters + "}";
  }
}
