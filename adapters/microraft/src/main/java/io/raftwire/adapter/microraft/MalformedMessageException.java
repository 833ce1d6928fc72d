package io.raftwire.adapter.microraft;

import java.util.Locale;
import java.util.Objects;

/**
 * An envelope the adapter refuses to hand to MicroRaft: it does not decode, or the message in it
 * claims an identity its envelope does not have (see {@link InboundCheck}). {@link RangeRegistry}
 * counts each by {@link #problem()} and never delivers it.
 */
public final class MalformedMessageException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the envelope. */
  public enum Problem {
    /** The payload or an entry does not decode, or a field is out of range. */
    UNDECODABLE,
    /** The message's sender is not the store the envelope came from. */
    WRONG_SENDER,
    /** The message's group id is not the envelope's range. */
    WRONG_GROUP,
    /** The envelope is addressed to another store than the one that received it. */
    WRONG_DESTINATION;

    /** The name in metrics and problem reports: {@code undecodable}, {@code wrong_sender}, ... */
    public String metricName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Problem problem;

  /** A message that does not decode ({@link Problem#UNDECODABLE}). */
  MalformedMessageException(String message, Throwable cause) {
    this(Problem.UNDECODABLE, message, cause);
  }

  MalformedMessageException(Problem problem, String message, Throwable cause) {
    super(message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  /** What is wrong. */
  public Problem problem() {
    return problem;
  }
}
