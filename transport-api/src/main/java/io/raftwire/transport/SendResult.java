package io.raftwire.transport;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link RaftTransport#send} did with a message: accepted it (the transport now owns its fate)
 * or refused it, with the reason. Instances are shared constants; compare with {@link
 * #isAccepted()} or {@link #reason()}, not by identity.
 */
public final class SendResult {
  private static final SendResult ACCEPTED = new SendResult(null);
  private static final Map<DropReason, SendResult> REFUSED = new EnumMap<>(DropReason.class);

  static {
    for (DropReason reason : DropReason.values()) {
      REFUSED.put(reason, new SendResult(reason));
    }
  }

  private final Optional<DropReason> reason;

  private SendResult(DropReason reason) {
    this.reason = Optional.ofNullable(reason);
  }

  /**
   * {@return the result for an accepted message} It will be delivered or reported to the drop
   * listeners.
   */
  public static SendResult accepted() {
    return ACCEPTED;
  }

  /**
   * The message was refused for {@code reason}; drop listeners are told too.
   *
   * @param reason why the message was refused
   * @return the shared result for {@code reason}
   * @throws NullPointerException if {@code reason} is null
   */
  public static SendResult refused(DropReason reason) {
    return REFUSED.get(Objects.requireNonNull(reason, "reason"));
  }

  /** {@return true if the transport accepted the message} */
  public boolean isAccepted() {
    return reason.isEmpty();
  }

  /** {@return why the message was refused; empty if it was accepted} */
  public Optional<DropReason> reason() {
    return reason;
  }

  @Override
  public String toString() {
    return reason.map(r -> "REFUSED(" + r + ")").orElse("ACCEPTED");
  }
}
