package io.raftwire.testkit.conformance;

import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.TransportLimits;

/**
 * Starts transports of one implementation that can all reach each other, for the conformance
 * suite. One harness per test; {@link #close()} closes everything it started.
 */
public interface TransportHarness extends AutoCloseable {

  /**
   * Starts a transport for {@code store} with sender {@code limits}, reachable by every transport
   * this harness started or will start. The implementation chooses any receiver-side limits; they
   * enter {@link #maxBufferedBytes}.
   */
  RaftTransport start(StoreId store, TransportLimits limits);

  /**
   * The most bytes of APPEND messages from one sender to one destination range that this
   * implementation may hold (in sender queues, on the wire, in receiver queues) while that range's
   * handler is blocked, under the given sender limits. The suite checks that no more than this is
   * delivered once the handler resumes.
   */
  long maxBufferedBytes(TransportLimits limits);

  /** Closes every transport started by this harness. */
  @Override
  void close();
}
