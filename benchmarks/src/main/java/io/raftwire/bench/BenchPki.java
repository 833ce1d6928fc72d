package io.raftwire.bench;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Throwaway mutual TLS material for one benchmark configuration: a CA made now, and for each store
 * an EC P-256 certificate it signs, naming the store by its URI ({@link PeerSecurity#storeUri}) and
 * 127.0.0.1 by IP (for the raw gRPC ceiling, whose client checks the host as plain gRPC does).
 * Written as PEM files into a temporary directory that {@link #close()} deletes.
 */
final class BenchPki implements AutoCloseable {
  static final String CLUSTER = "bench";
  private static final SecureRandom SERIALS = new SecureRandom();

  private final Path dir;
  private final Path roots;
  private final Map<StoreId, Path> chains = new HashMap<>();
  private final Map<StoreId, Path> keys = new HashMap<>();

  private BenchPki(Path dir) {
    this.dir = dir;
    this.roots = dir.resolve("ca.crt");
  }

  /** A CA and a certificate for each of {@code stores}, valid from an hour ago for a day. */
  static BenchPki create(StoreId... stores) throws IOException {
    BenchPki pki = new BenchPki(Files.createTempDirectory("raftwire-bench-tls-"));
    try {
      Instant now = Instant.now();
      KeyPair ca = ecKeyPair();
      X500Name caName = new X500Name("CN=raftwire benchmark CA");
      pki.writePem(pki.roots, signed(certificate(caName, ca.getPublic(), caName, now, true), ca.getPrivate()));
      for (StoreId store : stores) {
        KeyPair leaf = ecKeyPair();
        GeneralNames names = new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.uniformResourceIdentifier, PeerSecurity.storeUri(CLUSTER, store)),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")});
        Path chain = pki.dir.resolve("store-" + store.value() + ".crt");
        Path key = pki.dir.resolve("store-" + store.value() + ".key");
        JcaX509v3CertificateBuilder certificate =
            certificate(new X500Name("CN=store " + store.value()), leaf.getPublic(), caName, now, false);
        certificate.addExtension(Extension.subjectAlternativeName, false, names);
        pki.writePem(chain, signed(certificate, ca.getPrivate()));
        pki.writePem(key, new JcaPKCS8Generator(leaf.getPrivate(), null));
        pki.chains.put(store, chain);
        pki.keys.put(store, key);
      }
      return pki;
    } catch (GeneralSecurityException | OperatorCreationException | IOException | RuntimeException e) {
      pki.close();
      throw new IllegalStateException("could not make the benchmark's TLS material", e);
    }
  }

  /** raftwire's mutual TLS for {@code store}, with the default store URI rule of {@link #CLUSTER}. */
  PeerSecurity security(StoreId store) {
    return PeerSecurity.mutualTls(file(chains, store), file(keys, store), roots).clusterId(CLUSTER).build();
  }

  /** Plain gRPC server credentials of {@code store}: its certificate, client certificates required. */
  ServerCredentials serverCredentials(StoreId store) throws IOException {
    return TlsServerCredentials.newBuilder()
        .keyManager(file(chains, store).toFile(), file(keys, store).toFile())
        .trustManager(roots.toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
  }

  /** Plain gRPC channel credentials of {@code store}: its certificate, servers checked against the CA. */
  ChannelCredentials channelCredentials(StoreId store) throws IOException {
    return TlsChannelCredentials.newBuilder()
        .keyManager(file(chains, store).toFile(), file(keys, store).toFile())
        .trustManager(roots.toFile())
        .build();
  }

  private static Path file(Map<StoreId, Path> files, StoreId store) {
    Path file = files.get(store);
    if (file == null) {
      throw new IllegalArgumentException("no certificate was made for " + store);
    }
    return file;
  }

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  /** A certificate of {@code subject}, valid from an hour before {@code now} for a day, to be signed by {@code issuer}. */
  private static JcaX509v3CertificateBuilder certificate(X500Name subject, PublicKey subjectKey, X500Name issuer,
      Instant now, boolean ca) throws IOException {
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(63, SERIALS),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, subjectKey);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign : KeyUsage.digitalSignature));
    return builder;
  }

  private static X509Certificate signed(JcaX509v3CertificateBuilder certificate, PrivateKey issuerKey)
      throws GeneralSecurityException, OperatorCreationException {
    return new JcaX509CertificateConverter()
        .getCertificate(certificate.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }

  private void writePem(Path file, Object object) throws IOException {
    try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(object);
    }
  }

  /** Deletes the files. */
  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }
}
