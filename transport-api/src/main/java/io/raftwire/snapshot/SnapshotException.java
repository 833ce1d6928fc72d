package io.raftwire.snapshot;

import java.util.Objects;

/** A snapshot transfer failed; {@link #failure()} says why. */
public final class SnapshotException extends Exception {
  private static final long serialVersionUID = 1L;
  private final SnapshotFailure failure;

  public SnapshotException(SnapshotFailure failure, String message) {
    super(failure + ": " + message);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  public SnapshotException(SnapshotFailure failure, String message, Throwable cause) {
    super(failure + ": " + message, cause);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  public SnapshotFailure failure() {
    return failure;
  }
}
