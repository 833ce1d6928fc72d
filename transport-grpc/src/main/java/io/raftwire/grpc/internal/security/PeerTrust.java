package io.raftwire.grpc.internal.security;

import io.raftwire.topology.StoreId;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a peer's certificate chain is trusted during a TLS handshake: first the chain
 * itself (it must lead to a trust root and be valid now: the shared, reloadable chain verifier),
 * then the store it names. A server's instance checks clients: the store must be on the allow-list.
 * A client's instance, one per peer, checks the server: its certificate must name the store the
 * client meant to reach. There is no host name check: the store identity takes its place. Every
 * refusal is counted by reason and reported to the problem log. Thread-safe; called on I/O threads.
 */
final class PeerTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager chains;
  private final StoreIdentity identity;
  private final AllowList allowed;
  private final @Nullable StoreId expectedServer;
  private final SecurityMetrics metrics;

  /**
   * @param expectedServer the store a client means to reach; null for a server's instance
   */
  PeerTrust(X509ExtendedTrustManager chains, StoreIdentity identity, AllowList allowed, @Nullable StoreId expectedServer,
      SecurityMetrics metrics) {
    this.chains = chains;
    this.identity = identity;
    this.allowed = allowed;
    this.expectedServer = expectedServer;
    this.metrics = metrics;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verifyChain(() -> chains.checkClientTrusted(chain, authType, engine), peer("client", engine));
    checkClient(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verifyChain(() -> chains.checkClientTrusted(chain, authType, socket), peer("client", socket));
    checkClient(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verifyChain(() -> chains.checkClientTrusted(chain, authType), "client");
    checkClient(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verifyChain(() -> chains.checkServerTrusted(chain, authType, engine), peer("server", engine));
    checkServer(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verifyChain(() -> chains.checkServerTrusted(chain, authType, socket), peer("server", socket));
    checkServer(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verifyChain(() -> chains.checkServerTrusted(chain, authType), "server");
    checkServer(chain);
  }

  /** Who is at the other end, for reports: its role and address. */
  private static String peer(String role, @Nullable SSLEngine engine) {
    return engine == null || engine.getPeerHost() == null ? role : role + " " + engine.getPeerHost() + ":" + engine.getPeerPort();
  }

  private static String peer(String role, @Nullable Socket socket) {
    return socket == null ? role : role + " " + socket.getRemoteSocketAddress();
  }

  /** One of the chain verifier's checks. */
  @FunctionalInterface
  private interface ChainCheck {
    void run() throws CertificateException;
  }

  private void verifyChain(ChainCheck check, String side) throws CertificateException {
    try {
      check.run();
    } catch (CertificateException | RuntimeException e) { // an empty chain is an IllegalArgumentException
      throw refused(HandshakeRefusal.UNTRUSTED_CHAIN, side, e.getMessage());
    }
  }

  /**
   * None announced: a server that named its trust roots would make a client with a certificate of
   * another CA send none at all, and its refusal would happen inside the TLS engine, uncounted.
   * Unnamed, every client sends its certificate and is refused here, by reason.
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }

  private void checkClient(X509Certificate[] chain) throws CertificateException {
    StoreIdentity.Verdict verdict = identity.identify(chain[0]);
    StoreId store = verdict.store();
    if (store == null) {
      throw refused(verdict.refusal(), "client", verdict.detail());
    }
    if (!allowed.allows(store)) {
      throw refused(HandshakeRefusal.NOT_ALLOWED, store, store + " is not on the allow-list");
    }
  }

  private void checkServer(X509Certificate[] chain) throws CertificateException {
    StoreIdentity.Verdict verdict = identity.identify(chain[0]);
    StoreId store = verdict.store();
    if (store == null) {
      throw refused(verdict.refusal(), "server", verdict.detail());
    }
    if (!store.equals(expectedServer)) {
      throw refused(HandshakeRefusal.WRONG_STORE, store,
          "connected to reach " + expectedServer + " but the server's certificate names " + store);
    }
  }

  private CertificateException refused(@Nullable HandshakeRefusal reason, Object peer, @Nullable String detail) {
    HandshakeRefusal why = reason == null ? HandshakeRefusal.NO_STORE_IDENTITY : reason;
    metrics.handshakeRefused(why, peer, String.valueOf(detail));
    return new CertificateException(why + ": " + detail);
  }
}
