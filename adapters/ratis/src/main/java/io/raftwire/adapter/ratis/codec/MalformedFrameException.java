package io.raftwire.adapter.ratis.codec;

import java.util.Objects;

/**
 * An envelope's bytes are not a frame this codec accepts: too short, an unknown version, kind or
 * type, a body that does not parse, entries that disagree with the append they came with, or an
 * identity the envelope does not have. Checked, so no caller can let it reach Ratis by accident.
 * {@link #problem()} names the problem for metrics and logs.
 */
public final class MalformedFrameException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The problem's short name, as counted in {@code malformed.<problem>}. */
  private final String problem;

  /**
   * Creates the exception.
   *
   * @param problem a short metric-safe name of the problem ({@code [a-z_]+}); not null
   * @param detail a readable explanation; not null
   */
  public MalformedFrameException(String problem, String detail) {
    super(Objects.requireNonNull(problem, "problem") + ": " + Objects.requireNonNull(detail, "detail"));
    this.problem = problem;
  }

  /** {@return the metric-safe name of the problem, such as {@code bad_body}} */
  public String problem() {
    return problem;
  }
}
