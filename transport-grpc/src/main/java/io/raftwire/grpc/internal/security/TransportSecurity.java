package io.raftwire.grpc.internal.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store's peer security, built from its {@link PeerSecurity}: the credentials of its server and
 * of its channel to each peer, the server-side binding of calls to the connection's store, the
 * allow-list, and the timer that reloads changed TLS files. Insecure, it hands out plaintext
 * credentials and binds nothing. Thread-safe.
 */
public final class TransportSecurity implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TransportSecurity.class);

  private final StoreId local;
  private final AllowList allowed;
  private final @Nullable TlsMaterial material;
  private final @Nullable StoreIdentity identity;
  private final @Nullable Authentication authentication;
  private final SecurityMetrics metrics;
  private final Timebase.@Nullable Cancellable reloader;

  private TransportSecurity(StoreId local, AllowList allowed, @Nullable TlsMaterial material,
      @Nullable StoreIdentity identity, @Nullable Authentication authentication, SecurityMetrics metrics,
      Timebase.@Nullable Cancellable reloader) {
    this.local = local;
    this.allowed = allowed;
    this.material = material;
    this.identity = identity;
    this.authentication = authentication;
    this.metrics = metrics;
    this.reloader = reloader;
  }

  /**
   * Loads the material of {@code security} and starts watching its files.
   *
   * @param maxConnectionsPerPeer most connections one authenticated store may use at once
   * @throws IllegalArgumentException if the TLS material is not usable
   */
  public static TransportSecurity start(PeerSecurity security, StoreId local, int maxConnectionsPerPeer,
      Timebase timebase, StoreMetrics storeMetrics, ProblemLog problems) {
    SecurityMetrics metrics = new SecurityMetrics(storeMetrics, problems);
    AllowList allowed = new AllowList(security.allowedStores());
    if (security.isInsecure()) {
      log.warn("{}: PLAINTEXT: peers are not authenticated and a stream's claimed sender is believed;"
          + " use PeerSecurity.mutualTls outside trusted networks and tests", local);
      return new TransportSecurity(local, allowed, null, null, null, metrics, null);
    }
    StoreIdentity identity = StoreIdentity.of(security);
    TlsMaterial material = new TlsMaterial(security, local, identity, metrics);
    storeMetrics.gauge(GrpcMetrics.SECURITY_CERTIFICATE_EXPIRY, material::secondsToExpiry);
    Timebase.Cancellable reloader = timebase.scheduleWithFixedDelay(material::reloadIfChanged,
        security.reloadCheckNanos(), security.reloadCheckNanos());
    Authentication authentication = new Authentication(identity, allowed, maxConnectionsPerPeer, metrics);
    log.info("{}: mutual TLS ({}), {}", local, OpenSsl.isAvailable() ? "BoringSSL" : "the JDK's TLS", security);
    return new TransportSecurity(local, allowed, material, identity, authentication, metrics, reloader);
  }

  /** Whether peers are authenticated (mutual TLS). */
  public boolean authenticates() {
    return material != null;
  }

  /**
   * The store that the certificate of the current call's connection names; null outside a call of
   * a mutual TLS server. Services call it when a call starts (in the call's context).
   */
  public static @Nullable StoreId peerStore() {
    return Authentication.peerStore();
  }

  /** The credentials of this store's server: mutual TLS with client certificates required, or plaintext. */
  public ServerCredentials serverCredentials() {
    TlsMaterial tls = material;
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    SslContextBuilder server = SslContextBuilder.forServer(tls.keyManager())
        .trustManager(new PeerTrust(tls.chainVerifier(), requireIdentity(), allowed, null, metrics))
        .clientAuth(ClientAuth.REQUIRE);
    return NettySslContextServerCredentials.create(build(server));
  }

  /** Adds what binds calls to their connection's store (nothing when insecure). */
  public void configure(ServerBuilder<?> server) {
    Authentication auth = authentication;
    if (auth != null) {
      server.addTransportFilter(auth);
      server.intercept(auth);
    }
  }

  /**
   * The credentials of a channel to {@code peer}: mutual TLS that accepts the server only if its
   * certificate names {@code peer}, or plaintext.
   */
  public ChannelCredentials channelCredentials(StoreId peer) {
    TlsMaterial tls = material;
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    SslContextBuilder client = SslContextBuilder.forClient()
        .keyManager(tls.keyManager())
        .trustManager(new PeerTrust(tls.chainVerifier(), requireIdentity(), allowed, peer, metrics));
    return NettySslContextChannelCredentials.create(build(client));
  }

  /** Whether {@code store} may talk to this one now. */
  public boolean allows(StoreId store) {
    return allowed.allows(store);
  }

  /** The allow-list in force; empty: every store. */
  public Set<StoreId> allowedStores() {
    return allowed.stores();
  }

  /** Replaces the allow-list; the caller ends the streams of stores no longer on it. */
  public void updateAllowedStores(Set<StoreId> stores) {
    allowed.update(stores);
    log.info("{}: allow-list now {}", local, stores.isEmpty() ? "every store" : stores);
  }

  /** Checks the TLS files now (the timer does so periodically); whether new material is in force. */
  public boolean reloadIfChanged() {
    TlsMaterial tls = material;
    return tls != null && tls.reloadIfChanged();
  }

  /** Connections open now from {@code store} (0 when insecure: they are not counted). */
  public int connections(StoreId store) {
    Authentication auth = authentication;
    return auth == null ? 0 : auth.connections(store);
  }

  /**
   * gRPC's settings (HTTP/2 over ALPN, its cipher suites) on BoringSSL when netty-tcnative loaded,
   * else the JDK's TLS; engines that decrypt all the records of a read at once ({@link
   * RecordBatchingSslContext}).
   */
  private static SslContext build(SslContextBuilder builder) {
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    try {
      return new RecordBatchingSslContext(GrpcSslContexts.configure(builder, provider).build());
    } catch (SSLException e) {
      throw new IllegalStateException("cannot make a TLS context (" + provider + "): " + e.getMessage(), e);
    }
  }

  private StoreIdentity requireIdentity() {
    StoreIdentity id = identity;
    if (id == null) {
      throw new IllegalStateException("no identity rule without TLS");
    }
    return id;
  }

  @Override
  public void close() {
    Timebase.Cancellable r = reloader;
    if (r != null) {
      r.cancel();
    }
  }
}
