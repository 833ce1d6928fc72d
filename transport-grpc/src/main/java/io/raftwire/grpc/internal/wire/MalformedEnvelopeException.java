package io.raftwire.grpc.internal.wire;

/** An envelope that parsed as protobuf but does not make a valid {@code RaftEnvelope}. */
public final class MalformedEnvelopeException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedEnvelopeException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
