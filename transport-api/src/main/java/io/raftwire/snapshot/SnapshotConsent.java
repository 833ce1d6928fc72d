package io.raftwire.snapshot;

import java.util.Objects;

/**
 * A library's answer to a {@link SnapshotOffer}: accepted, or refused with a reason the transport
 * sends back to the offering store (as {@link SnapshotFailure#NOT_REQUESTED}) and counts. Immutable.
 */
public final class SnapshotConsent {
  private static final SnapshotConsent ACCEPTED = new SnapshotConsent(true, "");

  private final boolean accepted;
  private final String reason;

  private SnapshotConsent(boolean accepted, String reason) {
    this.accepted = accepted;
    this.reason = reason;
  }

  /** The library wants this snapshot. */
  public static SnapshotConsent accept() {
    return ACCEPTED;
  }

  /**
   * The library does not want this snapshot.
   *
   * @param reason why, in a few words (for the sender and the log)
   * @throws IllegalArgumentException if {@code reason} is blank
   */
  public static SnapshotConsent refuse(String reason) {
    if (Objects.requireNonNull(reason, "reason").isBlank()) {
      throw new IllegalArgumentException("a refusal needs a reason");
    }
    return new SnapshotConsent(false, reason);
  }

  public boolean accepted() {
    return accepted;
  }

  /** Why it was refused; empty if accepted. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return accepted ? "accepted" : "refused: " + reason;
  }
}
