package io.raftwire.topology;

import java.util.Objects;

/**
 * Address of one member of a range: the store it lives on and its replica id within the range.
 *
 * <p>Immutable. The replica id is the Raft library's member id mapped to a positive number; the
 * transport routes by {@link #store()} only and carries the replica id for the library.
 */
public final class ReplicaAddress {
  private final StoreId store;
  private final long replicaId;

  private ReplicaAddress(StoreId store, long replicaId) {
    this.store = store;
    this.replicaId = replicaId;
  }

  /**
   * Returns the address of replica {@code replicaId} on {@code store}.
   *
   * @param store the store hosting the replica; the transport routes by it
   * @param replicaId the Raft library's member id mapped to a positive number, {@code >= 1}
   * @return the address
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if {@code replicaId < 1}
   */
  public static ReplicaAddress of(StoreId store, long replicaId) {
    Objects.requireNonNull(store, "store");
    if (replicaId < 1) {
      throw new IllegalArgumentException("replica id must be >= 1, was " + replicaId);
    }
    return new ReplicaAddress(store, replicaId);
  }

  /** {@return the store hosting the replica} */
  public StoreId store() {
    return store;
  }

  /** {@return the replica id within its range, at least 1} */
  public long replicaId() {
    return replicaId;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ReplicaAddress)) {
      return false;
    }
    ReplicaAddress other = (ReplicaAddress) o;
    return replicaId == other.replicaId && store.equals(other.store);
  }

  @Override
  public int hashCode() {
    return 31 * store.hashCode() + Long.hashCode(replicaId);
  }

  /** Renders as {@code <store>/<replica>}, for example {@code s3/2}. */
  @Override
  public String toString() {
    return store + "/" + replicaId;
  }
}
