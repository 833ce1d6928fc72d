package io.raftwire.example.security;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate authority that lives only in memory: it signs store certificates (and
 * the admin's) and is then forgotten, so its key is never written anywhere. EC P-256 keys, ECDSA
 * with SHA-256. Not thread-safe.
 */
final class CertificateAuthority {
  private static final String SIGNATURE = "SHA256withECDSA";

  private final SecureRandom random = new SecureRandom();
  private final KeyPair keys;
  private final X500Name name;
  private final X509Certificate certificate;
  private final Instant notBefore;
  private final Instant notAfter;

  /** A new CA named {@code commonName}, valid from {@code notBefore} to {@code notAfter}. */
  CertificateAuthority(String commonName, Instant notBefore, Instant notAfter) {
    this.keys = newKeyPair();
    this.name = commonName(commonName);
    this.notBefore = notBefore;
    this.notAfter = notAfter;
    this.certificate = sign(name, keys.getPublic(), builder -> {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    });
  }

  /** The CA's own certificate: what peers put in their trust roots. */
  X509Certificate certificate() {
    return certificate;
  }

  /**
   * A new key pair and a certificate for it, named {@code commonName} with the one URI subject
   * alternative name {@code uri}, usable as both TLS client and server.
   */
  Issued issue(String commonName, String uri) {
    return issue(commonName, uri, new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
  }

  /**
   * Like {@link #issue}, but usable as a TLS client certificate only: one that no server can
   * present (the admin's).
   */
  Issued issueClient(String commonName, String uri) {
    return issue(commonName, uri, new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
  }

  private Issued issue(String commonName, String uri, KeyPurposeId[] purposes) {
    KeyPair leaf = newKeyPair();
    X509Certificate cert = sign(commonName(commonName), leaf.getPublic(), builder -> {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensions().createAuthorityKeyIdentifier(keys.getPublic()));
    });
    return new Issued(leaf, cert);
  }

  /** A key pair and the certificate this CA issued for it. */
  record Issued(KeyPair keys, X509Certificate certificate) {}

  /** Adds a certificate's own extensions to its builder. */
  @FunctionalInterface
  private interface Extensions {
    void addTo(X509v3CertificateBuilder builder) throws CertIOException, GeneralSecurityException;
  }

  private X509Certificate sign(X500Name subject, PublicKey subjectKey, Extensions extensions) {
    try {
      // A positive 127-bit serial number: unique without a counter, within RFC 5280's 20 octets.
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(127, random),
          Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensions().createSubjectKeyIdentifier(subjectKey));
      extensions.addTo(builder);
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot sign a certificate for " + subject, e);
    }
  }

  private static JcaX509ExtensionUtils extensions() throws GeneralSecurityException {
    return new JcaX509ExtensionUtils();
  }

  private static X500Name commonName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
    }
  }
}
