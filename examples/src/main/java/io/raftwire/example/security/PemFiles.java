package io.raftwire.example.security;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * Writes certificates and private keys as PEM files, each through a file beside it that is then
 * moved into place atomically, so that a store watching the file never reads half of it. Private
 * keys are PKCS#8 ({@code PRIVATE KEY}) and readable by their owner only (0600) where the file
 * system has POSIX permissions; elsewhere the owner-only flags of {@link java.io.File} are set.
 */
final class PemFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

  private PemFiles() {}

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
