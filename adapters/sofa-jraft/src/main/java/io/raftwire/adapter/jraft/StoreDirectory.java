package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.util.Endpoint;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that says which raftwire store a jraft peer is: every store id with the jraft
 * {@link Endpoint} (the {@code ip:port} of its {@link PeerId}s) and its {@link Locality}. A
 * {@code PeerId} {@code ip:port:idx} lives on the store whose endpoint is {@code ip:port}; its
 * {@code idx} becomes the replica id ({@code idx + 1}).
 *
 * <p>The endpoint is jraft's name for the store and nothing binds it: the store's raftwire
 * transport listens wherever its own configuration says (in production usually the same address).
 * Keep a store's endpoint when it restarts, as jraft keeps its {@code PeerId}.
 *
 * <p>Live and thread-safe: entries may be added while jraft runs (a store that joins). Lookups
 * never block. Bounded by the stores of the deployment.
 */
public final class StoreDirectory {
  private final Map<StoreId, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final Map<Endpoint, StoreId> stores = new ConcurrentHashMap<>();
  private final Map<StoreId, Locality> localities = new ConcurrentHashMap<>();

  /** An empty directory. */
  public StoreDirectory() {}

  /**
   * Adds (or re-adds, unchanged) {@code store} at {@code endpoint} in {@code locality}. A re-add
   * may change the locality.
   *
   * @param store the store to add; not null
   * @param endpoint the jraft {@code ip:port} of the store's peers; copied; not null
   * @param locality where the store runs, for the transport's zone-aware choices; not null
   * @return this directory
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the endpoint belongs to another store, or the store already
   *     has another endpoint
   */
  public synchronized StoreDirectory put(StoreId store, Endpoint endpoint, Locality locality) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(locality, "locality");
    StoreId owner = stores.get(endpoint);
    if (owner != null && !owner.equals(store)) {
      throw new IllegalArgumentException(endpoint + " is already the endpoint of " + owner);
    }
    Endpoint existing = endpoints.get(store);
    if (existing != null && !existing.equals(endpoint)) {
      throw new IllegalArgumentException(store + " already has endpoint " + existing + ", not " + endpoint);
    }
    endpoints.put(store, endpoint.copy());
    stores.put(endpoint.copy(), store);
    localities.put(store, locality);
    return this;
  }

  /**
   * Adds {@code store} at {@code address} ({@code "ip:port"}), locality unknown.
   *
   * @param store the store to add; not null
   * @param address the jraft endpoint as {@code "ip:port"}, port in 1..65535; not null
   * @return this directory
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the address is not {@code ip:port}, the endpoint belongs
   *     to another store, or the store already has another endpoint
   */
  public StoreDirectory put(StoreId store, String address) {
    return put(store, parse(address), Locality.UNKNOWN);
  }

  /**
   * {@return the store whose endpoint {@code endpoint} is, or empty if none is}
   *
   * @param endpoint a jraft endpoint; null gives empty
   */
  public Optional<StoreId> storeOf(Endpoint endpoint) {
    return endpoint == null ? Optional.empty() : Optional.ofNullable(stores.get(endpoint));
  }

  /**
   * {@return the store {@code peer} lives on (the one at its {@code ip:port}), or empty if not
   * known}
   *
   * @param peer a jraft peer; null gives empty
   */
  public Optional<StoreId> storeOf(PeerId peer) {
    return peer == null ? Optional.empty() : storeOf(peer.getEndpoint());
  }

  /**
   * {@return a copy of the jraft endpoint of {@code store}, or empty if not known}
   *
   * @param store the store to look up; not null
   */
  public Optional<Endpoint> endpointOf(StoreId store) {
    return Optional.ofNullable(endpoints.get(store)).map(Endpoint::copy);
  }

  /**
   * {@return the locality of {@code store}; {@link Locality#UNKNOWN} if not known}
   *
   * @param store the store to look up; not null
   */
  public Locality localityOf(StoreId store) {
    return localities.getOrDefault(store, Locality.UNKNOWN);
  }

  /** {@return the stores known now, as an immutable copy} */
  public Set<StoreId> stores() {
    return Set.copyOf(endpoints.keySet());
  }

  /**
   * {@return the replica id of {@code peer} within its group: its {@code idx} plus one}
   *
   * @param peer a jraft peer; not null
   */
  public static long replicaIdOf(PeerId peer) {
    return peer.getIdx() + 1L;
  }

  static Endpoint parse(String address) {
    Objects.requireNonNull(address, "address");
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("not ip:port: " + address);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not ip:port: " + address, e);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range in " + address);
    }
    return new Endpoint(address.substring(0, colon), port);
  }

  @Override
  public String toString() {
    return "StoreDirectory" + endpoints;
  }
}
