package io.raftwire.grpc;

import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a store to the address its transport listens on.
 *
 * <p><b>Threads:</b> called from any thread, when a connection to {@code store} is opened or
 * re-opened (not on every send). <b>Blocking:</b> must return quickly; do not perform DNS or
 * remote look-ups here. <b>Failure:</b> an empty result makes sends to {@code store} fail with
 * {@code UNREACHABLE}; an exception is treated as an empty result and logged.
 */
@FunctionalInterface
public interface StoreResolver {

  /**
   * Looks up where {@code store} listens.
   *
   * @param store the store a connection is about to be opened to; never this transport's own
   * @return the listen address of {@code store}, or empty if unknown
   */
  Optional<InetSocketAddress> resolve(StoreId store);

  /**
   * The locality of {@code store}, for zone-aware accounting; {@link Locality#UNKNOWN} if not
   * known (the default). Same threading rules as {@link #resolve}.
   *
   * @param store the store a connection is about to be opened to
   * @return the locality of {@code store}; {@link Locality#UNKNOWN}, never null, if not known
   */
  default Locality locality(StoreId store) {
    return Locality.UNKNOWN;
  }

  /**
   * A resolver backed by a live map; changes to the map are seen by later connections. Every
   * locality is {@link Locality#UNKNOWN}.
   *
   * @param addresses the listen address of each store, read on every look-up, not copied; must be
   *     safe to read from any thread (for example a {@code ConcurrentHashMap}) if it changes
   * @return a resolver that reports a store missing from {@code addresses} as unknown
   */
  static StoreResolver of(Map<StoreId, InetSocketAddress> addresses) {
    return store -> Optional.ofNullable(addresses.get(store));
  }

  /**
   * A resolver backed by live maps of addresses and localities; changes to either map are seen by
   * later connections.
   *
   * @param addresses the listen address of each store, read on every look-up, not copied; must be
   *     safe to read from any thread if it changes
   * @param localities the locality of each store, same rules; a store missing from it is {@link
   *     Locality#UNKNOWN}
   * @return a resolver that reports a store missing from {@code addresses} as unknown
   */
  static StoreResolver of(Map<StoreId, InetSocketAddress> addresses, Map<StoreId, Locality> localities) {
    return new StoreResolver() {
      @Override
      public Optional<InetSocketAddress> resolve(StoreId store) {
        return Optional.ofNullable(addresses.get(store));
      }

      @Override
      public Locality locality(StoreId store) {
        return localities.getOrDefault(store, Locality.UNKNOWN);
      }
    };
  }
}
