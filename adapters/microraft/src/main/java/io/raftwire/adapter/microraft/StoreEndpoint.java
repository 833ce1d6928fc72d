package io.raftwire.adapter.microraft;

import io.microraft.RaftEndpoint;
import io.raftwire.topology.StoreId;
import java.util.Objects;

/**
 * A MicroRaft endpoint that is a raftwire store: each store holds at most one replica of a range,
 * so the store identifies the replica. Immutable; equal when the stores are.
 */
public final class StoreEndpoint implements RaftEndpoint {
  private final StoreId store;

  private StoreEndpoint(StoreId store) {
    this.store = store;
  }

  /**
   * {@return the endpoint of {@code store}}
   *
   * @param store the store the endpoint stands for; not null
   * @throws NullPointerException if {@code store} is null
   */
  public static StoreEndpoint of(StoreId store) {
    return new StoreEndpoint(Objects.requireNonNull(store, "store"));
  }

  /**
   * {@return the endpoint of store {@code storeId}}
   *
   * @param storeId the store's numeric id, at least 1
   * @throws IllegalArgumentException if {@code storeId < 1}
   */
  public static StoreEndpoint of(long storeId) {
    return of(StoreId.of(storeId));
  }

  /** {@return the store; its value is also the MicroRaft id} */
  public StoreId store() {
    return store;
  }

  /** The store id as a {@link Long}. */
  @Override
  public Object getId() {
    return store.value();
  }

  /** The store of a MicroRaft endpoint, which must be a {@code StoreEndpoint}. */
  static StoreId storeOf(RaftEndpoint endpoint) {
    if (!(endpoint instanceof StoreEndpoint)) {
      throw new IllegalArgumentException("endpoint " + endpoint + " is not a StoreEndpoint");
    }
    return ((StoreEndpoint) endpoint).store;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoreEndpoint && ((StoreEndpoint) o).store.equals(store);
  }

  @Override
  public int hashCode() {
    return store.hashCode();
  }

  @Override
  public String toString() {
    return store.toString();
  }
}
