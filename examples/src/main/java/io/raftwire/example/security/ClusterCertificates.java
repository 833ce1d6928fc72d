package io.raftwire.example.security;

import io.raftwire.grpc.PeerSecurity;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A throwaway certificate authority, one certificate per store of one cluster and one for its
 * admin, written in the layout of {@link TlsDirectory}: {@code ca.crt}, {@code s<id>.crt} with
 * {@code s<id>.key} per store, and {@code admin.crt} with {@code admin.key}. Each store certificate
 * names its store under the transport's default identity rule (the URI subject alternative name
 * {@link PeerSecurity#storeUri}) and serves as both TLS client and server certificate; the admin
 * certificate names the admin ({@link AdminIdentity#uri}), no store, and serves as a TLS client
 * certificate only (what {@code raftwire-kv admin} presents to a store's admin endpoint). The CA's key exists only while the certificates are made: it is never
 * written, so nobody can issue more certificates under that CA later; to add a store, make a new
 * set for every store (or use a PKI of your own). Immutable; validated when built.
 */
public final class ClusterCertificates {
  /** Default validity of the certificates: 30 days. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
  /** Longest validity: 10 years. */
  public static final Duration MAX_VALIDITY = Duration.ofDays(3650);
  /** Shortest validity: 1 minute. */
  public static final Duration MIN_VALIDITY = Duration.ofMinutes(1);
  /** The certificates are valid from this long before they are made, for clocks a little behind. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private final String clusterId;
  private final SortedSet<StoreId> stores;
  private final Duration validity;

  private ClusterCertificates(String clusterId, SortedSet<StoreId> stores, Duration validity) {
    this.clusterId = clusterId;
    this.stores = Collections.unmodifiableSortedSet(stores);
    this.validity = validity;
  }

  /**
   * Certificates for {@code stores} of cluster {@code clusterId}, valid for {@code validity} from
   * when they are written.
   *
   * @throws IllegalArgumentException if the cluster id is not a valid one ({@link
   *     PeerSecurity#storeUri}), there are no stores, or the validity is outside [{@link
   *     #MIN_VALIDITY}, {@link #MAX_VALIDITY}]
   */
  public static ClusterCertificates of(String clusterId, Collection<StoreId> stores, Duration validity) {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(validity, "validity");
    SortedSet<StoreId> sorted = new TreeSet<>(Objects.requireNonNull(stores, "stores"));
    if (sorted.isEmpty()) {
      throw new IllegalArgumentException("certificates need at least one store");
    }
    var unused = PeerSecurity.storeUri(clusterId, sorted.first()); // checks the cluster id
    if (validity.compareTo(MIN_VALIDITY) < 0 || validity.compareTo(MAX_VALIDITY) > 0) {
      throw new IllegalArgumentException("validity must be between " + MIN_VALIDITY + " and " + MAX_VALIDITY
          + ", was " + validity);
    }
    return new ClusterCertificates(clusterId, sorted, validity);
  }

  /** The cluster id every certificate names. */
  public String clusterId() {
    return clusterId;
  }

  /** The stores that get a certificate, in order. */
  public SortedSet<StoreId> stores() {
    return stores;
  }

  /** How long the certificates are valid from when they are written. */
  public Duration validity() {
    return validity;
  }

  /**
   * The files {@link #writeTo} writes into {@code dir}: the trust roots first, then each store's
   * pair, then the admin's.
   */
  public List<Path> files(Path dir) {
    TlsDirectory layout = TlsDirectory.of(dir);
    List<Path> files = new ArrayList<>();
    files.add(layout.trustRoots());
    for (StoreId store : stores) {
      files.add(layout.certificateChain(store));
      files.add(layout.privateKey(store));
    }
    files.add(layout.adminCertificateChain());
    files.add(layout.adminPrivateKey());
    return files;
  }

  /**
   * Makes a new CA, the stores' certificates and the admin's and writes them into {@code dir} (created if
   * missing). Each file is moved into place whole, so running stores that watch the files pick up
   * a complete new set (the trust roots first: until every store has the new roots, a peer with a
   * certificate of the new CA is refused, so roll the roots out before the certificates).
   *
   * @param overwrite whether existing files are replaced; if false and any exists, nothing is written
   * @throws FileAlreadyExistsException if a file exists and {@code overwrite} is false
   * @throws IOException if a file cannot be written
   */
  public TlsDirectory writeTo(Path dir, boolean overwrite) throws IOException {
    Objects.requireNonNull(dir, "dir");
    if (!overwrite) {
      for (Path file : files(dir)) {
        if (Files.exists(file)) {
          throw new FileAlreadyExistsException(file.toString(), null, "exists; choose overwriting to replace it");
        }
      }
    }
    Files.createDirectories(dir);
    Instant now = Instant.now();
    Instant notBefore = now.minus(CLOCK_SKEW);
    Instant notAfter = now.plus(validity);
    CertificateAuthority ca = new CertificateAuthority("raftwire " + clusterId + " throwaway CA", notBefore, notAfter);
    TlsDirectory layout = TlsDirectory.of(dir);
    PemFiles.writeCertificate(layout.trustRoots(), ca.certificate());
    for (StoreId store : stores) {
      CertificateAuthority.Issued issued =
          ca.issue("raftwire " + clusterId + " store " + store.value(), PeerSecurity.storeUri(clusterId, store));
      PemFiles.writePrivateKey(layout.privateKey(store), issued.keys().getPrivate());
      PemFiles.writeCertificate(layout.certificateChain(store), issued.certificate());
    }
    CertificateAuthority.Issued admin =
        ca.issueClient("raftwire " + clusterId + " admin", AdminIdentity.of(clusterId).uri());
    PemFiles.writePrivateKey(layout.adminPrivateKey(), admin.keys().getPrivate());
    PemFiles.writeCertificate(layout.adminCertificateChain(), admin.certificate());
    return layout;
  }

  @Override
  public String toString() {
    return "ClusterCertificates{cluster=" + clusterId + ", stores=" + stores + ", validity=" + validity + "}";
  }
}
