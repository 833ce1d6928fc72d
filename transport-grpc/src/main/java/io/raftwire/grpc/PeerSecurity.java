package io.raftwire.grpc;

import io.raftwire.grpc.internal.security.StoreIdentity;
import io.raftwire.topology.StoreId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How a transport knows who its peers are: mutual TLS with every store's identity in its
 * certificate, or, by explicit choice only, plaintext. Immutable.
 *
 * <p><b>Mutual TLS</b> ({@link #mutualTls}): every raftwire RPC (Raft streams, snapshot transfers,
 * delegation) runs over TLS with client certificates required. A peer is trusted when its chain
 * leads to one of the trust roots and its leaf certificate names a store under the identity rule:
 * by default a URI subject alternative name {@code raftwire://cluster/<cluster-id>/store/<id>}
 * ({@link #storeUri}) with this cluster's id, so two clusters under one CA stay apart; or a rule of
 * the user's own ({@link Builder#identity}). Then:
 *
 * <ul>
 *   <li>the server takes the sending store from the certificate of the connection, never from
 *       the message: a stream whose hello names another store is refused {@code
 *       PERMISSION_DENIED}, and so are snapshot offers and delegation requests made in another
 *       store's name;
 *   <li>a client accepts a server only if its certificate names the store it meant to reach;
 *   <li>a store that is not on the allow-list ({@link Builder#allowedStores}, changeable at runtime
 *       with {@link GrpcTransport#updateAllowedStores}) is refused at the handshake, and its open
 *       streams end when it is taken off;
 *   <li>the certificate, key and trust roots are read again when their files change (checked every
 *       {@link Builder#reloadCheckNanos}); new handshakes use the new material, open connections
 *       keep theirs until they close. A reload that fails, or whose certificate names another store,
 *       is refused and the old material stays (counted and logged).
 * </ul>
 *
 * <p>The files are PEM: a certificate chain (leaf first), its private key (PKCS#8, RSA or EC) and
 * the trust roots (one or more CA certificates).
 *
 * <p><b>Plaintext</b> ({@link #insecure}): no peer is authenticated and a hello's claimed sender is
 * believed; only for trusted networks and tests. The transport logs a warning when it starts.
 * There is no default: a {@link GrpcTransportConfig} without a security choice does not build.
 */
public final class PeerSecurity {
  /** Default interval of the check for changed certificate, key or trust files: 30 s. */
  public static final long DEFAULT_RELOAD_CHECK_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final PeerSecurity INSECURE = new PeerSecurity(null);

  private final @Nullable Builder tls;

  private PeerSecurity(@Nullable Builder tls) {
    this.tls = tls;
  }

  /**
   * Plaintext: nobody is authenticated. Logged as a warning when the transport starts.
   *
   * @return the plaintext choice (one shared instance)
   */
  public static PeerSecurity insecure() {
    return INSECURE;
  }

  /**
   * Mutual TLS with the certificate chain and key of this store and the roots that peers'
   * certificates must lead to (all PEM files). The files are checked when the builder builds and
   * read when the transport starts.
   *
   * @param certificateChainFile this store's certificate chain, leaf first
   * @param privateKeyFile the PKCS#8 private key (RSA or EC) of the leaf certificate
   * @param trustRootsFile one or more CA certificates that peers' chains must lead to
   * @return a builder for the rest of the choice; it needs {@link Builder#clusterId} or {@link
   *     Builder#identity} before it builds
   */
  public static Builder mutualTls(Path certificateChainFile, Path privateKeyFile, Path trustRootsFile) {
    return new Builder(Objects.requireNonNull(certificateChainFile, "certificateChainFile"),
        Objects.requireNonNull(privateKeyFile, "privateKeyFile"), Objects.requireNonNull(trustRootsFile, "trustRootsFile"));
  }

  /**
   * The URI subject alternative name that names {@code store} of cluster {@code clusterId} under the
   * default identity rule, e.g. {@code raftwire://cluster/prod-eu/store/3}. Use it when issuing a
   * store's certificate.
   *
   * @param clusterId the cluster's id, as given to {@link Builder#clusterId}
   * @param store the store the certificate is for
   * @return the URI to put in the certificate's subject alternative names
   * @throws IllegalArgumentException if the cluster id is not 1-64 of {@code [A-Za-z0-9._-]}, starting
   *     with a letter or digit
   */
  public static String storeUri(String clusterId, StoreId store) {
    checkClusterId(clusterId);
    return "raftwire://cluster/" + clusterId + "/store/" + store.value();
  }

  /** {@return whether this is the plaintext choice} */
  public boolean isInsecure() {
    return tls == null;
  }

  /** {@return the PEM certificate chain of this store (leaf first); empty when insecure} */
  public Optional<Path> certificateChainFile() {
    return tls == null ? Optional.empty() : Optional.of(tls.certificateChainFile);
  }

  /** {@return the PEM private key of this store's certificate; empty when insecure} */
  public Optional<Path> privateKeyFile() {
    return tls == null ? Optional.empty() : Optional.of(tls.privateKeyFile);
  }

  /** {@return the PEM trust roots peers' chains must lead to; empty when insecure} */
  public Optional<Path> trustRootsFile() {
    return tls == null ? Optional.empty() : Optional.of(tls.trustRootsFile);
  }

  /**
   * {@return the cluster id certificates must carry under the default identity rule; empty when
   * none is set, and always when insecure}
   */
  public Optional<String> clusterId() {
    return tls == null ? Optional.empty() : Optional.ofNullable(tls.clusterId);
  }

  /**
   * {@return the stores allowed to connect at start, unmodifiable; empty: every store the trusted
   * certificates name (always empty when insecure)} The live list is {@link
   * GrpcTransport#allowedStores()}.
   */
  public Set<StoreId> allowedStores() {
    return tls == null ? Set.of() : tls.allowedStores;
  }

  /**
   * {@return how often the certificate, key and trust files are checked for changes, in
   * nanoseconds; {@link #DEFAULT_RELOAD_CHECK_NANOS} when insecure}
   */
  public long reloadCheckNanos() {
    return tls == null ? DEFAULT_RELOAD_CHECK_NANOS : tls.reloadCheckNanos;
  }

  /**
   * {@return the identity rule given with {@link Builder#identity}; empty: the store URI rule with
   * {@link #clusterId}}
   */
  public Optional<Function<X509Certificate, Optional<StoreId>>> identityRule() {
    return tls == null ? Optional.empty() : Optional.ofNullable(tls.identity);
  }

  /**
   * The store {@code certificate} names under this security's identity rule, or empty if it names
   * none, names several, or belongs to another cluster. Always empty when insecure. Does not
   * check the certificate's chain or validity dates.
   *
   * @param certificate a leaf certificate, for example one issued with {@link #storeUri}
   * @return the store the certificate names, or empty
   */
  public Optional<StoreId> storeOf(X509Certificate certificate) {
    Objects.requireNonNull(certificate, "certificate");
    return tls == null ? Optional.empty() : Optional.ofNullable(StoreIdentity.of(this).identify(certificate).store());
  }

  private static void checkClusterId(String clusterId) {
    Objects.requireNonNull(clusterId, "clusterId");
    if (!CLUSTER_ID.matcher(clusterId).matches()) {
      throw new IllegalArgumentException(
          "clusterId must be 1-64 of [A-Za-z0-9._-] starting with a letter or digit, was '" + clusterId + "'");
    }
  }

  @Override
  public String toString() {
    if (tls == null) {
      return "PeerSecurity{insecure}";
    }
    return "PeerSecurity{mutualTls, certificate=" + tls.certificateChainFile + ", trustRoots=" + tls.trustRootsFile
        + (tls.clusterId != null ? ", cluster=" + tls.clusterId : ", own identity rule")
        + (tls.allowedStores.isEmpty() ? "" : ", allowed=" + tls.allowedStores) + "}";
  }

  /** Builds the mutual TLS choice; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private final Path certificateChainFile;
    private final Path privateKeyFile;
    private final Path trustRootsFile;
    private @Nullable String clusterId;
    private @Nullable Function<X509Certificate, Optional<StoreId>> identity;
    private Set<StoreId> allowedStores = Set.of();
    private long reloadCheckNanos = DEFAULT_RELOAD_CHECK_NANOS;

    private Builder(Path certificateChainFile, Path privateKeyFile, Path trustRootsFile) {
      this.certificateChainFile = certificateChainFile;
      this.privateKeyFile = privateKeyFile;
      this.trustRootsFile = trustRootsFile;
    }

    /**
     * No default; needed unless {@link #identity} is given. The cluster id peers' certificates must
     * carry in their store URI ({@link #storeUri}): 1-64 of {@code [A-Za-z0-9._-]}.
     *
     * @param clusterId the cluster's id, starting with a letter or digit; ignored for identity once
     *     a rule is given with {@link #identity}
     * @return this builder
     * @throws IllegalArgumentException if the id does not have that form
     */
    public Builder clusterId(String clusterId) {
      checkClusterId(clusterId);
      this.clusterId = clusterId;
      return this;
    }

    /**
     * Default: the store URI rule with {@link #clusterId}. A rule of your own that names the store
     * of a verified leaf certificate (from its CN or another SAN), or empty if it names none. Called
     * during handshakes, on I/O threads: it must be quick, must not block and must not throw.
     *
     * @param identity the rule; it takes precedence over {@link #clusterId}. A certificate it
     *     throws for or names no store for is refused
     * @return this builder
     */
    public Builder identity(Function<X509Certificate, Optional<StoreId>> identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * Default empty, meaning every store a trusted certificate names. The stores allowed to connect
     * at start; change them at runtime with {@link GrpcTransport#updateAllowedStores}.
     *
     * @param stores the allow-list, copied
     * @return this builder
     */
    public Builder allowedStores(Set<StoreId> stores) {
      this.allowedStores = Set.copyOf(Objects.requireNonNull(stores, "stores"));
      return this;
    }

    /**
     * Default {@link #DEFAULT_RELOAD_CHECK_NANOS}; at least 1 ms. How often the files are checked
     * for changes.
     *
     * @param nanos the check interval in nanoseconds; checked by {@link #build}
     * @return this builder
     */
    public Builder reloadCheckNanos(long nanos) {
      this.reloadCheckNanos = nanos;
      return this;
    }

    /**
     * Validates and builds. The builder can be used again afterwards; later changes do not affect
     * the result.
     *
     * @return the mutual TLS choice
     * @throws IllegalArgumentException if neither a cluster id nor an identity rule is given, the
     *     reload interval is under 1 ms, or a file is not a readable regular file
     */
    public PeerSecurity build() {
      if (clusterId == null && identity == null) {
        throw new IllegalArgumentException("mutual TLS needs a clusterId (for the default store URI rule) or an identity rule");
      }
      if (reloadCheckNanos < TimeUnit.MILLISECONDS.toNanos(1)) {
        throw new IllegalArgumentException("reloadCheckNanos must be >= 1 ms, was " + reloadCheckNanos);
      }
      for (Path file : List.of(certificateChainFile, privateKeyFile, trustRootsFile)) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
          throw new IllegalArgumentException(file + " is not a readable file");
        }
      }
      Builder copy = new Builder(certificateChainFile, privateKeyFile, trustRootsFile);
      copy.clusterId = clusterId;
      copy.identity = identity;
      copy.allowedStores = allowedStores;
      copy.reloadCheckNanos = reloadCheckNanos;
      return new PeerSecurity(copy);
    }
  }
}
