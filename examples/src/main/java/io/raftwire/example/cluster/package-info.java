/**
 * A three-zone example cluster started in one process, for the demo and the benchmarks: the
 * stores, a client, store 3's throttleable disk, and what a run needs to know (leaders, terms).
 */
package io.raftwire.example.cluster;
