package io.raftwire.grpc.internal.receiver;

import io.grpc.Status;

/**
 * Why an inbound Raft stream was ended: each is counted in a metric of its own and answered with
 * its gRPC status; only that stream ends, and nothing that arrived on it after the error is queued.
 */
enum ProtocolError {
  /** A frame did not parse. */
  MALFORMED_FRAME(Status.Code.INVALID_ARGUMENT),
  /** The hello names a protocol version this store does not speak. */
  UNSUPPORTED_VERSION(Status.Code.FAILED_PRECONDITION),
  /** The hello names no sender store. */
  NO_SENDER(Status.Code.INVALID_ARGUMENT),
  /** A second hello on one stream. */
  SECOND_HELLO(Status.Code.FAILED_PRECONDITION),
  /** A batch before the hello. */
  BATCH_BEFORE_HELLO(Status.Code.FAILED_PRECONDITION),
  /** A sequence number that repeats, goes back or skips (they count up by one from 1). */
  SEQUENCE(Status.Code.INVALID_ARGUMENT),
  /** The hello names another store than the connection's certificate. */
  SENDER_NOT_AUTHENTICATED(Status.Code.PERMISSION_DENIED),
  /** The sender is not on the allow-list. */
  SENDER_NOT_ALLOWED(Status.Code.PERMISSION_DENIED),
  /** An envelope written by another store, from a store that may not relay it. */
  RELAY_NOT_ALLOWED(Status.Code.PERMISSION_DENIED),
  /** The sender has {@code ServerLimits.maxStreamsPerPeer} streams open already. */
  TOO_MANY_STREAMS(Status.Code.RESOURCE_EXHAUSTED),
  /** The sender does not read its acknowledgements (too many refusals wait for it). */
  ACKS_NOT_READ(Status.Code.RESOURCE_EXHAUSTED);

  private final Status.Code code;

  ProtocolError(Status.Code code) {
    this.code = code;
  }

  /** The status the stream ends with. */
  Status status(String description) {
    return code.toStatus().withDescription(name() + ": " + description);
  }
}
