/**
 * The test kit for users and implementers of the transport SPI, shipped as this module's test-jar
 * (classifier {@code tests}).
 *
 * <ul>
 *   <li>{@link io.raftwire.testkit.InMemoryNetwork}: a correct in-process implementation of {@link
 *       io.raftwire.transport.RaftTransport} with the same lane and budget semantics as the real
 *       transport, for testing a Raft library or adapter without sockets;
 *   <li>{@link io.raftwire.testkit.LinkFaults}: seeded, reproducible fault injection per link and
 *       traffic class (drop, delay with jitter, duplicate, reorder, one-way and two-way partitions);
 *   <li>{@link io.raftwire.testkit.SeedReporter}: a JUnit 5 extension that adds the fault seed to a
 *       failing test's report so the run can be repeated with {@code -Draftwire.seed=N};
 *   <li>{@code io.raftwire.testkit.conformance}: the abstract suite every transport passes.
 * </ul>
 *
 * <p>Using the kit needs, in test scope: junit-jupiter, awaitility and slf4j-api.
 */
package io.raftwire.testkit;
