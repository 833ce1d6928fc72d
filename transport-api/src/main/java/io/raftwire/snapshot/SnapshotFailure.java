package io.raftwire.snapshot;

/** Why a snapshot transfer (or a delegation request) did not complete. */
public enum SnapshotFailure {
  /** The recipient's transfer queue was full. */
  RECIPIENT_BUSY,
  /** Waiting for a slot would have left too little of the transfer's deadline. */
  QUEUE_TIMEOUT,
  /** The deadline passed. */
  DEADLINE_EXCEEDED,
  /** A chunk or the whole file failed its checksum more often than the retry limit. */
  CORRUPT,
  /** The stream broke more often than the retry limit (or the recipient is unreachable). */
  UNREACHABLE,
  /** The recipient does not host the range or takes no snapshots. */
  UNKNOWN_RANGE,
  /** The snapshot is larger than the recipient accepts. */
  TOO_LARGE,
  /** The source could not generate or read the snapshot. */
  SOURCE_FAILED,
  /** The recipient's library refused or failed the install. */
  INSTALL_FAILED,
  /**
   * The recipient's library did not consent to the offered snapshot: its replica did not ask for
   * it, or the offer does not match what it asked (another leader or term, an older snapshot).
   * Nothing was staged.
   */
  NOT_REQUESTED,
  /** A delegate refused: its term or membership generation differs from the request's. */
  STALE_TERM,
  /** A delegate refused: it has not applied up to the leader's first log index. */
  DELEGATE_BEHIND,
  /** A delegate refused: the recipient is no longer a member. */
  NOT_A_MEMBER,
  /** A delegate refused: its own queue of delegated sends is full. */
  DELEGATE_BUSY,
  /**
   * The recipient or delegate refused the connection's store: with mutual TLS, the transfer or
   * delegation request claimed to come from (or, for a delegation, for) another store than the one
   * the connection's certificate names, or the store is not on its allow-list. Not retried.
   */
  PERMISSION_DENIED,
  /** The transport closed. */
  CLOSED,
  /** The request itself was invalid. */
  INVALID
}
