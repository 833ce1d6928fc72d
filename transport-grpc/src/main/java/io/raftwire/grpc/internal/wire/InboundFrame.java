package io.raftwire.grpc.internal.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@code ClientFrame} as a receiver reads it: parsed straight from gRPC's stream into the SPI's
 * types, without intermediate protobuf objects for plain envelopes. Each payload and entry gets an
 * array of its own, read from the stream (so a kept entry keeps only its own bytes alive, never the
 * frame). Wire-level garbage (truncated, bad lengths, bad wire types) is an {@link IOException}
 * that ends the stream; an envelope whose fields are out of range is kept as {@link
 * InboundEnvelope#malformed()} so that it alone is refused. Reading the same bytes as the generated
 * parser: unknown fields are skipped, a repeated scalar's last value wins, a oneof's last member
 * wins and a repeated batch field is merged.
 *
 * <p>Immutable once read; read on the stream's thread.
 */
public final class InboundFrame {
  /** The frame kinds this build knows. */
  public enum Kind {
    HELLO,
    BATCH,
    /** None, or one of a newer protocol: ignored. */
    OTHER
  }

  private static final int HELLO = WireFormat.WIRETYPE_LENGTH_DELIMITED | (ClientFrame.HELLO_FIELD_NUMBER << 3);
  private static final int BATCH = WireFormat.WIRETYPE_LENGTH_DELIMITED | (ClientFrame.BATCH_FIELD_NUMBER << 3);
  private static final int ENVELOPES = WireFormat.WIRETYPE_LENGTH_DELIMITED | (Batch.ENVELOPES_FIELD_NUMBER << 3);
  private static final int HEARTBEATS = delimited(Batch.HEARTBEATS_FIELD_NUMBER);
  private static final int HEARTBEATS_SEQ = varint(HeartbeatBatch.SEQ_FIELD_NUMBER);
  private static final int RECORDS = delimited(HeartbeatBatch.RECORDS_FIELD_NUMBER);
  private static final int RECORD_RANGE = varint(HeartbeatRecord.RANGE_ID_FIELD_NUMBER);
  private static final int RECORD_FROM_REPLICA = varint(HeartbeatRecord.FROM_REPLICA_FIELD_NUMBER);
  private static final int RECORD_TO_REPLICA = varint(HeartbeatRecord.TO_REPLICA_FIELD_NUMBER);
  private static final int RECORD_PAYLOAD = delimited(HeartbeatRecord.PAYLOAD_FIELD_NUMBER);
  private static final int SEQ = varint(Envelope.SEQ_FIELD_NUMBER);
  private static final int RANGE = varint(Envelope.RANGE_ID_FIELD_NUMBER);
  private static final int FROM_REPLICA = varint(Envelope.FROM_REPLICA_FIELD_NUMBER);
  private static final int TO_STORE = varint(Envelope.TO_STORE_FIELD_NUMBER);
  private static final int TO_REPLICA = varint(Envelope.TO_REPLICA_FIELD_NUMBER);
  private static final int TRAFFIC_CLASS = varint(Envelope.TRAFFIC_CLASS_FIELD_NUMBER);
  private static final int PRIORITY = varint(Envelope.PRIORITY_FIELD_NUMBER);
  private static final int PAYLOAD = delimited(Envelope.PAYLOAD_FIELD_NUMBER);
  private static final int ENTRIES = delimited(Envelope.ENTRIES_FIELD_NUMBER);
  private static final int FROM_STORE = varint(Envelope.FROM_STORE_FIELD_NUMBER);
  private static final int FORWARDS = delimited(Envelope.FORWARDS_FIELD_NUMBER);
  private static final int ENTRY_INDEX = varint(Entry.INDEX_FIELD_NUMBER);
  private static final int ENTRY_TERM = varint(Entry.TERM_FIELD_NUMBER);
  private static final int ENTRY_DATA = delimited(Entry.DATA_FIELD_NUMBER);
  private static final int MIN_BUFFER_BYTES = 64;
  private static final int MAX_BUFFER_BYTES = 4096;
  private static final byte[] EMPTY = new byte[0];

  private final Kind kind;
  private final @Nullable Hello hello;
  private final List<InboundEnvelope> envelopes;
  private final @Nullable InboundHeartbeats heartbeats;

  private InboundFrame(Kind kind, @Nullable Hello hello, List<InboundEnvelope> envelopes,
      @Nullable InboundHeartbeats heartbeats) {
    this.kind = kind;
    this.hello = hello;
    this.envelopes = envelopes;
    this.heartbeats = heartbeats;
  }

  /** What {@link #readBatch} collects besides the envelopes. */
  private static final class BatchState {
    @Nullable InboundHeartbeats heartbeats;
    /**
     * The last sender and receiver addresses decoded, reused while the next envelope or heartbeat
     * record names the same replicas (a frame is between the same two stores, often the same
     * replicas).
     */
    @Nullable ReplicaAddress lastFrom;

    @Nullable ReplicaAddress lastTo;

    ReplicaAddress from(StoreId store, long replica) {
      ReplicaAddress last = lastFrom;
      if (last == null || last.replicaId() != replica || !last.store().equals(store)) {
        last = lastFrom = ReplicaAddress.of(store, replica);
      }
      return last;
    }

    ReplicaAddress to(long store, long replica) {
      ReplicaAddress last = lastTo;
      if (last == null || last.replicaId() != replica || last.store().value() != store) {
        last = lastTo = ReplicaAddress.of(StoreId.of(store), replica);
      }
      return last;
    }
  }

  /**
   * Reads one frame.
   *
   * @param raw the frame's bytes as gRPC hands them over; read to the end, not closed
   * @param sender the sending store as the stream's hello named it, or null before the hello (a
   *     batch then decodes to nothing but its sequence numbers: it is refused as a whole)
   * @throws IOException if the bytes are not a well-formed frame
   */
  public static InboundFrame read(InputStream raw, @Nullable StoreId sender) throws IOException {
    return read(raw, sender, null);
  }

  /**
   * Reads one frame, heartbeats included.
   *
   * @param raw the frame's bytes as gRPC hands them over; read to the end, not closed
   * @param sender the sending store as the stream's hello named it, or null before the hello
   * @param receiver the store reading (the heartbeats' destination), or null if unknown (heartbeat
   *     records then decode as malformed)
   * @throws IOException if the bytes are not a well-formed frame
   */
  public static InboundFrame read(InputStream raw, @Nullable StoreId sender, @Nullable StoreId receiver)
      throws IOException {
    int available = raw.available();
    CodedInputStream in = CodedInputStream.newInstance(raw,
        Math.max(MIN_BUFFER_BYTES, Math.min(MAX_BUFFER_BYTES, available)));
    Kind kind = Kind.OTHER;
    Hello hello = null;
    List<InboundEnvelope> envelopes = List.of();
    BatchState state = new BatchState();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == HELLO) {
        hello = in.readMessage(Hello.parser(), ExtensionRegistryLite.getEmptyRegistry());
        kind = Kind.HELLO;
        envelopes = List.of();
      } else if (tag == BATCH) {
        if (kind != Kind.BATCH) {
          envelopes = new ArrayList<>();
          state.heartbeats = null;
        }
        kind = Kind.BATCH;
        hello = null;
        int limit = in.pushLimit(in.readRawVarint32());
        readBatch(in, sender, receiver, envelopes, state);
        in.popLimit(limit);
      } else {
        skip(in, tag);
      }
    }
    return new InboundFrame(kind, hello, envelopes, kind == Kind.BATCH ? state.heartbeats : null);
  }

  /** {@return what the frame carries} */
  public Kind kind() {
    return kind;
  }

  /** {@return the hello of a {@link Kind#HELLO} frame} */
  public Hello hello() {
    if (hello == null) {
      throw new IllegalStateException("not a hello frame: " + kind);
    }
    return hello;
  }

  /** {@return the envelopes of a {@link Kind#BATCH} frame, in order; empty for other kinds} */
  public List<InboundEnvelope> envelopes() {
    return envelopes;
  }

  /**
   * {@return the heartbeat part of a {@link Kind#BATCH} frame, or null if it has none} Its
   * sequence number precedes the envelopes'.
   */
  public @Nullable InboundHeartbeats heartbeats() {
    return heartbeats;
  }

  private static void readBatch(CodedInputStream in, @Nullable StoreId sender, @Nullable StoreId receiver,
      List<InboundEnvelope> out, BatchState state) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      if (tag == ENVELOPES) {
        int limit = in.pushLimit(in.readRawVarint32());
        out.add(readEnvelope(in, sender, state));
        in.popLimit(limit);
      } else if (tag == HEARTBEATS) {
        int limit = in.pushLimit(in.readRawVarint32());
        state.heartbeats = readHeartbeats(in, sender, receiver, state);
        in.popLimit(limit);
      } else {
        skip(in, tag);
      }
    }
  }

  private static InboundEnvelope readEnvelope(CodedInputStream in, @Nullable StoreId sender, BatchState state)
      throws IOException {
    long seq = 0;
    long range = 0;
    long fromReplica = 0;
    long toStore = 0;
    long toReplica = 0;
    int trafficClass = 0;
    int priority = 0;
    byte[] payload = EMPTY;
    LogEntry first = null;
    List<LogEntry> entries = null;
    String badEntry = null;
    long fromStore = 0;
    List<Forward> forwards = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == SEQ) {
        seq = in.readUInt64();
      } else if (tag == RANGE) {
        range = in.readUInt64();
      } else if (tag == FROM_REPLICA) {
        fromReplica = in.readUInt64();
      } else if (tag == TO_STORE) {
        toStore = in.readUInt64();
      } else if (tag == TO_REPLICA) {
        toReplica = in.readUInt64();
      } else if (tag == TRAFFIC_CLASS) {
        trafficClass = in.readEnum();
      } else if (tag == PRIORITY) {
        priority = in.readEnum();
      } else if (tag == PAYLOAD) {
        payload = in.readByteArray();
      } else if (tag == ENTRIES) {
        int limit = in.pushLimit(in.readRawVarint32());
        LogEntry entry = null;
        try {
          entry = readEntry(in);
        } catch (IllegalArgumentException e) {
          if (badEntry == null) {
            badEntry = String.valueOf(e.getMessage());
          }
        }
        in.popLimit(limit);
        if (entry != null) {
          // Most APPENDs carry one entry: held alone until a second one comes.
          if (first == null && entries == null) {
            first = entry;
          } else {
            if (entries == null) {
              entries = new ArrayList<>(4);
              entries.add(first);
              first = null;
            }
            entries.add(entry);
          }
        }
      } else if (tag == FROM_STORE) {
        fromStore = in.readUInt64();
      } else if (tag == FORWARDS) {
        if (forwards == null) {
          forwards = new ArrayList<>();
        }
        forwards.add(in.readMessage(Forward.parser(), ExtensionRegistryLite.getEmptyRegistry()));
      } else {
        skip(in, tag);
      }
    }
    // Immutable lists: the envelope keeps them as they are, without a copy.
    List<LogEntry> all = entries != null ? List.copyOf(entries) : first != null ? List.of(first) : List.of();
    if (badEntry != null) {
      return InboundEnvelope.malformed(seq, fromStore, forwards != null,
          malformedDetail(seq, badEntry));
    }
    if (forwards != null) {
      Envelope.Builder bundle = Envelope.newBuilder().setSeq(seq).setRangeId(range).setFromReplica(fromReplica)
          .setToStore(toStore).setToReplica(toReplica).setTrafficClassValue(trafficClass).setPriorityValue(priority)
          .setPayload(UnsafeByteOperations.unsafeWrap(payload)).setFromStore(fromStore).addAllForwards(forwards);
      for (LogEntry e : all) {
        bundle.addEntries(WireCodec.wire(e));
      }
      return InboundEnvelope.bundle(seq, fromStore, bundle.build());
    }
    if (sender == null) {
      return InboundEnvelope.malformed(seq, fromStore, false, "no sender named yet");
    }
    try {
      StoreId writer = fromStore != 0 && fromStore != sender.value() ? StoreId.of(fromStore) : sender;
      RaftEnvelope.Builder b = RaftEnvelope.builder()
          .range(RangeId.of(range))
          .from(state.from(writer, fromReplica))
          .to(state.to(toStore, toReplica))
          .trafficClass(WireCodec.trafficClass(trafficClass))
          .priority(WireCodec.priority(priority))
          .entries(all);
      return InboundEnvelope.plain(seq, fromStore, UnsafeBytes.wrapPayload(b, payload).build());
    } catch (IllegalArgumentException | NullPointerException e) {
      return InboundEnvelope.malformed(seq, fromStore, false, malformedDetail(seq, e.getMessage()));
    }
  }

  /**
   * Reads a heartbeat part, merged into {@code earlier} as the generated parser merges a repeated
   * message field. A record out of range makes the whole part malformed: it is refused as one.
   */
  private static InboundHeartbeats readHeartbeats(CodedInputStream in, @Nullable StoreId sender,
      @Nullable StoreId receiver, BatchState state) throws IOException {
    InboundHeartbeats earlier = state.heartbeats;
    long seq = earlier == null ? 0 : earlier.seq();
    List<Heartbeat> records = earlier == null ? new ArrayList<>() : new ArrayList<>(earlier.records());
    String bad = earlier == null ? null : earlier.malformed();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == HEARTBEATS_SEQ) {
        seq = in.readUInt64();
      } else if (tag == RECORDS) {
        int limit = in.pushLimit(in.readRawVarint32());
        String why = readRecord(in, sender, receiver, records, state);
        in.popLimit(limit);
        if (why != null && bad == null) {
          bad = why;
        }
      } else {
        skip(in, tag);
      }
    }
    return bad == null ? InboundHeartbeats.of(seq, records) : InboundHeartbeats.malformed(seq,
        "malformed heartbeats seq " + seq + ": " + bad);
  }

  /** Reads one heartbeat record into {@code out}; the reason it is invalid (and left out), or null. */
  private static @Nullable String readRecord(CodedInputStream in, @Nullable StoreId sender,
      @Nullable StoreId receiver, List<Heartbeat> out, BatchState state) throws IOException {
    long range = 0;
    long fromReplica = 0;
    long toReplica = 0;
    byte[] payload = EMPTY;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == RECORD_RANGE) {
        range = in.readUInt64();
      } else if (tag == RECORD_FROM_REPLICA) {
        fromReplica = in.readUInt64();
      } else if (tag == RECORD_TO_REPLICA) {
        toReplica = in.readUInt64();
      } else if (tag == RECORD_PAYLOAD) {
        payload = in.readByteArray();
      } else {
        skip(in, tag);
      }
    }
    if (sender == null || receiver == null) {
      return "no sender named yet";
    }
    try {
      out.add(UnsafeBytes.wrapHeartbeat(RangeId.of(range), state.from(sender, fromReplica),
          state.to(receiver.value(), toReplica), payload));
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static String malformedDetail(long seq, @Nullable String why) {
    return "malformed envelope seq " + seq + ": " + why;
  }

  /**
   * Reads one entry.
   *
   * @throws IllegalArgumentException if its fields are out of range
   */
  private static LogEntry readEntry(CodedInputStream in) throws IOException {
    long index = 0;
    long term = 0;
    byte[] data = EMPTY;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == ENTRY_INDEX) {
        index = in.readUInt64();
      } else if (tag == ENTRY_TERM) {
        term = in.readUInt64();
      } else if (tag == ENTRY_DATA) {
        data = in.readByteArray();
      } else {
        skip(in, tag);
      }
    }
    return UnsafeBytes.wrapEntry(index, term, data);
  }

  private static void skip(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      throw new InvalidProtocolBufferException("end-group tag " + tag + " outside a group");
    }
  }

  private static int varint(int field) {
    return WireFormat.WIRETYPE_VARINT | (field << 3);
  }

  private static int delimited(int field) {
    return WireFormat.WIRETYPE_LENGTH_DELIMITED | (field << 3);
  }
}
