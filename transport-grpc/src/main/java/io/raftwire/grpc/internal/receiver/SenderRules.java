package io.raftwire.grpc.internal.receiver;

import io.raftwire.topology.StoreId;
import org.jspecify.annotations.Nullable;

/**
 * Who may send what on an inbound stream: the receiver's port to peer security and to the zone
 * fan-out's relay rule. Thread-safe; no method blocks or throws.
 */
public interface SenderRules {
  /**
   * The store that the current call's connection is authenticated as, or null if the server
   * authenticates nobody (plaintext). Called once as a stream starts, in the call's context.
   */
  @Nullable StoreId authenticatedPeer();

  /** Whether {@code store} may talk to this store now (the allow-list). */
  boolean allowed(StoreId store);

  /**
   * Whether the store at the other end of a stream, {@code relay}, may hand this store a message
   * written by another store, {@code writer}: only a zone fan-out agent may, for a writer outside
   * the zone.
   */
  boolean mayRelay(StoreId relay, StoreId writer);
}
