package io.raftwire.adapter.ratis.codec;

import java.util.Optional;

/**
 * Why a store answered a request with a failure instead of Ratis's reply. The caller's call ends
 * at once with a {@link io.raftwire.adapter.ratis.RaftwireCallException} naming the code.
 */
public enum FailureCode {
  /** The request's frame did not decode or failed a check. */
  MALFORMED_REQUEST(1),
  /** The request claims a sender, target or group its envelope does not have. */
  IDENTITY_MISMATCH(2),
  /** The called server hosts no division of the request's group. */
  UNKNOWN_GROUP(3),
  /** The called store had no room to run the request (its dispatch queue was full). */
  BUSY(4),
  /** Ratis on the called server failed the request; the detail names its exception. */
  REMOTE_ERROR(5),
  /** The called server is shutting down. */
  CLOSED(6);

  private final int wire;

  FailureCode(int wire) {
    this.wire = wire;
  }

  /** {@return the code's byte on the wire} */
  public int wire() {
    return wire;
  }

  /**
   * {@return the code with wire value {@code wire}, or empty if there is none}
   *
   * @param wire a byte read from a frame
   */
  public static Optional<FailureCode> ofWire(int wire) {
    for (FailureCode c : values()) {
      if (c.wire == wire) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
