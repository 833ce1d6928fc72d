/**
 * The {@code raftwire-kv} command line: {@code node} runs one store, {@code load} drives a running
 * cluster, {@code demo} starts a three-zone cluster in one process and shows the transport at work
 * under foreground load and under elastic overload with one store's disk throttled, and {@code
 * certs} makes a throwaway CA and a certificate per store for running the cluster over mutual TLS
 * (the {@code --tls-*} flags of {@code node} and {@code demo}, or {@code demo --tls}).
 */
package io.raftwire.example.cli;
