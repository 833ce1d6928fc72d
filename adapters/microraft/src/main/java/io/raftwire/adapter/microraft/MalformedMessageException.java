package io.raftwire.adapter.microraft;

/** An envelope that does not decode to a MicroRaft message. */
public final class MalformedMessageException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedMessageException(String message, Throwable cause) {
    super(message, cause);
  }
}
