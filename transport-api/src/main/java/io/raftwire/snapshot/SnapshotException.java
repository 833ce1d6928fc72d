package io.raftwire.snapshot;

import java.util.Objects;

/** A snapshot transfer failed; {@link #failure()} says why. */
public final class SnapshotException extends Exception {
  private static final long serialVersionUID = 1L;
  /** Why the transfer failed; never null. */
  private final SnapshotFailure failure;

  /**
   * A failure without a cause. The exception's message is {@code failure + ": " + message}.
   *
   * @param failure why the transfer failed; not null
   * @param message what happened, for the log
   * @throws NullPointerException if {@code failure} is null
   */
  public SnapshotException(SnapshotFailure failure, String message) {
    super(failure + ": " + message);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  /**
   * A failure caused by {@code cause}. The exception's message is {@code failure + ": " + message}.
   *
   * @param failure why the transfer failed; not null
   * @param message what happened, for the log
   * @param cause the underlying exception (an {@code IOException}, say); may be null
   * @throws NullPointerException if {@code failure} is null
   */
  public SnapshotException(SnapshotFailure failure, String message, Throwable cause) {
    super(failure + ": " + message, cause);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  /** {@return why the transfer failed; never null} */
  public SnapshotFailure failure() {
    return failure;
  }
}
