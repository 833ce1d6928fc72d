package io.raftwire.example.cli;

import io.raftwire.example.security.AdminTls;
import io.raftwire.example.security.TlsDirectory;
import io.raftwire.example.security.TlsFiles;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The TLS flags of {@code node} and {@code demo}: where each store finds its certificate, its key
 * and the trust roots. {@code --tls-dir} names a directory in the layout the {@code certs} command
 * writes; {@code --tls-cert}, {@code --tls-key} and {@code --tls-ca} name files, alone or to
 * override one file of the directory. In file names, {@code {id}} stands for the store id, so one
 * pattern serves the demo's three stores. Without any of them the stores talk plaintext. With them,
 * a node's admin endpoint serves HTTPS to the admin certificate only ({@link #adminTls}).
 */
final class TlsOptions {
  /** What {@code {id}} in a file name stands for. */
  static final String ID = "{id}";

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--tls-dir", paramLabel = "DIR",
      description = "Mutual TLS with the files in DIR: ca.crt, and s<id>.crt with s<id>.key for each store "
          + "(the layout `certs` writes).")
  Path dir;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "This store's PEM certificate chain, leaf first ({id}: the store id).")
  String certificate;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Its PKCS#8 PEM private key ({id}: the store id).")
  String key;

  @Option(names = "--tls-ca", paramLabel = "FILE", description = "The PEM trust roots peers' certificates must lead to.")
  String trustRoots;

  @Option(names = "--cluster-id", defaultValue = "raftwire-kv",
      description = "The cluster id certificates must name: raftwire://cluster/<id>/store/<store> "
          + "(default ${DEFAULT-VALUE}).")
  String clusterId;

  /** Whether any TLS file was given. */
  boolean given() {
    return dir != null || certificate != null || key != null || trustRoots != null;
  }

  /**
   * The security of {@code store}: mutual TLS with its files if any TLS flag was given, else
   * plaintext (which the transport logs as a warning).
   *
   * @throws ParameterException if a file is missing from the flags or unreadable, or the cluster id
   *     is not valid
   */
  PeerSecurity security(StoreId store) {
    if (!given()) {
      return PeerSecurity.insecure();
    }
    TlsFiles files = files(store);
    try {
      return files.security(clusterId);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "TLS for " + store + ": " + e.getMessage(), e);
    }
  }

  /**
   * The store's side of its admin endpoint's TLS: its own certificate and key, its trust roots, and
   * the admin of {@code --cluster-id} as the one client let in; null without TLS flags.
   *
   * @throws ParameterException if a file is missing from the flags, or cannot be read or used
   */
  AdminTls adminTls(StoreId store) {
    if (!given()) {
      return null;
    }
    try {
      return AdminTls.server(files(store), clusterId);
    } catch (IOException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "TLS of the admin endpoint of " + store + ": " + e.getMessage(), e);
    }
  }

  /** The files of {@code store}: each flag given, else its file in {@code --tls-dir}. */
  TlsFiles files(StoreId store) {
    TlsDirectory layout = dir == null ? null : TlsDirectory.of(dir);
    return new TlsFiles(
        file(certificate, layout == null ? null : layout.certificateChain(store), "--tls-cert", store),
        file(key, layout == null ? null : layout.privateKey(store), "--tls-key", store),
        file(trustRoots, layout == null ? null : layout.trustRoots(), "--tls-ca", store));
  }

  /**
   * Checks that each store gets a certificate and key of its own, as the demo's three stores in one
   * process need: a certificate or key flag must contain {@code {id}} (a directory always does).
   *
   * @throws ParameterException if one does not
   */
  void requirePerStoreFiles() {
    for (String file : new String[] {certificate, key}) {
      if (file != null && !file.contains(ID)) {
        throw new ParameterException(spec.commandLine(), "the demo runs three stores, each with a certificate of its"
            + " own: put " + ID + " in --tls-cert and --tls-key (e.g. certs/s" + ID + ".crt), or use --tls-dir");
      }
    }
  }

  /** How the stores talk, for reports. */
  String describe() {
    if (!given()) {
      return "plaintext (no peer authenticated)";
    }
    return "mutual TLS, cluster " + clusterId + (dir != null ? ", files in " + dir : "");
  }

  private Path file(String flag, Path inDirectory, String name, StoreId store) {
    if (flag != null) {
      return Path.of(flag.replace(ID, Long.toString(store.value())));
    }
    if (inDirectory != null) {
      return inDirectory;
    }
    throw new ParameterException(spec.commandLine(),
        "mutual TLS needs " + name + " (or --tls-dir with every file) besides the TLS flags given");
  }
}
