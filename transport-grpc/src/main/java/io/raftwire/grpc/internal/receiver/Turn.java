package io.raftwire.grpc.internal.receiver;

/**
 * The scheduler queue a range waits in, highest first: {@link #URGENT} for its CONTROL messages
 * (delivered alone), {@link #REGULAR} while a regular APPEND is queued for it, {@link #ELASTIC}
 * while it has only elastic (or SNAPSHOT) work.
 */
enum Turn {
  URGENT,
  REGULAR,
  ELASTIC
}
