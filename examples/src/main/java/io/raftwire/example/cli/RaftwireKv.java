package io.raftwire.example.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code raftwire-kv}: run a store, change or tune its settings, load a cluster, watch the demo, or make certificates for a cluster. */
@Command(
    name = "raftwire-kv",
    mixinStandardHelpOptions = true,
    version = "raftwire-kv 0.1.0",
    description = "A replicated multi-range key-value store on MicroRaft and RocksDB, over raftwire.",
    subcommands = {NodeCommand.class, AdminCommand.class, TuneCommand.class, LoadCommand.class, DemoCommand.class, CertsCommand.class})
public final class RaftwireKv implements Runnable {

  public static void main(String[] args) {
    System.exit(new CommandLine(new RaftwireKv()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
