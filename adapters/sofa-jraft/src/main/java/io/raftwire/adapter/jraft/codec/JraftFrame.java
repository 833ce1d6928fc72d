package io.raftwire.adapter.jraft.codec;

import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.wire.FailureCode;
import io.raftwire.adapter.jraft.wire.Kind;
import io.raftwire.topology.RangeId;
import java.util.Objects;
import java.util.Optional;

/**
 * One decoded jraft call frame: a request, its response, or the receiving adapter's failure to hand
 * the request to a processor. Immutable.
 */
public final class JraftFrame {
  private final Kind kind;
  private final long callId;
  private final Message message; // REQUEST, RESPONSE; null for FAILURE
  private final RangeId replyRange; // REQUEST only
  private final long incarnation;
  private final FailureCode failure; // FAILURE only
  private final String failureDetail;

  private JraftFrame(Kind kind, long callId, Message message, RangeId replyRange, long incarnation,
      FailureCode failure, String failureDetail) {
    this.kind = kind;
    this.callId = callId;
    this.message = message;
    this.replyRange = replyRange;
    this.incarnation = incarnation;
    this.failure = failure;
    this.failureDetail = failureDetail;
  }

  static JraftFrame request(long callId, Message message, RangeId replyRange, long incarnation) {
    return new JraftFrame(Kind.REQUEST, callId, Objects.requireNonNull(message, "message"),
        Objects.requireNonNull(replyRange, "replyRange"), incarnation, null, null);
  }

  static JraftFrame response(long callId, Message message, long incarnation) {
    return new JraftFrame(Kind.RESPONSE, callId, Objects.requireNonNull(message, "message"), null, incarnation, null, null);
  }

  static JraftFrame failure(long callId, FailureCode failure, String detail, long incarnation) {
    return new JraftFrame(Kind.FAILURE, callId, null, null, incarnation, Objects.requireNonNull(failure, "failure"),
        Objects.requireNonNull(detail, "detail"));
  }

  /** {@return the kind of frame: REQUEST, RESPONSE or FAILURE} */
  public Kind kind() {
    return kind;
  }

  /** {@return the call this frame belongs to (chosen by the calling store)} */
  public long callId() {
    return callId;
  }

  /** {@return the jraft request or response; empty for a FAILURE} */
  public Optional<Message> message() {
    return Optional.ofNullable(message);
  }

  /** {@return for a REQUEST, the range its answer travels on; empty otherwise} */
  public Optional<RangeId> replyRange() {
    return Optional.ofNullable(replyRange);
  }

  /** {@return the sending store's incarnation (changes when its adapter restarts)} */
  public long incarnation() {
    return incarnation;
  }

  /** {@return for a FAILURE, why the request reached no processor; empty otherwise} */
  public Optional<FailureCode> failure() {
    return Optional.ofNullable(failure);
  }

  /** {@return for a FAILURE, a readable explanation; the empty string otherwise} */
  public String failureDetail() {
    return failureDetail == null ? "" : failureDetail;
  }

  @Override
  public String toString() {
    return kind + "#" + callId + (message != null ? " " + message.getClass().getSimpleName() : " " + failure);
  }
}
