package io.raftwire.example.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * Reads and writes certificates and private keys as PEM files. It writes each each through a file beside it that is then
 * moved into place atomically, so that a store watching the file never reads half of it. Private
 * keys are PKCS#8 ({@code PRIVATE KEY}) and readable by their owner only (0600) where the file
 * system has POSIX permissions; elsewhere the owner-only flags of {@link java.io.File} are set.
 */
final class PemFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemFiles() {}

  /**
   * The certificates in {@code file}, in their order (a chain: leaf first).
   *
   * @throws IOException if it cannot be read, or holds no certificate or something else
   */
  static List<X509Certificate> readCertificates(Path file) throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) c);
      }
    } catch (CertificateException | ClassCastException e) {
      throw new IOException(file + " is not PEM X.509 certificates: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IOException(file + " holds no certificate");
    }
    return List.copyOf(certificates);
  }

  /**
   * The PKCS#8 ({@code PRIVATE KEY}) EC or RSA key in {@code file}.
   *
   * @throws IOException if it cannot be read or holds no such key
   */
  static PrivateKey readPrivateKey(Path file) throws IOException {
    Matcher m = PKCS8.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IOException(file + " holds no PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": the key is not base64: " + e.getMessage(), e);
    }
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new IOException(file + " holds neither an EC nor an RSA PKCS#8 key: " + last.getMessage(), last);
  }

  /** Writes {@code certificate} to {@code file}, readable by everyone (0644). */
  static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
    write(file, pem(certificate), false);
  }

  /** Writes {@code key} to {@code file} as PKCS#8, readable by its owner only. */
  static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    write(file, pem(new JcaPKCS8Generator(key, null)), true);
  }

  private static String pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }

  private static void write(Path file, String text, boolean secret) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    // A temporary file is created owner-only, so a key is never readable by others, not even briefly.
    Path staged = posix
        ? Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
        : Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      if (!posix && secret) {
        ownerOnly(staged);
      }
      Files.writeString(staged, text, StandardCharsets.US_ASCII);
      if (posix && !secret) {
        Files.setPosixFilePermissions(staged, WORLD_READABLE);
      }
      Files.move(staged, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(staged);
    }
  }

  private static void ownerOnly(Path file) throws IOException {
    java.io.File f = file.toFile();
    boolean done = f.setReadable(false, false) && f.setReadable(true, true)
        && f.setWritable(false, false) && f.setWritable(true, true);
    if (!done) {
      throw new IOException("cannot make " + file + " readable by its owner only");
    }
  }
}
