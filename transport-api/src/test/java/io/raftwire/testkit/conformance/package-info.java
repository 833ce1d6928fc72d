/**
 * The conformance suite of the transport SPI: abstract JUnit 5 tests that every {@link
 * io.raftwire.transport.RaftTransport} implementation extends, supplying a {@link
 * io.raftwire.testkit.conformance.TransportHarness} that starts connected transports.
 *
 * <p>The suite checks behaviour a Raft library depends on: routing to the right range, per-range
 * FIFO within a lane, serial delivery, CONTROL traffic flowing while appends are saturated, typed
 * refusals, bounded buffering for a slow receiver, reports for every message not delivered, close
 * semantics and register/send races. It asserts no timings; waits are bounded by Awaitility.
 */
package io.raftwire.testkit.conformance;
