package io.raftwire.example.security;

import io.raftwire.grpc.PeerSecurity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The admin client's trust: a server is accepted if its chain leads to the trust roots (the
 * JDK's PKIX checks, for a TLS server) and its leaf names a store of the cluster under the
 * transport's rule. No host name is checked, whatever the connection asks for: a store's
 * certificate names its store, not a host. It verifies no clients. Immutable.
 */
final class StoreServerTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager pkix;
  private final PeerSecurity stores;

  StoreServerTrust(X509ExtendedTrustManager pkix, PeerSecurity stores) {
    this.pkix = pkix;
    this.stores = stores;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
    if (stores.storeOf(chain[0]).isEmpty()) {
      throw new CertificateException("the admin endpoint's certificate '" + chain[0].getSubjectX500Principal().getName()
          + "' names no store of cluster " + stores.clusterId().orElse("?"));
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the admin client verifies no clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
