package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.ReplicatorGroup;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.InvokeContext;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.util.Endpoint;
import com.google.protobuf.Message;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * jraft's {@link RpcClient} on raftwire. jraft creates one per node (and one per CLI client).
 *
 * <p><b>Which store sends.</b> A request that names its sender ({@code server_id}: appends,
 * votes, pre-votes, timeout-now, install-snapshot, read-index) leaves from that peer's store, and
 * binds the client to it; the adapter also binds each node's client to the node's store as soon as
 * it sees the node. A request naming no sender (ping, file read, CLI) leaves from the bound store,
 * or, before binding, from {@link RaftwireJraft#fallback}.
 *
 * <p><b>Failures.</b> Everything jraft's Bolt client throws or reports is mapped to the same form:
 * a call that cannot leave (unknown endpoint, budget full, peer unreachable, too many calls in
 * flight) throws {@link RemotingException} from {@code invokeAsync}, which jraft turns into {@code
 * EINTERNAL}; a call that left ends exactly once, with its response, with jraft's timeout ({@link
 * InvokeTimeoutException}, which jraft turns into {@code ETIMEDOUT}), or with a {@code
 * RemotingException} if raftwire reports its request dropped or the destination answers that no
 * processor could take it.
 *
 * <p>Thread-safe. Never blocks except in {@link #invokeSync}, as its contract says.
 */
final class StoreRpcClient implements RpcClient {
  private volatile JraftStore home; // the store this client's node lives on, once known
  private volatile boolean shutdown;
  private final List<ReplicatorGroup> connectListeners = new CopyOnWriteArrayList<>(); // one per node
  private final Set<StoreId> failedPeers = ConcurrentHashMap.newKeySet(); // bounded by the directory

  @Override
  public boolean init(RpcOptions opts) {
    shutdown = false;
    return true;
  }

  /** Fails every call of this client still in flight, as closing Bolt's connections does. */
  @Override
  public void shutdown() {
    shutdown = true;
    for (JraftStore store : storesInUse()) {
      store.calls().failAll(c -> c.owner == this, new RemotingException("raftwire: the RPC client was shut down"));
    }
  }

  @Override
  public boolean checkConnection(Endpoint endpoint) {
    return checkConnection(endpoint, false);
  }

  /** True if the endpoint's store is known and the sending store's transport can reach it. */
  @Override
  public boolean checkConnection(Endpoint endpoint, boolean createIfAbsent) {
    JraftStore store = sourceFor(null, endpoint).orElse(null);
    if (store == null || shutdown) {
      return false;
    }
    Optional<StoreId> peer = store.directory().storeOf(endpoint);
    return peer.isPresent() && !peer.get().equals(store.store()) && store.transport().isReachable(peer.get());
  }

  /** Fails this client's calls in flight to {@code endpoint}, as closing Bolt's connection does. */
  @Override
  public void closeConnection(Endpoint endpoint) {
    for (JraftStore store : storesInUse()) {
      Optional<StoreId> peer = store.directory().storeOf(endpoint);
      peer.ifPresent(p -> store.calls().failAll(c -> c.owner == this && c.peer.equals(p),
          new RemotingException("raftwire: connection to " + endpoint + " closed by jraft")));
    }
  }

  /**
   * jraft's replicators learn that a peer is reachable again: after a call to a store failed, the
   * next call to it that succeeds tells every registered group to check its replicator for it.
   */
  @Override
  public void registerConnectEventListener(ReplicatorGroup replicatorGroup) {
    connectListeners.add(replicatorGroup);
  }

  @Override
  public Object invokeSync(Endpoint endpoint, Object request, InvokeContext ctx, long timeoutMs)
      throws InterruptedException, RemotingException {
    CompletableFuture<Object> answer = new CompletableFuture<>();
    invokeAsync(endpoint, request, ctx, (result, error) -> {
      if (error != null) {
        answer.completeExceptionally(error);
      } else {
        answer.complete(result);
      }
    }, timeoutMs);
    try {
      // The call's own deadline ends it; the margin only covers the timer's resolution.
      return answer.get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RemotingException) {
        throw (RemotingException) cause;
      }
      throw new RemotingException("raftwire: " + cause, cause);
    } catch (TimeoutException e) {
      throw new InvokeTimeoutException("raftwire: no answer from " + endpoint + " within " + timeoutMs + " ms");
    }
  }

  @Override
  public void invokeAsync(Endpoint endpoint, Object request, InvokeContext ctx, InvokeCallback callback, long timeoutMs)
      throws RemotingException {
    if (shutdown) {
      throw new RemotingException("raftwire: the RPC client is shut down");
    }
    if (!(request instanceof Message)) {
      throw new RemotingException("raftwire carries protobuf messages only, not " + request.getClass().getName());
    }
    Message message = (Message) request;
    Route route = Route.of(message);
    JraftStore store = sourceFor(route.sender, endpoint).orElseThrow(() -> new RemotingException(
        "raftwire: no store of this process can send " + message.getClass().getSimpleName() + " to " + endpoint));
    StoreId destination = store.directory().storeOf(endpoint).orElseThrow(
        () -> new RemotingException("raftwire: the store directory has no store at " + endpoint));
    if (destination.equals(store.store())) {
      throw new RemotingException("raftwire does not send a call from " + destination + " to itself (" + endpoint + ")");
    }
    RangeId range = route.range(store.options().groupRanges());
    RangeId replyRange = route.sender == null ? GroupRanges.SERVICE_RANGE : range;
    ReplicaAddress from = ReplicaAddress.of(store.store(), route.sender == null ? 1 : StoreDirectory.replicaIdOf(route.sender));
    ReplicaAddress to = ReplicaAddress.of(destination, route.target == null ? 1 : StoreDirectory.replicaIdOf(route.target));
    store.call(this, destination, message, range, replyRange, from, to, timeoutMs, (result, error) -> {
      connectionEvent(store, destination, endpoint, error);
      store.runCallback(callback, destination, result, error);
    });
  }

  /** Binds this client to the store of its node (called by the store when it sees the node). */
  void bind(JraftStore store) {
    if (home == null || home.isClosed()) {
      home = store;
    }
  }

  private Optional<JraftStore> sourceFor(PeerId sender, Endpoint destination) {
    if (sender != null) {
      for (JraftStore s : storesInUse()) {
        if (s.endpoint().equals(sender.getEndpoint())) {
          bind(s);
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
    JraftStore bound = home;
    if (bound != null && !bound.isClosed()) {
      return Optional.of(bound);
    }
    Optional<StoreId> dest = storesInUse().stream().findAny().flatMap(s -> s.directory().storeOf(destination));
    return RaftwireJraft.fallback(dest.orElse(null));
  }

  private static List<JraftStore> storesInUse() {
    return RaftwireJraft.installed();
  }

  private void connectionEvent(JraftStore store, StoreId peer, Endpoint endpoint, Throwable error) {
    if (error != null) {
      if (!(error instanceof InvokeTimeoutException)) {
        failedPeers.add(peer);
      }
    } else if (failedPeers.remove(peer) && !connectListeners.isEmpty()) {
      PeerId reachable = new PeerId(endpoint, 0);
      for (ReplicatorGroup group : connectListeners) {
        store.execute(() -> group.checkReplicator(reachable, true));
      }
    }
  }
}
