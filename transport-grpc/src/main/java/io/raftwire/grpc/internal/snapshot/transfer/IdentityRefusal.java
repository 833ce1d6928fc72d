package io.raftwire.grpc.internal.snapshot.transfer;

/**
 * Why a snapshot call on an authenticated (mutual TLS) connection was refused for the store it
 * names: each ends its call {@code PERMISSION_DENIED} before anything is reserved, staged or sent,
 * and is counted under {@code snapshot.identity_refused.<reason>}.
 */
public enum IdentityRefusal {
  /** A transfer's reservation names another sender than the store of its connection. */
  SENDER_NOT_AUTHENTICATED,
  /**
   * A delegation request names another leader than the store of its connection: only the leader
   * itself may ask a replica to send in its place.
   */
  LEADER_NOT_AUTHENTICATED,
  /** The sending store was taken off the allow-list while its transfer was in progress. */
  SENDER_NOT_ALLOWED
}
