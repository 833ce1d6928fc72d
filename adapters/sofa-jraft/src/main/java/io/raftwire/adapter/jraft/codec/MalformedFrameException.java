package io.raftwire.adapter.jraft.codec;

import java.util.Objects;

/**
 * An envelope the adapter refuses: it does not decode to a jraft RPC, or (found by the adapter's
 * identity check, not by the codec) the RPC in it claims a sender, target, group or call its
 * envelope does not have. The adapter counts it under {@code
 * raftwire.<store>.jraft.malformed.<problem>} and never passes it, or an exception, to jraft.
 */
public final class MalformedFrameException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the envelope. */
  public enum Problem {
    /** The payload is not a frame: truncated, or not protobuf at all. */
    UNPARSEABLE_FRAME,
    /** The frame's version is not one this adapter speaks. */
    UNSUPPORTED_VERSION,
    /** The frame's kind is missing or unknown. */
    UNKNOWN_KIND,
    /** The frame names a message type that no jraft or registered user class has. */
    UNKNOWN_TYPE,
    /** The body does not parse as the named jraft message (truncated or corrupt). */
    UNPARSEABLE_BODY,
    /** An append's header and the envelope's log entries do not fit together. */
    ENTRIES_MISMATCH,
    /** A request's {@code server_id} is not a replica of the store the envelope came from, or does not parse. */
    WRONG_SENDER,
    /** The envelope, or a request's {@code peer_id}, names another store than the one that received it. */
    WRONG_DESTINATION,
    /** A request's group maps to another range than the one it travels on, or an answer is not on its call's range. */
    WRONG_RANGE,
    /** An answer comes from another store than the one its call went to. */
    WRONG_RESPONDER
  }

  private final Problem problem;

  MalformedFrameException(Problem problem, String message, Throwable cause) {
    super(problem + ": " + message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  /** A refusal for {@code problem}, {@code message} saying what was wrong this time. */
  public MalformedFrameException(Problem problem, String message) {
    this(problem, message, null);
  }

  /** What is wrong. */
  public Problem problem() {
    return problem;
  }
}
