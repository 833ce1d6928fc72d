package io.raftwire.example.cli;

import io.raftwire.example.security.ClusterCertificates;
import io.raftwire.example.security.TlsDirectory;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Makes a throwaway CA, one certificate per store and one for the admin ({@link
 * ClusterCertificates}) in the layout {@code --tls-dir} reads. Exits 0 when written, 1 if files exist and {@code --force} is not given.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Make a throwaway CA, one certificate per store and an admin certificate, for running the cluster "
        + "over mutual TLS.")
final class CertsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--stores", defaultValue = "1,2,3", split = ",",
      description = "The store ids that get a certificate (default ${DEFAULT-VALUE}).")
  List<Long> stores;

  @Option(names = "--cluster-id", defaultValue = "raftwire-kv",
      description = "The cluster id the certificates name (default ${DEFAULT-VALUE}).")
  String clusterId;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the files go (created if missing).")
  Path out;

  @Option(names = "--validity", defaultValue = "P30D",
      description = "How long the certificates are valid, ISO-8601 (default ${DEFAULT-VALUE}).")
  Duration validity;

  @Option(names = "--force", description = "Replace files that exist.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    ClusterCertificates certificates;
    try {
      List<StoreId> ids = new ArrayList<>();
      for (long id : stores) {
        ids.add(StoreId.of(id));
      }
      certificates = ClusterCertificates.of(clusterId, ids, validity);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    TlsDirectory written;
    try {
      written = certificates.writeTo(out, force);
    } catch (FileAlreadyExistsException e) {
      System.err.println("certs: " + e.getFile() + " exists; nothing was written (--force replaces the files)");
      return 1;
    }
    System.out.printf("a throwaway CA, %d store certificates and an admin certificate for cluster %s, valid for %s, in %s:%n",
        certificates.stores().size(), clusterId, days(validity), written.dir());
    for (Path file : certificates.files(out)) {
      System.out.println("  " + file);
    }
    String cluster = clusterId.equals("raftwire-kv") ? "" : " --cluster-id " + clusterId;
    System.out.println("the CA's key was not kept. Run each store with --tls-dir " + written.dir() + cluster
        + ", and raftwire-kv admin with the same flags (it presents admin.crt).");
    return 0;
  }

  /** {@code 30 days}, or the ISO-8601 form of a validity that is not whole days. */
  private static String days(Duration validity) {
    return validity.toSeconds() % Duration.ofDays(1).toSeconds() == 0 ? validity.toDays() + " days" : validity.toString();
  }
}
