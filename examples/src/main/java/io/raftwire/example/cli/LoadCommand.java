package io.raftwire.example.cli;

import io.raftwire.example.kv.KvClient;
import io.raftwire.example.load.LoadGenerator;
import io.raftwire.message.Priority;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Drives a running cluster with a regular/elastic workload and a live progress line. */
@Command(name = "load", mixinStandardHelpOptions = true, description = "Put load on a running cluster.")
final class LoadCommand implements Callable<Integer> {
  @Option(names = "--targets", required = true, description = "Client addresses: id=host:port,...")
  String targets;

  @Option(names = "--ranges", defaultValue = "16", description = "Ranges in the cluster (default ${DEFAULT-VALUE}).")
  int ranges;

  @Option(names = "--rate", defaultValue = "200", description = "Regular puts per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--elastic-workers", defaultValue = "0",
      description = "Writers of elastic puts, back to back (default ${DEFAULT-VALUE}).")
  int elasticWorkers;

  @Option(names = "--value-size", defaultValue = "1024", description = "Bytes per value (default ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(names = "--keys", defaultValue = "10000", description = "Distinct keys (default ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--duration", defaultValue = "PT30S", description = "How long, ISO-8601 (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Override
  public Integer call() throws Exception {
    try (KvClient client = new KvClient(Peers.parse(targets).addresses, ranges);
        LoadGenerator load = new LoadGenerator(client, keys)) {
      LoadGenerator.Stats regular = new LoadGenerator.Stats(Priority.REGULAR);
      LoadGenerator.Stats elastic = new LoadGenerator.Stats(Priority.ELASTIC);
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
      var unused = progress.scheduleAtFixedRate(() -> System.out.print("\r" + Report.progress(start, regular, elastic)), 1, 1, TimeUnit.SECONDS);
      CompletableFuture<Void> bulk = CompletableFuture.runAsync(() -> {
        try {
          load.closedLoop(Priority.ELASTIC, elasticWorkers, valueSize * 16, deadline, elastic);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      load.openLoop(Priority.REGULAR, rate, valueSize, 256, deadline, regular);
      bulk.join();
      progress.shutdownNow();
      System.out.println();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.println(Report.clientTable(java.util.List.of(
          new Report.Row("load", regular, seconds), new Report.Row("load", elastic, seconds))));
      return regular.failed() == 0 ? 0 : 1;
    }
  }
}
