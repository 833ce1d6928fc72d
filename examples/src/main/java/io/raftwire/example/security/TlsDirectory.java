package io.raftwire.example.security;

import io.raftwire.topology.StoreId;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the example keeps a cluster's TLS files in one directory: the trust roots in {@code
 * ca.crt}, for store {@code <id>} its certificate in {@code s<id>.crt} and its key in {@code
 * s<id>.key}, and the admin's certificate and key ({@link AdminIdentity}) in {@code admin.crt} and
 * {@code admin.key}. {@link ClusterCertificates} writes this layout; the {@code --tls-dir} flag
 * reads it. Immutable.
 */
public final class TlsDirectory {
  /** The trust roots' file name. */
  public static final String TRUST_ROOTS = "ca.crt";
  /** The admin certificate's file name. */
  public static final String ADMIN_CERTIFICATE = "admin.crt";
  /** The admin key's file name. */
  public static final String ADMIN_KEY = "admin.key";

  private final Path dir;

  private TlsDirectory(Path dir) {
    this.dir = dir;
  }

  /** The layout in {@code dir} (which need not exist yet). */
  public static TlsDirectory of(Path dir) {
    return new TlsDirectory(Objects.requireNonNull(dir, "dir"));
  }

  /** The directory. */
  public Path dir() {
    return dir;
  }

  /** {@code ca.crt}. */
  public Path trustRoots() {
    return dir.resolve(TRUST_ROOTS);
  }

  /** {@code s<id>.crt}. */
  public Path certificateChain(StoreId store) {
    return dir.resolve("s" + store.value() + ".crt");
  }

  /** {@code s<id>.key}. */
  public Path privateKey(StoreId store) {
    return dir.resolve("s" + store.value() + ".key");
  }

  /** The three files of {@code store}. */
  public TlsFiles files(StoreId store) {
    return new TlsFiles(certificateChain(store), privateKey(store), trustRoots());
  }

  /** {@code admin.crt}. */
  public Path adminCertificateChain() {
    return dir.resolve(ADMIN_CERTIFICATE);
  }

  /** {@code admin.key}. */
  public Path adminPrivateKey() {
    return dir.resolve(ADMIN_KEY);
  }

  /** The admin's certificate and key, and the trust roots. */
  public TlsFiles adminFiles() {
    return new TlsFiles(adminCertificateChain(), adminPrivateKey(), trustRoots());
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
