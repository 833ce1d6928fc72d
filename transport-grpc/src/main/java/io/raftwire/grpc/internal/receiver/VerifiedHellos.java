package io.raftwire.grpc.internal.receiver;

import io.raftwire.topology.StoreId;

/**
 * Hears of every inbound stream whose hello passed all of the intake's checks (protocol version,
 * the sender bound to its connection's certificate when security is on, the allow-list, the
 * per-peer stream cap) and names this store as its destination: the receiver's port to whoever
 * wants to know that a store is up (the composition root wires it to the peers, whose breaker may
 * then probe at once). A refused hello is never reported. Called on the stream's gRPC thread
 * before the hello is answered; must not block or throw.
 */
@FunctionalInterface
public interface VerifiedHellos {
  /** A stream from {@code sender} passed its hello. */
  void verified(StoreId sender);
}
