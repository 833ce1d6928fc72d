package io.raftwire.grpc.wire;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.MethodDescriptor;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Converts between {@link RaftEnvelope} and the wire's {@link Envelope}. Stateless. */
public final class WireCodec {
  /** The protocol version this build speaks. */
  public static final int PROTOCOL_VERSION = 1;

  /** Serialized bytes a batch frame adds per envelope beyond {@code RaftEnvelope.sizeBytes()}. */
  public static final int FRAME_SLACK_BYTES = 64 * 1024;

  private WireCodec() {}

  /** The envelope as sent on a stream whose hello names the sender. Shares the payload bytes. */
  public static Envelope encode(RaftEnvelope envelope, long seq) {
    Envelope.Builder b =
        Envelope.newBuilder()
            .setSeq(seq)
            .setRangeId(envelope.range().value())
            .setFromReplica(envelope.from().replicaId())
            .setToStore(envelope.to().store().value())
            .setToReplica(envelope.to().replicaId())
            .setTrafficClassValue(envelope.trafficClass().ordinal() + 1)
            .setPriorityValue(envelope.priority().ordinal() + 1)
            .setPayload(UnsafeByteOperations.unsafeWrap(envelope.payload()));
    for (LogEntry entry : envelope.entries()) {
      b.addEntries(
          Entry.newBuilder()
              .setIndex(entry.index())
              .setTerm(entry.term())
              .setData(UnsafeByteOperations.unsafeWrap(entry.data())));
    }
    return b.build();
  }

  /** The envelope with its sending store, as echoed in a {@link Refusal}. */
  public static Envelope encodeWithSender(RaftEnvelope envelope) {
    return encode(envelope, 0).toBuilder().setFromStore(envelope.from().store().value()).build();
  }

  /**
   * Rebuilds the SPI envelope.
   *
   * @param fromStore the sending store, from the stream's hello (or the envelope's own field)
   * @throws MalformedEnvelopeException if any field is out of range or inconsistent
   */
  public static RaftEnvelope decode(Envelope wire, StoreId fromStore) throws MalformedEnvelopeException {
    try {
      List<LogEntry> entries = new ArrayList<>(wire.getEntriesCount());
      for (Entry e : wire.getEntriesList()) {
        entries.add(LogEntry.of(e.getIndex(), e.getTerm(), e.getData().asReadOnlyByteBuffer()));
      }
      return RaftEnvelope.builder()
          .range(RangeId.of(wire.getRangeId()))
          .from(ReplicaAddress.of(fromStore, wire.getFromReplica()))
          .to(ReplicaAddress.of(StoreId.of(wire.getToStore()), wire.getToReplica()))
          .trafficClass(trafficClass(wire.getTrafficClassValue()))
          .priority(priority(wire.getPriorityValue()))
          .payload(wire.getPayload().asReadOnlyByteBuffer())
          .entries(entries)
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

  private static io.raftwire.message.TrafficClass trafficClass(int value) {
    io.raftwire.message.TrafficClass[] all = io.raftwire.message.TrafficClass.values();
    if (value < 1 || value > all.length) {
      throw new IllegalArgumentException("unknown traffic class " + value);
    }
    return all[value - 1];
  }

  private static io.raftwire.message.Priority priority(int value) {
    io.raftwire.message.Priority[] all = io.raftwire.message.Priority.values();
    if (value < 1 || value > all.length) {
      throw new IllegalArgumentException("unknown priority " + value);
    }
    return all[value - 1];
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
      default:
        throw new IllegalArgumentException(reason + " is not decided by a receiver");
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
