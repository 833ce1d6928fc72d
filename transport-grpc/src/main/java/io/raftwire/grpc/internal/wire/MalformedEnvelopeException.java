package io.raftwire.grpc.wire;

/** An envelope that parsed as protobuf but does not make a valid {@code RaftEnvelope}. */
public final class MalformedEnvelopeException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedEnvelopeException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
