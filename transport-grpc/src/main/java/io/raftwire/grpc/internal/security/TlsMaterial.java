package io.raftwire.grpc.internal.security;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This store's TLS material, read from the files of a {@link PeerSecurity} and read again when
 * they change: its certificate chain and key (a key manager whose content is swapped in place) and
 * the trust roots (a chain verifier likewise). Every handshake after a swap uses the new material;
 * established connections keep what they negotiated.
 *
 * <p>What is loaded is checked first: the chain and key must parse, the key must belong to the
 * leaf certificate, the leaf must name this very store under the identity rule, and there must be
 * at least one trust root. At start a failed check is a configuration error; on a reload it is
 * counted, reported, and the old material stays.
 *
 * <p>Thread-safe: {@link #reloadIfChanged} runs on one timer thread; handshakes read the managers
 * on I/O threads.
 */
final class TlsMaterial {
  private static final Logger log = LoggerFactory.getLogger(TlsMaterial.class);

  private final StoreId local;
  private final Path chainFile;
  private final Path keyFile;
  private final Path rootsFile;
  private final StoreIdentity identity;
  private final SecurityMetrics metrics;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager chains;

  // Written by the loader (at start, then the timer thread), read by gauges.
  private volatile List<FileStamp> stamps;
  private volatile long leafNotAfterMillis;

  /** What identifies one version of a file: its size and a digest of its bytes (mtimes can lie). */
  private record FileStamp(long sizeBytes, String sha256) {
    static FileStamp of(Path file) {
      try {
        byte[] bytes = Files.readAllBytes(file);
        return new FileStamp(bytes.length, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
      } catch (IOException | NoSuchAlgorithmException e) {
        return new FileStamp(-1, String.valueOf(e));
      }
    }
  }

  /**
   * Loads the material of {@code security}.
   *
   * @throws IllegalArgumentException if it cannot be read or fails a check
   */
  TlsMaterial(PeerSecurity security, StoreId local, StoreIdentity identity, SecurityMetrics metrics) {
    this.local = local;
    this.chainFile = security.certificateChainFile().orElseThrow();
    this.keyFile = security.privateKeyFile().orElseThrow();
    this.rootsFile = security.trustRootsFile().orElseThrow();
    this.identity = identity;
    this.metrics = metrics;
    try {
      this.chains = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no X.509 trust manager on this JVM", e);
    }
    this.stamps = stamps();
    try {
      load();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the TLS material of " + local + " is not usable: " + e.getMessage(), e);
    }
  }

  AdvancedTlsX509KeyManager keyManager() {
    return keys;
  }

  AdvancedTlsX509TrustManager chainVerifier() {
    return chains;
  }

  /** Seconds until this store's certificate expires (negative: expired). */
  long secondsToExpiry() {
    return TimeUnit.MILLISECONDS.toSeconds(leafNotAfterMillis - System.currentTimeMillis());
  }

  /**
   * Loads the files again if any of them changed (in content) since the last load attempt. A failed load keeps
   * the old material and is retried only when the files change again.
   *
   * @return whether new material is in force
   */
  boolean reloadIfChanged() {
    List<FileStamp> now = stamps();
    if (now.equals(stamps)) {
      return false;
    }
    stamps = now;
    try {
      load();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      metrics.reloadFailed(e.getMessage() == null ? e.toString() : e.getMessage());
      return false;
    }
    metrics.reloads.inc();
    log.info("{}: reloaded its TLS certificate, key and trust roots", local);
    return true;
  }

  private List<FileStamp> stamps() {
    return List.of(FileStamp.of(chainFile), FileStamp.of(keyFile), FileStamp.of(rootsFile));
  }

  private void load() throws IOException, GeneralSecurityException {
    X509Certificate[] chain = certificates(chainFile);
    PrivateKey key;
    try (InputStream in = Files.newInputStream(keyFile)) {
      key = CertificateUtils.getPrivateKey(in);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(keyFile + " holds no PKCS#8 PEM private key: " + e, e);
    }
    X509Certificate[] roots = certificates(rootsFile);
    X509Certificate leaf = chain[0];
    checkKeyMatches(key, leaf);
    StoreIdentity.Verdict verdict = identity.identify(leaf);
    if (!local.equals(verdict.store())) {
      throw new IllegalArgumentException(chainFile + ": " + (verdict.store() == null
          ? verdict.detail() : "the certificate names " + verdict.store() + ", but this is " + local));
    }
    leaf.checkValidity();
    keys.updateIdentityCredentials(chain, key);
    chains.updateTrustCredentials(roots);
    leafNotAfterMillis = leaf.getNotAfter().toInstant().toEpochMilli();
  }

  private static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
    X509Certificate[] certificates;
    try (InputStream in = Files.newInputStream(file)) {
      certificates = CertificateUtils.getX509Certificates(in);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + " holds no PEM certificates: " + e, e);
    }
    if (certificates == null || certificates.length == 0) {
      throw new IllegalArgumentException(file + " holds no PEM certificates");
    }
    return certificates;
  }

  /** The key must sign what the leaf's public key verifies. */
  private static void checkKeyMatches(PrivateKey key, X509Certificate leaf) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
    };
    byte[] nonce = new byte[32];
    new SecureRandom().nextBytes(nonce);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(nonce);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(Objects.requireNonNull(leaf.getPublicKey()));
    verifier.update(nonce);
    if (!verifier.verify(signature)) {
      throw new IllegalArgumentException("the private key does not belong to the certificate "
          + StoreIdentity.subject(leaf));
    }
  }
}
