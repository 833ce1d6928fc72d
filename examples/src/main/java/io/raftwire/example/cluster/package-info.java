/**
 * An example cluster started in one process, for the demo, the benchmarks and the tests: stores
 * in named zones, a client, throttleable disks, stopping and restarting stores, moving leadership,
 * and the snapshot catch-up scenario ({@link io.raftwire.example.cluster.SnapshotCatchUp}).
 */
package io.raftwire.example.cluster;
