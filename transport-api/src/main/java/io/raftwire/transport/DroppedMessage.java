package io.raftwire.transport;

import io.raftwire.message.RaftEnvelope;
import java.util.Objects;

/**
 * A message that will not be delivered, as told to {@link DropListener}s. Immutable.
 *
 * <p>{@link #acceptedBySend()} tells whether {@link RaftTransport#send} had returned "accepted" for
 * it (the drop happened later, on the way or at the receiver) or had refused it.
 */
public final class DroppedMessage {
  private final RaftEnvelope envelope;
  private final DropReason reason;
  private final boolean acceptedBySend;

  private DroppedMessage(RaftEnvelope envelope, DropReason reason, boolean acceptedBySend) {
    this.envelope = envelope;
    this.reason = reason;
    this.acceptedBySend = acceptedBySend;
  }

  /**
   * Returns a dropped-message report.
   *
   * @param envelope the message, exactly as it was sent
   * @param reason why it will not be delivered
   * @param acceptedBySend true if {@code send} had accepted it (dropped later), false if {@code
   *     send} refused it
   * @return an immutable report
   * @throws NullPointerException if {@code envelope} or {@code reason} is null
   */
  public static DroppedMessage of(RaftEnvelope envelope, DropReason reason, boolean acceptedBySend) {
    return new DroppedMessage(
        Objects.requireNonNull(envelope, "envelope"),
        Objects.requireNonNull(reason, "reason"),
        acceptedBySend);
  }

  /** {@return the message, exactly as it was sent} */
  public RaftEnvelope envelope() {
    return envelope;
  }

  /** {@return why it will not be delivered} */
  public DropReason reason() {
    return reason;
  }

  /**
   * {@return true if {@code send} had accepted the message before it was dropped, false if {@code
   * send} refused it}
   */
  public boolean acceptedBySend() {
    return acceptedBySend;
  }

  @Override
  public String toString() {
    return "Dropped{" + reason + (acceptedBySend ? " after accept" : " at send") + ", " + envelope
        + "}";
  }
}
