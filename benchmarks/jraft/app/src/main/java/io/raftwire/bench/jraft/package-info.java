/**
 * Benchmark S7: one jraft application ({@link io.raftwire.bench.jraft.S7Run}: 3 stores, 16 groups,
 * a counter) run on each transport in fresh JVMs by {@link io.raftwire.bench.jraft.S7}, which
 * writes the report and the plot. {@link io.raftwire.bench.jraft.StoreSetup} is what a transport
 * column adds; Bolt and jraft's gRPC extension add nothing. May call jraft, the JDK and xchart;
 * nothing of raftwire (this module's class path is jraft as it ships).
 */
package io.raftwire.bench.jraft;
