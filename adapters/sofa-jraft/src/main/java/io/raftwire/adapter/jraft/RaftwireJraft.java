package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a jraft application hands raftwire its stores. jraft creates its RPC clients and servers
 * through its {@code RaftRpcFactory} extension point, with no way to pass them anything; this
 * process-wide registry is how {@link RaftwireRpcFactory} finds the transport of the store a jraft
 * {@code RpcServer} is created for ({@code RaftRpcServerFactory.createRaftRpcServer(endpoint)}).
 *
 * <p>Install every store of the process before jraft creates its {@code RpcServer}; after that,
 * jraft's own code ({@code NodeOptions}, {@code RaftGroupService}, {@code StateMachine}, {@code
 * Node.apply}) runs unchanged. Thread-safe.
 */
public final class RaftwireJraft {
  private static final Map<StoreId, JraftStore> stores = new ConcurrentHashMap<>();

  private RaftwireJraft() {}

  /**
   * {@link #install(RaftTransport, StoreDirectory, JraftOptions)} with the default options.
   *
   * @param transport the open transport of the store to install; it stays the caller's
   * @param directory the directory naming every store's jraft endpoint, this one's included
   * @return the installed store; closing it uninstalls it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if jraft does not use raftwire's RPC factory, or the store is
   *     installed already
   * @throws IllegalArgumentException if the directory has no endpoint for the transport's store
   */
  public static JraftStore install(RaftTransport transport, StoreDirectory directory) {
    return install(transport, directory, JraftOptions.defaults());
  }

  /**
   * Makes {@code transport}'s store a jraft store of this process. jraft peers whose endpoint the
   * directory gives this store are served over {@code transport} from now on. Closing the returned
   * store uninstalls it (the transport stays open: it is the caller's).
   *
   * @param transport the open transport of the store to install; it stays the caller's
   * @param directory the directory naming every store's jraft endpoint, this one's included; the
   *     store reads it live
   * @param options the adapter's options for this store
   * @return the installed store; closing it uninstalls it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if jraft does not use raftwire's RPC factory (another factory
   *     with a higher {@code @SPI} priority is on the class path), or the store is installed already
   * @throws IllegalArgumentException if the directory has no endpoint for the transport's store
   */
  public static JraftStore install(RaftTransport transport, StoreDirectory directory, JraftOptions options) {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    if (!(RpcFactoryHelper.rpcFactory() instanceof RaftwireRpcFactory)) {
      throw new IllegalStateException("jraft's RPC factory is " + RpcFactoryHelper.rpcFactory().getClass().getName()
          + ", not raftwire's: remove the other RaftRpcFactory from the class path");
    }
    StoreId id = transport.localStore();
    Endpoint endpoint = directory.endpointOf(id).orElseThrow(
        () -> new IllegalArgumentException("the store directory has no endpoint for " + id));
    synchronized (stores) {
      if (stores.containsKey(id)) {
        throw new IllegalStateException(id + " is installed already");
      }
      JraftStore store = JraftStore.start(transport, directory, endpoint, options);
      stores.put(id, store);
      return store;
    }
  }

  /**
   * {@return the installed store {@code id}, or empty if it is not installed (or was closed)}
   *
   * @param id the store to look up
   */
  public static Optional<JraftStore> store(StoreId id) {
    return Optional.ofNullable(stores.get(id));
  }

  /** The installed store whose jraft endpoint is {@code endpoint}, if any. */
  static Optional<JraftStore> storeAt(Endpoint endpoint) {
    for (JraftStore s : stores.values()) {
      if (s.endpoint().equals(endpoint)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * The store that sends a call naming no sender (a CLI request, or a ping or file read before
   * the adapter has seen the client's node): in a process with one store, that store; with several,
   * the lowest-numbered one other than the destination.
   */
  static Optional<JraftStore> fallback(StoreId destination) {
    List<JraftStore> open = stores.values().stream()
        .filter(s -> !s.store().equals(destination) && !s.isClosed())
        .sorted(Comparator.comparing(JraftStore::store))
        .toList();
    return open.isEmpty() ? Optional.empty() : Optional.of(open.get(0));
  }

  /** Every installed store. */
  static List<JraftStore> installed() {
    return List.copyOf(stores.values());
  }

  static void uninstalled(JraftStore store) {
    stores.remove(store.store(), store);
  }
}
