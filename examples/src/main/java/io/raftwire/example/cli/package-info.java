/**
 * The {@code raftwire-kv} command line: {@code node} runs one store, {@code load} drives a running
 * cluster, {@code demo} starts a three-zone cluster in one process and shows the transport at work
 * under foreground load and under elastic overload with one store's disk throttled.
 */
package io.raftwire.example.cli;
