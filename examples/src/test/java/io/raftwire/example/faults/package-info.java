/**
 * The fault suite of the example cluster (issue #19, short profile): {@link
 * io.raftwire.example.faults.FaultCluster} runs three {@code raftwire-kv node} processes whose
 * store-to-store links pass through in-process TCP proxies ({@link
 * io.raftwire.example.link.LinkProxy}: pass, delay, block, drop); {@link
 * io.raftwire.example.faults.Workload} puts a concurrent register workload on it through {@code
 * KvClient} and records every operation (ok, failed, unknown); {@link
 * io.raftwire.example.faults.HistoryCheck} checks the history for linearizability, lost
 * acknowledged writes and replica agreement, and {@link io.raftwire.example.faults.FaultSuiteTest}
 * injects one nemesis at a time (kill -9, SIGSTOP, partitions, slow links) and prints the figures
 * of each. Test scope only.
 */
package io.raftwire.example.faults;
