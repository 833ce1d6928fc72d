package io.raftwire.grpc.internal.security;

/** Why a peer's certificate was refused during the TLS handshake (a metric per reason). */
public enum HandshakeRefusal {
  /** The chain does not lead to a trust root, or a certificate of it has expired or is not valid yet. */
  UNTRUSTED_CHAIN,
  /** The leaf certificate names no store (or several) under the identity rule. */
  NO_STORE_IDENTITY,
  /** The leaf certificate names a store of another cluster. */
  WRONG_CLUSTER,
  /** The store is not on the allow-list. */
  NOT_ALLOWED,
  /** A server's certificate names another store than the one the client meant to reach. */
  WRONG_STORE
}
