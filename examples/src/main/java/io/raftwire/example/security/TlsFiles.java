package io.raftwire.example.security;

import io.raftwire.grpc.PeerSecurity;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One store's PEM files for mutual TLS: its certificate chain (leaf first), its PKCS#8 private key
 * and the trust roots that its peers' certificates must lead to. Immutable.
 *
 * @param certificateChain the store's certificate chain, leaf first
 * @param privateKey the private key of the leaf certificate
 * @param trustRoots the CA certificates peers must chain to
 */
public record TlsFiles(Path certificateChain, Path privateKey, Path trustRoots) {
  public TlsFiles {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(trustRoots, "trustRoots");
  }

  /**
   * Mutual TLS with these files under the default identity rule: every peer's certificate must
   * carry {@code raftwire://cluster/<clusterId>/store/<id>}. The files are read again when they
   * change ({@link PeerSecurity#DEFAULT_RELOAD_CHECK_NANOS}).
   *
   * @throws IllegalArgumentException if the cluster id is not valid or a file is not a readable file
   */
  public PeerSecurity security(String clusterId) {
    return PeerSecurity.mutualTls(certificateChain, privateKey, trustRoots).clusterId(clusterId).build();
  }
}
