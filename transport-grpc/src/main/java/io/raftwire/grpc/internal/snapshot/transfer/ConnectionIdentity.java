package io.raftwire.grpc.internal.snapshot.transfer;

import io.raftwire.topology.StoreId;
import org.jspecify.annotations.Nullable;

/**
 * The snapshot service's port to peer security: who the current call's connection is. Thread-safe;
 * never blocks or throws.
 */
@FunctionalInterface
public interface ConnectionIdentity {
  /** A server that authenticates nobody (plaintext): every call's claims are believed. */
  ConnectionIdentity NONE = () -> null;

  /**
   * The store that the current call's connection is authenticated as (its certificate names it),
   * or null if the server authenticates nobody. Called as a call starts, in the call's context.
   */
  @Nullable StoreId authenticatedPeer();
}
