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

  CreditStats(
      StoreId store, long regularAvailable, long elasticAvailable, long regularLimit, long elasticLimit,
      long deductedBytes, long returnedBytes, int waiters) {
    this.store = store;
    this.regularAvailable = regularAvailable;
    this.elasticAvailable = elasticAvailable;
    this.regularLimit = regularLimit;
    this.elasticLimit = elasticLimit;
    this.deductedBytes = deductedBytes;
    this.returnedBytes = returnedBytes;
    this.waiters = waiters;
  }

  public StoreId store() {
    return store;
  }

  /** Regular credits left; negative while in debt. */
  public long regularAvailable() {
    return regularAvailable;
  }

  /** Elastic credits left; negative while in debt. */
  public long elasticAvailable() {
    return elasticAvailable;
  }

  public long regularLimit() {
    return regularLimit;
  }

  public long elasticLimit() {
    return elasticLimit;
  }

  /** Bytes deducted since the stream was created. */
  public long deductedBytes() {
    return deductedBytes;
  }

  /** Bytes returned since the stream was created. */
  public long returnedBytes() {
    return returnedBytes;
  }

  /** Proposals waiting on this stream. */
  public int waiters() {
    return waiters;
  }

  /** True if some priority cannot proceed on this stream now. */
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
