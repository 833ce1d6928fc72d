package io.raftwire.grpc.internal.security;

import io.raftwire.grpc.PeerSecurity;
import io.raftwire.topology.StoreId;
import java.net.URI;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The identity rule of a {@link PeerSecurity}: which store a verified leaf certificate names, or
 * why it names none. The default rule reads URI subject alternative names of the form {@code
 * raftwire://cluster/<cluster-id>/store/<id>}: exactly one store of this cluster must be named.
 * Immutable and thread-safe; called on I/O threads during handshakes.
 */
public final class StoreIdentity {
  /** The subject alternative name type of a URI (RFC 5280). */
  private static final int SAN_URI = 6;

  private final @Nullable String clusterId;
  private final @Nullable Function<X509Certificate, Optional<StoreId>> rule;

  /** What a certificate names: a store, or a refusal with its reason. */
  public record Verdict(@Nullable StoreId store, @Nullable HandshakeRefusal refusal, String detail) {
    static Verdict store(StoreId store) {
      return new Verdict(store, null, "");
    }

    static Verdict refused(HandshakeRefusal refusal, String detail) {
      return new Verdict(null, refusal, detail);
    }
  }

  private StoreIdentity(@Nullable String clusterId, @Nullable Function<X509Certificate, Optional<StoreId>> rule) {
    this.clusterId = clusterId;
    this.rule = rule;
  }

  /** The rule of {@code security} (a mutual TLS one). */
  public static StoreIdentity of(PeerSecurity security) {
    return new StoreIdentity(security.clusterId().orElse(null), security.identityRule().orElse(null));
  }

  /** The store {@code certificate} names, or why it names none. Never throws. */
  public Verdict identify(X509Certificate certificate) {
    if (rule != null) {
      Optional<StoreId> store;
      try {
        store = rule.apply(certificate);
      } catch (RuntimeException e) {
        return Verdict.refused(HandshakeRefusal.NO_STORE_IDENTITY, "the identity rule failed: " + e);
      }
      return store != null && store.isPresent()
          ? Verdict.store(store.get())
          : Verdict.refused(HandshakeRefusal.NO_STORE_IDENTITY, "the identity rule names no store in " + subject(certificate));
    }
    StoreId found = null;
    List<String> otherClusters = new ArrayList<>();
    for (URI uri : raftwireUris(certificate)) {
      String[] path = uri.getPath() == null ? new String[0] : uri.getPath().split("/", -1);
      if (!"cluster".equals(uri.getHost()) || path.length != 4 || !path[0].isEmpty() || !"store".equals(path[2])) {
        continue;
      }
      if (!path[1].equals(clusterId)) {
        otherClusters.add(path[1]);
        continue;
      }
      StoreId store;
      try {
        store = StoreId.of(Long.parseLong(path[3]));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (found != null && !found.equals(store)) {
        return Verdict.refused(HandshakeRefusal.NO_STORE_IDENTITY,
            subject(certificate) + " names two stores, " + found + " and " + store);
      }
      found = store;
    }
    if (found != null) {
      return Verdict.store(found);
    }
    if (!otherClusters.isEmpty()) {
      return Verdict.refused(HandshakeRefusal.WRONG_CLUSTER,
          subject(certificate) + " is of cluster " + otherClusters + ", not " + clusterId);
    }
    return Verdict.refused(HandshakeRefusal.NO_STORE_IDENTITY,
        subject(certificate) + " has no raftwire://cluster/" + clusterId + "/store/<id> subject alternative name");
  }

  private static List<URI> raftwireUris(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return List.of();
    }
    List<URI> uris = new ArrayList<>();
    if (names == null) {
      return uris;
    }
    for (List<?> name : names) {
      if (name.size() == 2 && Integer.valueOf(SAN_URI).equals(name.get(0)) && name.get(1) instanceof String
          && ((String) name.get(1)).startsWith("raftwire://")) {
        try {
          uris.add(URI.create((String) name.get(1)));
        } catch (IllegalArgumentException e) {
          // not a URI: names nothing
        }
      }
    }
    return uris;
  }

  static String subject(X509Certificate certificate) {
    return "certificate '" + certificate.getSubjectX500Principal().getName() + "'";
  }
}
