package io.raftwire.grpc.internal.snapshot.transfer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.grpc.Grpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.raftwire.grpc.internal.wire.SnapshotMetaProto;
import io.raftwire.grpc.internal.wire.SnapshotRefused;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.topology.RangeId;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/** Converts snapshot metadata to and from the wire. */
public final class SnapshotWire {
  /**
   * The snapshot protocol version this code speaks. 2: the reservation names the leader the
   * snapshot is sent for, the grant the largest chunk the recipient takes and the offer the
   * sender's chunk size.
   */
  public static final int VERSION = 2;

  /** The largest chunk there is (the transport's server takes frames a little larger). */
  public static final int MAX_CHUNK_BYTES = 64 << 20;

  private SnapshotWire() {}

  public static SnapshotMetaProto proto(SnapshotMeta meta) {
    return SnapshotMetaProto.newBuilder()
        .setRangeId(meta.range().value())
        .setIndex(meta.index())
        .setTerm(meta.term())
        .setConfigGeneration(meta.configGeneration())
        .setSizeBytes(meta.sizeBytes())
        .setCrc32C(meta.crc32c())
        .build();
  }

  /**
   * The metadata a wire message carries.
   *
   * @throws IllegalArgumentException if the fields are out of range
   */
  public static SnapshotMeta meta(SnapshotMetaProto proto) {
    return SnapshotMeta.of(RangeId.of(proto.getRangeId()), proto.getIndex(), proto.getTerm(),
        proto.getConfigGeneration(), proto.getSizeBytes(), proto.getCrc32C());
  }

  public static int purpose(SnapshotPurpose purpose) {
    return purpose == SnapshotPurpose.CATCH_UP ? 0 : 1;
  }

  public static SnapshotPurpose purpose(int wire) {
    return wire == 0 ? SnapshotPurpose.CATCH_UP : SnapshotPurpose.REBALANCE;
  }

  public static SnapshotRefused refused(SnapshotFailure failure, String message) {
    return SnapshotRefused.newBuilder().setFailure(failure.name()).setMessage(message).build();
  }

  /** The failure a refusal names; INVALID if it names none this code knows (a newer peer). */
  public static SnapshotFailure failure(SnapshotRefused refused) {
    try {
      return SnapshotFailure.valueOf(refused.getFailure());
    } catch (IllegalArgumentException e) {
      return SnapshotFailure.INVALID;
    }
  }

  /** The failure of a completed future's exception: its SnapshotException's, else INVALID. */
  public static SnapshotException unwrap(Throwable t) {
    Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    return cause instanceof SnapshotException ? (SnapshotException) cause
        : new SnapshotException(SnapshotFailure.INVALID, String.valueOf(cause), cause);
  }

  /**
   * The host a server call comes from, as problem reports name it (the host, not the port: one
   * peer's connections share a report line), or {@code "unknown peer"}.
   */
  public static String peerHost(ServerCall<?, ?> call) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote instanceof InetSocketAddress) {
      InetSocketAddress address = (InetSocketAddress) remote;
      return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }
    return remote == null ? "unknown peer" : remote.toString();
  }

  /**
   * A client message as the server received it: parsed, or the reason it did not parse. Exactly
   * one of the two is set.
   */
  public static final class Parsed<T> {
    private final @Nullable T message;
    private final @Nullable String error;

    private Parsed(@Nullable T message, @Nullable String error) {
      this.message = message;
      this.error = error;
    }

    /** The message, or null if it did not parse. */
    public @Nullable T message() {
      return message;
    }

    /** Why it did not parse, or null if it did. */
    public @Nullable String error() {
      return error;
    }
  }

  /**
   * {@code generated} with requests parsed by the server's handler rather than by gRPC: a request
   * that does not parse reaches the handler as a {@link Parsed} with an error, which it answers
   * INVALID_ARGUMENT and counts. (Left to gRPC, a marshaller's failure ends the call with a stack
   * trace logged per stream.) For the server only: it never sends requests.
   */
  public static <Q extends MessageLite, R> MethodDescriptor<Parsed<Q>, R> parsingOnServer(
      MethodDescriptor<Q, R> generated, Parser<Q> parser) {
    return generated.toBuilder(new ParsingMarshaller<>(parser), generated.getResponseMarshaller()).build();
  }

  private static final class ParsingMarshaller<Q extends MessageLite> implements MethodDescriptor.Marshaller<Parsed<Q>> {
    private final Parser<Q> parser;

    ParsingMarshaller(Parser<Q> parser) {
      this.parser = parser;
    }

    @Override
    public InputStream stream(Parsed<Q> value) {
      Q message = value.message();
      if (message == null) {
        throw new IllegalArgumentException("cannot send a request that did not parse");
      }
      return message.toByteString().newInput();
    }

    @Override
    public Parsed<Q> parse(InputStream stream) {
      try {
        return new Parsed<>(parser.parseFrom(stream), null);
      } catch (InvalidProtocolBufferException e) {
        return new Parsed<>(null, String.valueOf(e.getMessage()));
      } catch (RuntimeException e) {
        return new Parsed<>(null, e.toString());
      }
    }
  }
}
