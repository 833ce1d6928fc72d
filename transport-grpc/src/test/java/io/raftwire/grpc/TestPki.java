package io.raftwire.grpc;

import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for tests: certificate authorities, and store certificates they issue with any URI
 * subject alternative names and validity, written as the PEM files {@link PeerSecurity} reads.
 */
public final class TestPki {
  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

  private TestPki() {}

  /** A certificate and key written to files, and the roots file of the CA that issued it. */
  public record Material(Path chain, Path key, Path roots) {
    public PeerSecurity.Builder security() {
      return PeerSecurity.mutualTls(chain, key, roots);
    }
  }

  /** A self-signed certificate authority. */
  public static final class Ca {
    final String name;
    final KeyPair keys;
    final X509Certificate certificate;

    private Ca(String name, KeyPair keys, X509Certificate certificate) {
      this.name = name;
      this.keys = keys;
      this.certificate = certificate;
    }

    public static Ca create(String name) {
      KeyPair keys = ecKeys();
      Instant now = Instant.now();
      X509Certificate cert = sign(keys, new X500Name("CN=" + name), keys, new X500Name("CN=" + name),
          now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), List.of(), true);
      return new Ca(name, keys, cert);
    }

    /** Writes this CA's certificate as a roots file. */
    public Path writeRoots(Path file) {
      write(file, pem("CERTIFICATE", encoded(certificate)));
      return file;
    }

    /** A store certificate of {@code cluster}, valid for a day, written under {@code dir} as {@code <stem>.*}. */
    public Material store(Path dir, String stem, String cluster, StoreId store) {
      return issue(dir, stem, List.of(PeerSecurity.storeUri(cluster, store)), Instant.now().minus(Duration.ofHours(1)),
          Instant.now().plus(Duration.ofDays(1)));
    }

    /** A certificate with the given URI SANs and validity, written under {@code dir} as {@code <stem>.*}. */
    public Material issue(Path dir, String stem, List<String> uris, Instant notBefore, Instant notAfter) {
      KeyPair leaf = ecKeys();
      X509Certificate cert = sign(leaf, new X500Name("CN=" + stem), keys, new X500Name("CN=" + name), notBefore,
          notAfter, uris, false);
      Path chain = dir.resolve(stem + ".crt");
      Path key = dir.resolve(stem + ".key");
      Path roots = dir.resolve(stem + "-roots.crt");
      write(chain, pem("CERTIFICATE", encoded(cert)));
      write(key, pem("PRIVATE KEY", leaf.getPrivate().getEncoded()));
      writeRoots(roots);
      return new Material(chain, key, roots);
    }
  }

  static KeyPair ecKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(KeyPair subjectKeys, X500Name subject, KeyPair issuerKeys, X500Name issuer,
      Instant notBefore, Instant notAfter, List<String> uris, boolean ca) {
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
          BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
          subjectKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      builder.addExtension(Extension.keyUsage, true, ca
          ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
          : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      if (!uris.isEmpty()) {
        GeneralName[] names = uris.stream().map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
            .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
