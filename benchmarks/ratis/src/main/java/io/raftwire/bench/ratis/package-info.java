/**
 * Benchmark S8: the same Ratis application on raftwire and on ratis-grpc. {@link
 * io.raftwire.bench.ratis.S8} launches the runs, each in a fresh JVM running {@link
 * io.raftwire.bench.ratis.S8Run}, and writes the report and plots.
 */
package io.raftwire.bench.ratis;
