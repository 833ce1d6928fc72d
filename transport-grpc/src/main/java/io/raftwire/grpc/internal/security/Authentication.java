package io.raftwire.grpc.internal.security;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.raftwire.topology.StoreId;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Binds every call of a mutual TLS server to the store its connection's certificate names, so that
 * services compare what a message claims with who sent it ({@link #peerStore()}), and caps the
 * connections one store may hold open.
 *
 * <p>As a {@link ServerTransportFilter} it counts each ready connection under its store; a
 * connection beyond {@code maxConnectionsPerPeer} stays open (gRPC has no way to refuse it there)
 * but is marked, and every call on it is refused {@code RESOURCE_EXHAUSTED}; the server's idle
 * limit then closes it. As a {@link ServerInterceptor} it refuses calls whose connection names no
 * store ({@code UNAUTHENTICATED}) or a store taken off the allow-list since the handshake ({@code
 * PERMISSION_DENIED}), and runs the rest with the store in the call's context. Thread-safe.
 */
final class Authentication extends ServerTransportFilter implements ServerInterceptor {
  private static final Context.Key<StoreId> PEER_STORE = Context.key("raftwire-peer-store");
  private static final Attributes.Key<StoreId> COUNTED_AS = Attributes.Key.create("raftwire-counted-as");
  private static final Attributes.Key<Boolean> OVER_CAP = Attributes.Key.create("raftwire-over-cap");

  private final StoreIdentity identity;
  private final AllowList allowed;
  private final int maxConnectionsPerPeer;
  private final SecurityMetrics metrics;

  @GuardedBy("this")
  private final Map<StoreId, Integer> connections = new HashMap<>();

  Authentication(StoreIdentity identity, AllowList allowed, int maxConnectionsPerPeer, SecurityMetrics metrics) {
    this.identity = identity;
    this.allowed = allowed;
    this.maxConnectionsPerPeer = maxConnectionsPerPeer;
    this.metrics = metrics;
  }

  /**
   * The store that the certificate of the current call's connection names; null outside a call of
   * a mutual TLS server (an insecure server authenticates nobody).
   */
  static @Nullable StoreId peerStore() {
    return PEER_STORE.get();
  }

  @Override
  public Attributes transportReady(@Nullable Attributes attributes) {
    if (attributes == null) {
      return Attributes.EMPTY;
    }
    StoreId store = storeOf(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (store == null) {
      return attributes;
    }
    boolean over;
    synchronized (this) {
      int open = connections.merge(store, 1, Integer::sum);
      over = open > maxConnectionsPerPeer;
    }
    Attributes.Builder marked = attributes.toBuilder().set(COUNTED_AS, store);
    if (over) {
      marked.set(OVER_CAP, Boolean.TRUE);
    }
    return marked.build();
  }

  /** Also called for connections that never became ready (a failed handshake): then with null. */
  @Override
  public void transportTerminated(@Nullable Attributes attributes) {
    if (attributes == null) {
      return;
    }
    StoreId store = attributes.get(COUNTED_AS);
    if (store == null) {
      return;
    }
    synchronized (this) {
      connections.computeIfPresent(store, (s, open) -> open <= 1 ? null : open - 1);
    }
  }

  /** Connections open now from {@code store}. */
  synchronized int connections(StoreId store) {
    return connections.getOrDefault(store, 0);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Attributes attributes = call.getAttributes();
    StoreId store = attributes.get(COUNTED_AS);
    if (store == null) {
      store = storeOf(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    }
    if (store == null) {
      metrics.callRefused(CallRefusal.NO_IDENTITY, String.valueOf(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
          "a call on a connection whose certificate names no store");
      return refuse(call, Status.UNAUTHENTICATED.withDescription("the connection's certificate names no store"));
    }
    if (!allowed.allows(store)) {
      metrics.callRefused(CallRefusal.NOT_ALLOWED, store, "a call from a store that is not on the allow-list");
      return refuse(call, Status.PERMISSION_DENIED.withDescription(store + " is not on the allow-list"));
    }
    if (Boolean.TRUE.equals(attributes.get(OVER_CAP))) {
      metrics.callRefused(CallRefusal.CONNECTION_CAP, store, "a call on a connection beyond the per-peer cap of "
          + maxConnectionsPerPeer);
      return refuse(call, Status.RESOURCE_EXHAUSTED.withDescription(
          store + " has more than " + maxConnectionsPerPeer + " connections open"));
    }
    return Contexts.interceptCall(Context.current().withValue(PEER_STORE, store), call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private @Nullable StoreId storeOf(@Nullable SSLSession session) {
    if (session == null) {
      return null;
    }
    Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (peer.length == 0 || !(peer[0] instanceof X509Certificate)) {
      return null;
    }
    return identity.identify((X509Certificate) peer[0]).store();
  }
}
