package io.raftwire.example.security;

import io.raftwire.grpc.PeerSecurity;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS of a store's admin endpoint, from PEM files in the transport's form ({@link TlsFiles}):
 * the store's side ({@link #server}) presents the store's own certificate and verifies a client
 * certificate against the trust roots, leaving the admin check ({@link #identity}) to the
 * endpoint; {@code raftwire-kv admin}'s side ({@link #client}) presents the admin certificate and
 * accepts only a server whose certificate leads to the trust roots and names a store of the
 * cluster. The files are read once, when this is made. Immutable.
 */
public final class AdminTls {
  private static final char[] IN_MEMORY = "raftwire-admin".toCharArray();

  private final SSLContext context;
  private final AdminIdentity identity;
  private final TlsFiles files;
  private final boolean server;

  private AdminTls(SSLContext context, AdminIdentity identity, TlsFiles files, boolean server) {
    this.context = context;
    this.identity = identity;
    this.files = files;
    this.server = server;
  }

  /**
   * The store's side: {@code store}'s certificate and key as the server's, client certificates
   * verified against its trust roots (the endpoint asks for one and checks it names the admin of
   * {@code clusterId}).
   *
   * @throws IOException if a file cannot be read or does not hold what it should
   * @throws IllegalArgumentException if the cluster id is not valid
   */
  public static AdminTls server(TlsFiles store, String clusterId) throws IOException {
    Objects.requireNonNull(store, "store");
    AdminIdentity identity = AdminIdentity.of(clusterId);
    return new AdminTls(context(store, pkix(store)), identity, store, true);
  }

  /**
   * {@code raftwire-kv admin}'s side: {@code admin}'s certificate and key as the client's (the
   * admin certificate, {@link TlsDirectory#adminFiles}), and a server accepted only if its chain
   * leads to the trust roots and its certificate names a store of {@code clusterId} ({@link
   * PeerSecurity#storeUri}). The server's host name is not checked: the endpoint listens on
   * loopback only, and a store's certificate names its store, not a host.
   *
   * @throws IOException if a file cannot be read or does not hold what it should
   * @throws IllegalArgumentException if the cluster id is not valid
   */
  public static AdminTls client(TlsFiles admin, String clusterId) throws IOException {
    Objects.requireNonNull(admin, "admin");
    AdminIdentity identity = AdminIdentity.of(clusterId);
    PeerSecurity stores;
    try {
      stores = PeerSecurity.mutualTls(admin.certificateChain(), admin.privateKey(), admin.trustRoots())
          .clusterId(clusterId).build();
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    return new AdminTls(context(admin, new StoreServerTrust(pkix(admin), stores)), identity, admin, false);
  }

  /** The context to serve or connect with. */
  public SSLContext context() {
    return context;
  }

  /** The admin of this cluster: whom the store's side lets in. */
  public AdminIdentity identity() {
    return identity;
  }

  /** The files it was made from. */
  public TlsFiles files() {
    return files;
  }

  private static SSLContext context(TlsFiles files, X509ExtendedTrustManager trust) throws IOException {
    List<X509Certificate> chain = PemFiles.readCertificates(files.certificateChain());
    PrivateKey key = PemFiles.readPrivateKey(files.privateKey());
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("key", key, IN_MEMORY, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
      keyManagers.init(keys, IN_MEMORY);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the key " + files.privateKey() + " with the certificate "
          + files.certificateChain() + ": " + e.getMessage(), e);
    }
  }

  private static X509ExtendedTrustManager pkix(TlsFiles files) throws IOException {
    List<X509Certificate> roots = PemFiles.readCertificates(files.trustRoots());
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        trusted.setCertificateEntry("root-" + i, roots.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(trusted);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IOException("this JVM has no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot trust the roots in " + files.trustRoots() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "AdminTls{" + (server ? "server" : "client") + ", certificate=" + files.certificateChain()
        + ", trustRoots=" + files.trustRoots() + ", admin=" + identity.uri() + "}";
  }
}
