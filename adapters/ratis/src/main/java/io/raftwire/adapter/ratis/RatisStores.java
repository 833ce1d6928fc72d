package io.raftwire.adapter.ratis;

import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The one place that says which raftwire store each Ratis server is: every {@link RaftPeerId} with
 * its {@link StoreId} and {@link Locality}. One Ratis server (all of its groups) is one raftwire
 * store. Where a store's transport listens is the transport's business ({@code StoreResolver});
 * the Ratis peer's own address stays what Ratis clients connect to.
 *
 * <p>Live and thread-safe: entries may be added while Ratis runs (a server that joins by
 * reconfiguration). Lookups never block. Bounded by the servers of the deployment.
 */
public final class RatisStores {
  private final Map<RaftPeerId, StoreId> stores = new ConcurrentHashMap<>();
  private final Map<StoreId, RaftPeerId> peers = new ConcurrentHashMap<>();
  private final Map<StoreId, Locality> localities = new ConcurrentHashMap<>();

  /** An empty directory. */
  public RatisStores() {}

  /**
   * Adds (or re-adds, unchanged) Ratis server {@code peer} as raftwire store {@code store} in
   * {@code locality}. A re-add may change the locality.
   *
   * @param peer the Ratis server's id; not null
   * @param store its raftwire store; not null
   * @param locality where the store runs; not null
   * @return this directory
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the peer is another store already, or the store another peer
   */
  public synchronized RatisStores put(RaftPeerId peer, StoreId store, Locality locality) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(locality, "locality");
    StoreId existing = stores.get(peer);
    if (existing != null && !existing.equals(store)) {
      throw new IllegalArgumentException("Ratis server " + peer + " is " + existing + " already, not " + store);
    }
    RaftPeerId owner = peers.get(store);
    if (owner != null && !owner.equals(peer)) {
      throw new IllegalArgumentException(store + " is Ratis server " + owner + " already, not " + peer);
    }
    stores.put(peer, store);
    peers.put(store, peer);
    localities.put(store, locality);
    return this;
  }

  /**
   * {@return the raftwire store of Ratis server {@code peer}, or empty if it has none}
   *
   * @param peer a Ratis server id; not null
   */
  public Optional<StoreId> storeOf(RaftPeerId peer) {
    return Optional.ofNullable(stores.get(Objects.requireNonNull(peer, "peer")));
  }

  /**
   * {@return the Ratis server that raftwire store {@code store} is, or empty if none}
   *
   * @param store a raftwire store; not null
   */
  public Optional<RaftPeerId> peerOf(StoreId store) {
    return Optional.ofNullable(peers.get(Objects.requireNonNull(store, "store")));
  }

  /**
   * {@return where {@code store} runs, or empty if the directory does not have it}
   *
   * @param store a raftwire store; not null
   */
  public Optional<Locality> localityOf(StoreId store) {
    return Optional.ofNullable(localities.get(Objects.requireNonNull(store, "store")));
  }

  @Override
  public String toString() {
    return "RatisStores" + stores;
  }
}
