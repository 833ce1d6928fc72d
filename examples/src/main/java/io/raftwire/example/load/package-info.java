/**
 * Client load for the example cluster: open-loop (fixed rate) and closed-loop (back to back) puts at
 * a priority, with exact latency records. Used by the {@code load} and {@code demo} commands and by
 * the benchmarks.
 */
package io.raftwire.example.load;
