package io.raftwire.example.security;

import io.raftwire.grpc.PeerSecurity;
import io.raftwire.topology.StoreId;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may use a store's admin endpoint when the cluster runs over mutual TLS: the holder of a
 * certificate, under the cluster's trust roots, that carries the URI subject alternative name
 * {@code raftwire://cluster/<cluster-id>/admin} ({@link #uri}) and names no store. It is the
 * store identity rule's sibling ({@link PeerSecurity#storeUri}: {@code
 * raftwire://cluster/<cluster-id>/store/<id>}): a store's certificate, however valid, is not the
 * admin's, and the admin's names no store, so the transport refuses it as a peer. {@link
 * ClusterCertificates} issues it for TLS client use only, so it cannot serve as a store's server
 * certificate either. Immutable; validated when made.
 */
public final class AdminIdentity {
  /** The subject alternative name type of a URI (RFC 5280). */
  private static final int SAN_URI = 6;
  private static final String PREFIX = "raftwire://cluster/";

  private final String clusterId;
  private final String uri;

  private AdminIdentity(String clusterId) {
    this.clusterId = clusterId;
    this.uri = PREFIX + clusterId + "/admin";
  }

  /**
   * The admin of cluster {@code clusterId}.
   *
   * @throws IllegalArgumentException if the cluster id is not a valid one ({@link
   *     PeerSecurity#storeUri})
   */
  public static AdminIdentity of(String clusterId) {
    var unused = PeerSecurity.storeUri(clusterId, StoreId.of(1)); // checks the cluster id
    return new AdminIdentity(clusterId);
  }

  /** The cluster whose admin this is. */
  public String clusterId() {
    return clusterId;
  }

  /** {@code raftwire://cluster/<cluster-id>/admin}: what the admin certificate carries. */
  public String uri() {
    return uri;
  }

  /**
   * Why {@code certificate} is not this admin's, or empty if it is. Reads only the certificate's
   * names: its chain and dates are the TLS handshake's to check.
   *
   * @param certificate a client's leaf certificate
   * @return the reason, for the refusal and the log, or empty
   */
  public Optional<String> refusal(X509Certificate certificate) {
    Objects.requireNonNull(certificate, "certificate");
    String subject = certificate.getSubjectX500Principal().getName();
    List<String> uris;
    try {
      uris = uris(certificate.getSubjectAlternativeNames());
    } catch (CertificateParsingException e) {
      return Optional.of("the certificate '" + subject + "' has subject alternative names that cannot be read: "
          + e.getMessage());
    }
    List<String> stores = uris.stream().filter(u -> u.startsWith(PREFIX) && u.contains("/store/")).toList();
    if (!stores.isEmpty()) {
      return Optional.of("the certificate '" + subject + "' names a store (" + String.join(", ", stores)
          + "), not the admin; the admin endpoint needs the admin certificate, " + uri);
    }
    if (uris.contains(uri)) {
      return Optional.empty();
    }
    List<String> otherAdmins = uris.stream().filter(u -> u.startsWith(PREFIX) && u.endsWith("/admin")).toList();
    if (!otherAdmins.isEmpty()) {
      return Optional.of("the certificate '" + subject + "' names the admin of another cluster ("
          + String.join(", ", otherAdmins) + "); this store needs " + uri);
    }
    return Optional.of("the certificate '" + subject + "' does not name the admin: it needs the URI subject "
        + "alternative name " + uri);
  }

  private static List<String> uris(Collection<List<?>> names) {
    List<String> uris = new ArrayList<>();
    if (names != null) {
      for (List<?> name : names) {
        if (name.size() == 2 && name.get(0) instanceof Integer type && type == SAN_URI
            && name.get(1) instanceof String value) {
          uris.add(value);
        }
      }
    }
    return uris;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdminIdentity other && other.clusterId.equals(clusterId);
  }

  @Override
  public int hashCode() {
    return clusterId.hashCode();
  }

  @Override
  public String toString() {
    return uri;
  }
}
