package io.raftwire.grpc.internal.security;

import io.raftwire.topology.StoreId;
import java.util.Objects;
import java.util.Set;

/**
 * The stores allowed to talk to this one; empty means every store a trusted certificate names (or,
 * insecure, every store a hello claims). Replaced whole at runtime; reads see the old or the new
 * set, never a mix. Thread-safe.
 */
public final class AllowList {
  private volatile Set<StoreId> stores;

  public AllowList(Set<StoreId> stores) {
    this.stores = Set.copyOf(stores);
  }

  /** Whether {@code store} may connect now. */
  public boolean allows(StoreId store) {
    Set<StoreId> now = stores;
    return now.isEmpty() || now.contains(store);
  }

  /** Replaces the list; empty allows every store. */
  public void update(Set<StoreId> stores) {
    this.stores = Set.copyOf(Objects.requireNonNull(stores, "stores"));
  }

  public Set<StoreId> stores() {
    return stores;
  }
}
