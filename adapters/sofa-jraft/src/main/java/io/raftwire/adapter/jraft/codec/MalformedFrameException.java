package io.raftwire.adapter.jraft.codec;

import java.util.Objects;

/**
 * An envelope that does not decode to a jraft RPC: the adapter counts it under {@code
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
    ENTRIES_MISMATCH
  }

  private final Problem problem;

  MalformedFrameException(Problem problem, String message, Throwable cause) {
    super(problem + ": " + message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  MalformedFrameException(Problem problem, String message) {
    this(problem, message, null);
  }

  /** What is wrong. */
  public Problem problem() {
    return problem;
  }
}
