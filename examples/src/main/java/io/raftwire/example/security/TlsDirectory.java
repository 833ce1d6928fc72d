package io.raftwire.example.security;

import io.raftwire.topology.StoreId;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the example keeps a cluster's TLS files in one directory: the trust roots in {@code
 * ca.crt}, and for store {@code <id>} its certificate in {@code s<id>.crt} and its key in {@code
 * s<id>.key}. {@link ClusterCertificates} writes this layout; the {@code --tls-dir} flag reads it.
 * Immutable.
 */
public final class TlsDirectory {
  /** The trust roots' file name. */
  public static final String TRUST_ROOTS = "ca.crt";

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

  @Override
  public String toString() {
    return dir.toString();
  }
}
