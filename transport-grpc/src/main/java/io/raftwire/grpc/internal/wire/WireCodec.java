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
    return builder(envelope, seq).build();
  }

  /**
   * The envelope as a store that did not write it relays it (a fan-out agent): it names its
   * writing store, since the stream's hello names the relaying one.
   */
  public static Envelope encodeRelayed(RaftEnvelope envelope, long seq) {
    return builder(envelope, seq).setFromStore(envelope.from().store().value()).build();
  }

  /**
   * A zone fan-out bundle for {@code agent}: the members' entries once, and one {@link Forward}
   * per member with its payload and span.
   *
   * @param members APPENDs with entries of one range, sending replica and priority, to distinct
   *     stores
   * @param union {@link #unionOfEntries} of {@code members}
   * @throws IllegalArgumentException if the members differ in range, sender or priority
   */
  public static Envelope encodeBundle(List<RaftEnvelope> members, List<LogEntry> union, StoreId agent, long seq) {
    RaftEnvelope first = members.get(0);
    Envelope.Builder b =
        Envelope.newBuilder()
            .setSeq(seq)
            .setRangeId(first.range().value())
            .setFromReplica(first.from().replicaId())
            .setToStore(agent.value())
            .setTrafficClassValue(io.raftwire.message.TrafficClass.APPEND.ordinal() + 1)
            .setPriorityValue(first.priority().ordinal() + 1);
    for (LogEntry entry : union) {
      b.addEntries(wireEntry(entry));
    }
    for (RaftEnvelope m : members) {
      if (!m.range().equals(first.range()) || !m.from().equals(first.from()) || m.priority() != first.priority()) {
        throw new IllegalArgumentException("bundle members differ in range, sender or priority: " + m);
      }
      List<LogEntry> entries = m.entries();
      b.addForwards(
          Forward.newBuilder()
              .setToStore(m.to().store().value())
              .setToReplica(m.to().replicaId())
              .setPayload(UnsafeByteOperations.unsafeWrap(m.payload()))
              .setFirstIndex(entries.get(0).index())
              .setLastIndex(entries.get(entries.size() - 1).index()));
    }
    return b.build();
  }

  /**
   * The entries of {@code members} once each, ascending: the bundle's shared entries.
   *
   * @throws IllegalArgumentException if a member has no entries, the spans leave a gap, or two
   *     members disagree on an entry's term or size
   */
  public static List<LogEntry> unionOfEntries(List<RaftEnvelope> members) {
    long low = Long.MAX_VALUE;
    long high = Long.MIN_VALUE;
    for (RaftEnvelope m : members) {
      List<LogEntry> entries = m.entries();
      if (entries.isEmpty()) {
        throw new IllegalArgumentException("a bundle member without entries: " + m);
      }
      low = Math.min(low, entries.get(0).index());
      high = Math.max(high, entries.get(entries.size() - 1).index());
    }
    if (high - low >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("bundle span too long: " + low + ".." + high);
    }
    LogEntry[] union = new LogEntry[(int) (high - low + 1)];
    for (RaftEnvelope m : members) {
      for (LogEntry e : m.entries()) {
        int slot = (int) (e.index() - low);
        LogEntry known = union[slot];
        if (known == null) {
          union[slot] = e;
        } else if (known.term() != e.term() || known.dataSize() != e.dataSize()) {
          throw new IllegalArgumentException("members disagree on entry " + e.index() + ": " + known + " vs " + e);
        }
      }
    }
    for (int i = 0; i < union.length; i++) {
      if (union[i] == null) {
        throw new IllegalArgumentException("bundle members leave entry " + (low + i) + " out");
      }
    }
    return List.of(union);
  }

  /** True if {@code wire} is a zone fan-out bundle. */
  public static boolean isBundle(Envelope wire) {
    return wire.getForwardsCount() > 0;
  }

  /**
   * Rebuilds the members of a zone fan-out bundle, in the order of its forwards.
   *
   * @param fromStore the store that wrote the members (the bundle stream's sender)
   * @throws MalformedEnvelopeException if the bundle is inconsistent: entries not consecutive, a
   *     span outside them or empty, two forwards to one store, or any field out of range
   */
  public static List<RaftEnvelope> decodeBundle(Envelope wire, StoreId fromStore) throws MalformedEnvelopeException {
    try {
      List<LogEntry> union = new ArrayList<>(wire.getEntriesCount());
      for (Entry e : wire.getEntriesList()) {
        union.add(LogEntry.of(e.getIndex(), e.getTerm(), e.getData().asReadOnlyByteBuffer()));
      }
      if (union.isEmpty()) {
        throw new IllegalArgumentException("a bundle without entries");
      }
      long low = union.get(0).index();
      for (int i = 1; i < union.size(); i++) {
        if (union.get(i).index() != low + i) {
          throw new IllegalArgumentException("bundle entries are not consecutive at " + union.get(i).index());
        }
      }
      long high = low + union.size() - 1;
      RangeId range = RangeId.of(wire.getRangeId());
      ReplicaAddress from = ReplicaAddress.of(fromStore, wire.getFromReplica());
      io.raftwire.message.Priority priority = priority(wire.getPriorityValue());
      List<RaftEnvelope> members = new ArrayList<>(wire.getForwardsCount());
      java.util.Set<Long> stores = new java.util.HashSet<>();
      for (Forward f : wire.getForwardsList()) {
        if (f.getFirstIndex() < low || f.getLastIndex() > high || f.getFirstIndex() > f.getLastIndex()) {
          throw new IllegalArgumentException("forward span " + f.getFirstIndex() + ".." + f.getLastIndex()
              + " is not within the bundle's entries " + low + ".." + high);
        }
        if (!stores.add(f.getToStore())) {
          throw new IllegalArgumentException("two forwards to store " + f.getToStore());
        }
        members.add(
            RaftEnvelope.builder()
                .range(range)
                .from(from)
                .to(ReplicaAddress.of(StoreId.of(f.getToStore()), f.getToReplica()))
                .trafficClass(io.raftwire.message.TrafficClass.APPEND)
                .priority(priority)
                .payload(f.getPayload().asReadOnlyByteBuffer())
                .entries(union.subList((int) (f.getFirstIndex() - low), (int) (f.getLastIndex() - low + 1)))
                .build());
      }
      return members;
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MalformedEnvelopeException("malformed bundle seq " + wire.getSeq() + ": " + e.getMessage(), e);
    }
  }

  private static Entry.Builder wireEntry(LogEntry entry) {
    return Entry.newBuilder()
        .setIndex(entry.index())
        .setTerm(entry.term())
        .setData(UnsafeByteOperations.unsafeWrap(entry.data()));
  }

  private static Envelope.Builder builder(RaftEnvelope envelope, long seq) {
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
      b.addEntries(wireEntry(entry));
    }
    return b;
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
