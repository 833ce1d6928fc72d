package io.raftwire.adapter.ratis;

import io.raftwire.adapter.ratis.codec.FailureCode;
import io.raftwire.transport.DropReason;
import java.io.IOException;
import java.util.Optional;

/**
 * A server-to-server call that raftwire could not complete: the transport refused or dropped its
 * request, or the called store answered with a failure. Ratis sees an {@link IOException}, as it
 * would from its own gRPC transport, and retries as it always does; a call that got no answer in
 * time ends with Ratis's own {@code TimeoutIOException} instead.
 */
public final class RaftwireCallException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why raftwire refused or dropped the request; null unless it did. */
  private final DropReason dropReason;
  /** What the called store answered; null unless it answered with a failure. */
  private final FailureCode failure;

  private RaftwireCallException(String message, DropReason dropReason, FailureCode failure) {
    super(message);
    this.dropReason = dropReason;
    this.failure = failure;
  }

  static RaftwireCallException dropped(String message, DropReason reason) {
    return new RaftwireCallException(message, reason, null);
  }

  static RaftwireCallException failed(String message, FailureCode failure) {
    return new RaftwireCallException(message, null, failure);
  }

  static RaftwireCallException local(String message) {
    return new RaftwireCallException(message, null, null);
  }

  /** {@return why the transport refused or dropped the request, if it did} */
  public Optional<DropReason> dropReason() {
    return Optional.ofNullable(dropReason);
  }

  /** {@return the failure the called store answered with, if it did} */
  public Optional<FailureCode> failure() {
    return Optional.ofNullable(failure);
  }
}
