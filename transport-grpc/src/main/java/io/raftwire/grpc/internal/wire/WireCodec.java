package io.raftwire.grpc.internal.wire;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between the SPI's {@link RaftEnvelope} and the wire's {@link Envelope}, and between
 * drop reasons and refusal codes. Every mapping of an SPI enum to a wire enum is an explicit
 * switch: reordering an SPI enum cannot change the protocol. Stateless.
 */
public final class WireCodec {
  /** The protocol version this build speaks: 2 added coalesced heartbeats to batches. */
  public static final int PROTOCOL_VERSION = 2;

  /**
   * The call header naming a stream's lane ({@code control} or {@code data}), set by senders when
   * they open a stream. A scheduling hint only: the server reads a CONTROL stream's frames on its
   * network thread, without a hop to the receive threads, so heartbeats do not queue behind DATA
   * frames being parsed. Nothing else trusts it (the hello's lane is what counts).
   */
  public static final Metadata.Key<String> LANE_HEADER = Metadata.Key.of("raftwire-lane", Metadata.ASCII_STRING_MARSHALLER);

  /** The {@link #LANE_HEADER} value of a CONTROL stream. */
  public static final String CONTROL_LANE = "control";

  /** The {@link #LANE_HEADER} value of a DATA stream. */
  public static final String DATA_LANE = "data";

  /** Serialized bytes a batch frame adds per envelope beyond {@code RaftEnvelope.sizeBytes()}. */
  public static final int FRAME_SLACK_BYTES = 64 * 1024;

  private WireCodec() {}

  /**
   * The envelope as sent on a stream whose hello names the sender, as a protobuf message (for
   * refusal echoes and tests; batches are written by {@link OutboundFrame}). The payload and the
   * entries' data are the envelope's own arrays, wrapped, not copied.
   */
  public static Envelope encode(RaftEnvelope envelope, long seq) {
    return builder(envelope, seq).build();
  }

  /**
   * The envelope as a store that did not write it relays it (a fan-out agent): it names its
   * writing store, since the stream's hello names the relaying one.
   */
  public static Envelope encodeRelayed(RaftEnvelope envelope, long seq) {
    return builder(envelope, seq).setFromStore(envelope.from().store().value()).build();
  }

  /** The envelope with its sending store, as echoed in a {@link Refusal}. */
  public static Envelope encodeWithSender(RaftEnvelope envelope) {
    return encodeRelayed(envelope, 0);
  }

  private static Envelope.Builder builder(RaftEnvelope envelope, long seq) {
    Envelope.Builder b =
        Envelope.newBuilder()
            .setSeq(seq)
            .setRangeId(envelope.range().value())
            .setFromReplica(envelope.from().replicaId())
            .setToStore(envelope.to().store().value())
            .setToReplica(envelope.to().replicaId())
            .setTrafficClass(wire(envelope.trafficClass()))
            .setPriority(wire(envelope.priority()))
            .setPayload(UnsafeByteOperations.unsafeWrap(UnsafeBytes.payloadArray(envelope)));
    for (LogEntry entry : envelope.entries()) {
      b.addEntries(wire(entry));
    }
    return b;
  }

  /** One log entry on the wire. */
  public static Entry wire(LogEntry entry) {
    return Entry.newBuilder()
        .setIndex(entry.index())
        .setTerm(entry.term())
        .setData(UnsafeByteOperations.unsafeWrap(UnsafeBytes.entryArray(entry)))
        .build();
  }

  /** The log entries of a wire envelope (or bundle), validated by {@link LogEntry#of}. */
  public static List<LogEntry> entries(Envelope wire) {
    List<LogEntry> entries = new ArrayList<>(wire.getEntriesCount());
    for (Entry e : wire.getEntriesList()) {
      entries.add(LogEntry.of(e.getIndex(), e.getTerm(), e.getData().asReadOnlyByteBuffer()));
    }
    return entries;
  }

  /**
   * Rebuilds the SPI envelope.
   *
   * @param fromStore the sending store, from the stream's hello (or the envelope's own field)
   * @throws MalformedEnvelopeException if any field is out of range or inconsistent
   */
  public static RaftEnvelope decode(Envelope wire, StoreId fromStore) throws MalformedEnvelopeException {
    try {
      return RaftEnvelope.builder()
          .range(RangeId.of(wire.getRangeId()))
          .from(ReplicaAddress.of(fromStore, wire.getFromReplica()))
          .to(ReplicaAddress.of(StoreId.of(wire.getToStore()), wire.getToReplica()))
          .trafficClass(trafficClass(wire.getTrafficClass(), wire.getTrafficClassValue()))
          .priority(priority(wire.getPriority(), wire.getPriorityValue()))
          .payload(wire.getPayload().asReadOnlyByteBuffer())
          .entries(entries(wire))
          .build();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MalformedEnvelopeException("malformed envelope seq " + wire.getSeq() + ": " + e.getMessage(), e);
    }
  }

  /** Decodes an envelope echoed in a refusal, whose sender is in the envelope itself. */
  public static RaftEnvelope decodeEcho(Envelope wire) throws MalformedEnvelopeException {
    try {
      return decode(wire, StoreId.of(wire.getFromStore()));
    } catch (IllegalArgumentException e) {
      throw new MalformedEnvelopeException("echoed envelope without sender: " + e.getMessage(), e);
    }
  }

  /** The wire form of a traffic class. */
  public static io.raftwire.grpc.internal.wire.TrafficClass wire(TrafficClass trafficClass) {
    switch (trafficClass) {
      case CONTROL:
        return io.raftwire.grpc.internal.wire.TrafficClass.CONTROL;
      case APPEND:
        return io.raftwire.grpc.internal.wire.TrafficClass.APPEND;
      case SNAPSHOT:
        return io.raftwire.grpc.internal.wire.TrafficClass.SNAPSHOT;
    }
    throw new AssertionError(trafficClass);
  }

  /** The wire form of a priority. */
  public static io.raftwire.grpc.internal.wire.Priority wire(Priority priority) {
    switch (priority) {
      case REGULAR:
        return io.raftwire.grpc.internal.wire.Priority.REGULAR;
      case ELASTIC:
        return io.raftwire.grpc.internal.wire.Priority.ELASTIC;
    }
    throw new AssertionError(priority);
  }

  /**
   * The traffic class a wire value names ({@code value} is its number, for the message).
   *
   * @throws IllegalArgumentException for an unknown or unset value
   */
  public static TrafficClass trafficClass(io.raftwire.grpc.internal.wire.TrafficClass wire, int value) {
    switch (wire) {
      case CONTROL:
        return TrafficClass.CONTROL;
      case APPEND:
        return TrafficClass.APPEND;
      case SNAPSHOT:
        return TrafficClass.SNAPSHOT;
      default:
        throw new IllegalArgumentException("unknown traffic class " + value);
    }
  }

  /**
   * The traffic class a wire number names.
   *
   * @throws IllegalArgumentException for an unknown or unset number
   */
  public static TrafficClass trafficClass(int number) {
    io.raftwire.grpc.internal.wire.TrafficClass wire = io.raftwire.grpc.internal.wire.TrafficClass.forNumber(number);
    return trafficClass(wire == null ? io.raftwire.grpc.internal.wire.TrafficClass.UNRECOGNIZED : wire, number);
  }

  /**
   * The priority a wire number names.
   *
   * @throws IllegalArgumentException for an unknown or unset number
   */
  public static Priority priority(int number) {
    io.raftwire.grpc.internal.wire.Priority wire = io.raftwire.grpc.internal.wire.Priority.forNumber(number);
    return priority(wire == null ? io.raftwire.grpc.internal.wire.Priority.UNRECOGNIZED : wire, number);
  }

  /**
   * The priority a wire value names ({@code value} is its number, for the message).
   *
   * @throws IllegalArgumentException for an unknown or unset value
   */
  public static Priority priority(io.raftwire.grpc.internal.wire.Priority wire, int value) {
    switch (wire) {
      case REGULAR:
        return Priority.REGULAR;
      case ELASTIC:
        return Priority.ELASTIC;
      default:
        throw new IllegalArgumentException("unknown priority " + value);
    }
  }

  /** The refusal code for a receiver-side drop reason. */
  public static RefusalCode refusalCode(DropReason reason) {
    switch (reason) {
      case TOO_LARGE:
        return RefusalCode.TOO_LARGE;
      case MALFORMED:
        return RefusalCode.MALFORMED;
      case WRONG_DESTINATION:
        return RefusalCode.WRONG_DESTINATION;
      case UNKNOWN_RANGE:
        return RefusalCode.UNKNOWN_RANGE;
      case RECEIVER_BUDGET:
        return RefusalCode.RECEIVER_BUDGET;
      case HANDLER_FAILED:
        return RefusalCode.HANDLER_FAILED;
      case CLOSED:
        return RefusalCode.CLOSED;
      case FORWARD_FAILED:
        return RefusalCode.FORWARD_FAILED;
      default:
        throw new IllegalArgumentException(reason + " is not decided by a receiver");
    }
  }

  /**
   * The refusal code a fan-out agent reports for a member it could not relay: the follower's own
   * refusal passes through; the agent's sender-side reasons become {@code FORWARD_FAILED}.
   */
  public static RefusalCode relayRefusalCode(DropReason reason) {
    switch (reason) {
      case UNREACHABLE:
      case LANE_BUDGET:
      case GLOBAL_BUDGET:
      case WRONG_SOURCE:
      case FORWARD_FAILED:
        return RefusalCode.FORWARD_FAILED;
      default:
        return refusalCode(reason);
    }
  }

  /** The drop reason a sender reports for a refusal code; unknown codes become MALFORMED. */
  public static DropReason dropReason(RefusalCode code) {
    switch (code) {
      case TOO_LARGE:
        return DropReason.TOO_LARGE;
      case WRONG_DESTINATION:
        return DropReason.WRONG_DESTINATION;
      case UNKNOWN_RANGE:
        return DropReason.UNKNOWN_RANGE;
      case RECEIVER_BUDGET:
        return DropReason.RECEIVER_BUDGET;
      case HANDLER_FAILED:
        return DropReason.HANDLER_FAILED;
      case CLOSED:
        return DropReason.CLOSED;
      case FORWARD_FAILED:
        return DropReason.FORWARD_FAILED;
      case MALFORMED:
      default:
        return DropReason.MALFORMED;
    }
  }

  /**
   * The stream method with the request left as raw bytes, for the server: it parses frames itself
   * so that garbage gets a typed answer and a metric rather than a transport-level failure.
   */
  public static MethodDescriptor<InputStream, ServerFrame> rawServerMethod() {
    MethodDescriptor<ClientFrame, ServerFrame> generated = RaftWireGrpc.getStreamMethod();
    return generated.toBuilder(RawMarshaller.INSTANCE, generated.getResponseMarshaller()).build();
  }

  /**
   * The stream method with the request as raw bytes, for the client: batches are {@link
   * OutboundFrame}s written straight into gRPC's buffers, other frames go through {@link #stream}.
   */
  public static MethodDescriptor<InputStream, ServerFrame> rawClientMethod() {
    return RAW_CLIENT_METHOD;
  }

  /** The bytes of a frame built as a protobuf message (a hello), for {@link #rawClientMethod()}. */
  public static InputStream stream(ClientFrame frame) {
    return RaftWireGrpc.getStreamMethod().streamRequest(frame);
  }

  private static final MethodDescriptor<InputStream, ServerFrame> RAW_CLIENT_METHOD = rawServerMethod();

  private enum RawMarshaller implements MethodDescriptor.Marshaller<InputStream> {
    INSTANCE;

    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  }
}
