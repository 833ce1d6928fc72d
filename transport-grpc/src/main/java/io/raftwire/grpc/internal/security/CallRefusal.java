package io.raftwire.grpc.internal.security;

/** Why a call on an authenticated connection was refused before it reached a service (a metric per reason). */
public enum CallRefusal {
  /** The connection's certificate names no store (a TLS session without a usable peer certificate). */
  NO_IDENTITY,
  /** The store was taken off the allow-list after its connection was made. */
  NOT_ALLOWED,
  /** The store has more connections open than {@code ServerLimits.maxConnectionsPerPeer}. */
  CONNECTION_CAP
}
