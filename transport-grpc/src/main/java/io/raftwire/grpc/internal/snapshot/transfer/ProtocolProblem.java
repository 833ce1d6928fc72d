package io.raftwire.grpc.internal.snapshot.transfer;

/**
 * How an incoming transfer broke the snapshot protocol; each is refused INVALID, ends only its own
 * stream and is counted under {@code snapshot.protocol_errors.<problem>}.
 */
enum ProtocolProblem {
  /** A reservation twice, of another protocol version, for another store, or without its stores or deadline. */
  BAD_RESERVE,
  /** An offer before the grant or twice, for another range than reserved, or out of range. */
  BAD_OFFER,
  /** A chunk before an offer was accepted. */
  CHUNK_WITHOUT_OFFER,
  /** A chunk at another offset than the next one staged. */
  CHUNK_OUT_OF_ORDER,
  /** A chunk reaching past the offered size. */
  CHUNK_BEYOND_SIZE,
  /** A chunk larger than the offered chunk size. */
  CHUNK_TOO_LARGE,
  /** A chunk without bytes. */
  EMPTY_CHUNK,
  /** A finish before an offer was accepted. */
  FINISH_WITHOUT_OFFER,
  /** A frame of no kind this code knows. */
  EMPTY_FRAME
}
