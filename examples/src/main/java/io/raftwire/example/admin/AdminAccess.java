package io.raftwire.example.admin;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.example.security.AdminIdentity;
import io.raftwire.topology.StoreId;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who gets through the admin endpoint over mutual TLS, and the count and log of who does not. A
 * refusal is counted by reason in {@code raftwire.<store>.admin.access_refused.<reason>} and
 * logged once, at WARN, with the peer and the reason:
 *
 * <ul>
 *   <li>{@code not_admin}: a trusted client whose certificate is not the admin's ({@link
 *       AdminIdentity#refusal}), a store's for example; the request is answered 403;
 *   <li>{@code untrusted_certificate}: the handshake refused the client's certificate (its chain
 *       leads to no trust root, it expired, it is not for TLS clients);
 *   <li>{@code handshake_failed}: any other failed handshake: no client certificate, no TLS at all,
 *       or the client gave up on the store's certificate.
 * </ul>
 *
 * Thread-safe.
 */
final class AdminAccess {
  private static final Logger log = LoggerFactory.getLogger(AdminAccess.class);
  static final String NOT_ADMIN = "not_admin";
  static final String UNTRUSTED_CERTIFICATE = "untrusted_certificate";
  static final String HANDSHAKE_FAILED = "handshake_failed";

  private final StoreId store;
  private final AdminIdentity admin;
  private final Counter notAdmin;
  private final Counter untrusted;
  private final Counter handshakeFailed;

  AdminAccess(StoreId store, AdminIdentity admin, MetricRegistry metrics) {
    this.store = store;
    this.admin = admin;
    this.notAdmin = metrics.counter(name(store, NOT_ADMIN));
    this.untrusted = metrics.counter(name(store, UNTRUSTED_CERTIFICATE));
    this.handshakeFailed = metrics.counter(name(store, HANDSHAKE_FAILED));
  }

  /** {@code raftwire.<store>.admin.access_refused.<reason>}. */
  static String name(StoreId store, String reason) {
    return MetricRegistry.name("raftwire", store.toString(), "admin", "access_refused", reason);
  }

  /** Why the client of {@code session} may not use the endpoint (counted and logged), or empty if it may. */
  Optional<String> refusal(SSLSession session, String request, Object peer) {
    String reason;
    try {
      Certificate[] chain = session.getPeerCertificates();
      reason = chain.length > 0 && chain[0] instanceof X509Certificate leaf
          ? admin.refusal(leaf).orElse(null) : "the client presented no X.509 certificate";
    } catch (SSLPeerUnverifiedException e) {
      reason = "the client presented no certificate";
    }
    if (reason == null) {
      return Optional.empty();
    }
    notAdmin.inc();
    log.warn("{}: the admin endpoint refused {} from {} ({}): {}", store, request, peer, NOT_ADMIN, reason);
    return Optional.of(reason);
  }

  /** Counts and logs a handshake that failed with {@code e}. */
  void handshakeFailed(String peer, SSLException e) {
    boolean certificate = false;
    for (Throwable t = e; t != null && !certificate; t = t.getCause()) {
      certificate = t instanceof CertificateException;
    }
    (certificate ? untrusted : handshakeFailed).inc();
    log.warn("{}: the admin endpoint refused a TLS handshake from {} ({}): {}", store, peer,
        certificate ? UNTRUSTED_CERTIFICATE : HANDSHAKE_FAILED, e.getMessage());
  }
}
