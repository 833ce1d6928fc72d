package io.raftwire.adapter.ratis.codec;

import java.util.Objects;
import java.util.Optional;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;

/**
 * One decoded frame: a request, the reply to a call, or a failure answer in place of a reply.
 * Immutable; a request's or reply's message is Ratis's own protobuf, rebuilt from the envelope.
 */
public final class RatisFrame {
  /** What a frame is. */
  public enum Kind {
    /** A request; the answer names its call id. */
    REQUEST(1),
    /** Ratis's reply to a call. */
    RESPONSE(2),
    /** A failure answer: the request reached no Ratis server (see {@link FailureCode}). */
    FAILURE(3);

    final int wire;

    Kind(int wire) {
      this.wire = wire;
    }

    static Optional<Kind> ofWire(int wire) {
      for (Kind k : values()) {
        if (k.wire == wire) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  private final Kind kind;
  private final MessageType type;
  private final long callId;
  private final long incarnation;
  private final Message message; // null for a failure
  private final FailureCode failure; // null unless a failure
  private final String detail;

  RatisFrame(Kind kind, MessageType type, long callId, long incarnation, Message message, FailureCode failure, String detail) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.type = Objects.requireNonNull(type, "type");
    this.callId = callId;
    this.incarnation = incarnation;
    this.message = message;
    this.failure = failure;
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /** {@return what this frame is} */
  public Kind kind() {
    return kind;
  }

  /** {@return the message type; for a failure, the type of the reply it stands in for} */
  public MessageType type() {
    return type;
  }

  /** {@return the calling store's id of the call} */
  public long callId() {
    return callId;
  }

  /** {@return the sending store's incarnation (it changes when the sender's adapter restarts)} */
  public long incarnation() {
    return incarnation;
  }

  /** {@return the request or reply; empty for a failure} */
  public Optional<Message> message() {
    return Optional.ofNullable(message);
  }

  /** {@return why the request failed; empty unless this is a failure} */
  public Optional<FailureCode> failure() {
    return Optional.ofNullable(failure);
  }

  /** {@return a failure's readable explanation; empty text otherwise} */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return kind + " " + type + " call#" + callId + (failure != null ? " " + failure + ": " + detail : "");
  }
}
