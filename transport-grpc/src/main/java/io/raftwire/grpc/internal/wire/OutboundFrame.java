package io.raftwire.grpc.internal.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.UnsafeBytes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One {@code ClientFrame} carrying a batch, encoded straight from the SPI's envelopes into gRPC's
 * outbound buffers: no intermediate protobuf objects, one pass to size the frame (at {@link
 * Builder#build()}) and one to write it (when gRPC drains the stream). Payload and entry bytes of
 * 512 bytes and more are copied once in user space, from the envelope's own arrays into gRPC's
 * buffer (smaller ones pass through a scratch array first, to keep writes few). The bytes are
 * exactly what the generated {@code ClientFrame} of the same envelopes serializes to.
 *
 * <p>gRPC drains it on the thread that hands it to the call ({@code onNext}), so encoding costs
 * the writer's thread and holds no lock of the writer's. If gRPC reads it as a plain stream
 * instead, it is encoded into an array first.
 *
 * <p>Not thread-safe: one thread builds it and gRPC reads it once.
 */
public final class OutboundFrame extends InputStream implements Drainable, KnownLength {
  private static final int FRAME_BATCH_FIELD = 2;
  private static final int BATCH_ENVELOPES_FIELD = 1;
  private static final int BATCH_HEARTBEATS_FIELD = 2;
  private static final int HEARTBEATS_SEQ_FIELD = 1;
  private static final int HEARTBEATS_RECORDS_FIELD = 2;
  private static final int RECORD_RANGE_FIELD = 1;
  private static final int RECORD_FROM_REPLICA_FIELD = 2;
  private static final int RECORD_TO_REPLICA_FIELD = 3;
  private static final int RECORD_PAYLOAD_FIELD = 4;
  private static final int SCRATCH_BYTES = 8192;

  private final Object[] items; // RaftEnvelope (encoded here) or Envelope (prebuilt)
  private final long[] seqs;
  private final boolean[] namesWriter;
  private final int[] sizes;
  private final int count;
  private final long heartbeatSeq; // 0: no heartbeat part
  private final List<Heartbeat> heartbeats;
  private final int[] recordSizes;
  private final int heartbeatBytes;
  private final int batchBytes;
  private final int frameBytes;
  private boolean drained;
  private @Nullable InputStream fallback;

  private OutboundFrame(Builder b) {
    this.items = b.items;
    this.seqs = b.seqs;
    this.namesWriter = b.namesWriter;
    this.count = b.count;
    this.sizes = new int[count];
    this.heartbeatSeq = b.heartbeatSeq;
    this.heartbeats = b.heartbeats;
    this.recordSizes = new int[heartbeats.size()];
    long batch = 0;
    if (heartbeatSeq != 0) {
      long part = uint64Bytes(HEARTBEATS_SEQ_FIELD, heartbeatSeq);
      for (int i = 0; i < recordSizes.length; i++) {
        int size = recordBytes(heartbeats.get(i));
        recordSizes[i] = size;
        part += CodedOutputStream.computeTagSize(HEARTBEATS_RECORDS_FIELD) + CodedOutputStream.computeUInt32SizeNoTag(size)
            + size;
      }
      if (part > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("a heartbeat part of " + part + " bytes is larger than any stream carries");
      }
      this.heartbeatBytes = (int) part;
      batch += CodedOutputStream.computeTagSize(BATCH_HEARTBEATS_FIELD) + CodedOutputStream.computeUInt32SizeNoTag(
          heartbeatBytes) + heartbeatBytes;
    } else {
      this.heartbeatBytes = 0;
    }
    for (int i = 0; i < count; i++) {
      Object item = items[i];
      int size = item instanceof RaftEnvelope
          ? envelopeBytes((RaftEnvelope) item, seqs[i], namesWriter[i])
          : ((Envelope) item).getSerializedSize();
      sizes[i] = size;
      batch += CodedOutputStream.computeTagSize(BATCH_ENVELOPES_FIELD) + CodedOutputStream.computeUInt32SizeNoTag(size)
          + size;
    }
    long frame = CodedOutputStream.computeTagSize(FRAME_BATCH_FIELD) + CodedOutputStream.computeUInt64SizeNoTag(batch)
        + batch;
    if (frame > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a frame of " + frame + " bytes is larger than any stream carries");
    }
    this.batchBytes = (int) batch;
    this.frameBytes = (int) frame;
  }

  /** {@return a builder for a frame of about {@code expected} envelopes} */
  public static Builder builder(int expected) {
    return new Builder(expected);
  }

  /** {@return the frame's encoded length in bytes} */
  public int frameBytes() {
    return frameBytes;
  }

  /** {@return the number of envelopes in the frame} */
  public int envelopes() {
    return count;
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    if (drained) {
      return 0;
    }
    drained = true;
    if (fallback != null) {
      return (int) fallback.transferTo(target);
    }
    writeTo(new Sink(target, Math.min(frameBytes, SCRATCH_BYTES)));
    return frameBytes;
  }

  @Override
  public int available() throws IOException {
    if (fallback != null) {
      return fallback.available();
    }
    return drained ? 0 : frameBytes;
  }

  @Override
  public int read() throws IOException {
    return drained ? -1 : fallback().read();
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    return drained ? -1 : fallback().read(b, off, len);
  }

  private InputStream fallback() throws IOException {
    if (fallback == null) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(frameBytes);
      writeTo(new Sink(bytes, Math.min(frameBytes, SCRATCH_BYTES)));
      fallback = new ByteArrayInputStream(bytes.toByteArray());
    }
    return fallback;
  }

  private void writeTo(Sink out) throws IOException {
    out.tag(FRAME_BATCH_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.varint(batchBytes);
    for (int i = 0; i < count; i++) {
      out.tag(BATCH_ENVELOPES_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.varint(sizes[i]);
      Object item = items[i];
      if (item instanceof RaftEnvelope) {
        writeEnvelope(out, (RaftEnvelope) item, seqs[i], namesWriter[i]);
      } else {
        out.message((Envelope) item);
      }
    }
    // After the envelopes, as the generated code writes field 2 after field 1; its sequence
    // number still comes before theirs.
    if (heartbeatSeq != 0) {
      out.tag(BATCH_HEARTBEATS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.varint(heartbeatBytes);
      out.uint64(HEARTBEATS_SEQ_FIELD, heartbeatSeq);
      for (int i = 0; i < recordSizes.length; i++) {
        Heartbeat h = heartbeats.get(i);
        out.tag(HEARTBEATS_RECORDS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.varint(recordSizes[i]);
        out.uint64(RECORD_RANGE_FIELD, h.range().value());
        out.uint64(RECORD_FROM_REPLICA_FIELD, h.from().replicaId());
        out.uint64(RECORD_TO_REPLICA_FIELD, h.to().replicaId());
        out.bytes(RECORD_PAYLOAD_FIELD, UnsafeBytes.heartbeatPayloadArray(h));
      }
    }
    out.flush();
  }

  /** The encoded size of the envelope, as {@link #writeEnvelope} writes it. */
  static int envelopeBytes(RaftEnvelope e, long seq, boolean namesWriter) {
    int size = uint64Bytes(Envelope.SEQ_FIELD_NUMBER, seq)
        + uint64Bytes(Envelope.RANGE_ID_FIELD_NUMBER, e.range().value())
        + uint64Bytes(Envelope.FROM_REPLICA_FIELD_NUMBER, e.from().replicaId())
        + uint64Bytes(Envelope.TO_STORE_FIELD_NUMBER, e.to().store().value())
        + uint64Bytes(Envelope.TO_REPLICA_FIELD_NUMBER, e.to().replicaId())
        + enumBytes(Envelope.TRAFFIC_CLASS_FIELD_NUMBER, WireCodec.wire(e.trafficClass()).getNumber())
        + enumBytes(Envelope.PRIORITY_FIELD_NUMBER, WireCodec.wire(e.priority()).getNumber());
    if (e.payloadSize() > 0) {
      size += CodedOutputStream.computeTagSize(Envelope.PAYLOAD_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(e.payloadSize()) + e.payloadSize();
    }
    List<LogEntry> entries = e.entries();
    for (int i = 0, n = entries.size(); i < n; i++) {
      int entry = entryBytes(entries.get(i));
      size += CodedOutputStream.computeTagSize(Envelope.ENTRIES_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
    }
    if (namesWriter) {
      size += uint64Bytes(Envelope.FROM_STORE_FIELD_NUMBER, e.from().store().value());
    }
    return size;
  }

  private static int entryBytes(LogEntry entry) {
    int size = uint64Bytes(Entry.INDEX_FIELD_NUMBER, entry.index()) + uint64Bytes(Entry.TERM_FIELD_NUMBER, entry.term());
    if (entry.dataSize() > 0) {
      size += CodedOutputStream.computeTagSize(Entry.DATA_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(entry.dataSize()) + entry.dataSize();
    }
    return size;
  }

  /** Writes the envelope's fields in field order, leaving out defaults (as generated code does). */
  private static void writeEnvelope(Sink out, RaftEnvelope e, long seq, boolean namesWriter) throws IOException {
    out.uint64(Envelope.SEQ_FIELD_NUMBER, seq);
    out.uint64(Envelope.RANGE_ID_FIELD_NUMBER, e.range().value());
    out.uint64(Envelope.FROM_REPLICA_FIELD_NUMBER, e.from().replicaId());
    out.uint64(Envelope.TO_STORE_FIELD_NUMBER, e.to().store().value());
    out.uint64(Envelope.TO_REPLICA_FIELD_NUMBER, e.to().replicaId());
    out.uint64(Envelope.TRAFFIC_CLASS_FIELD_NUMBER, WireCodec.wire(e.trafficClass()).getNumber());
    out.uint64(Envelope.PRIORITY_FIELD_NUMBER, WireCodec.wire(e.priority()).getNumber());
    out.bytes(Envelope.PAYLOAD_FIELD_NUMBER, UnsafeBytes.payloadArray(e));
    List<LogEntry> entries = e.entries();
    for (int i = 0, n = entries.size(); i < n; i++) {
      LogEntry entry = entries.get(i);
      out.tag(Envelope.ENTRIES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.varint(entryBytes(entry));
      out.uint64(Entry.INDEX_FIELD_NUMBER, entry.index());
      out.uint64(Entry.TERM_FIELD_NUMBER, entry.term());
      out.bytes(Entry.DATA_FIELD_NUMBER, UnsafeBytes.entryArray(entry));
    }
    if (namesWriter) {
      out.uint64(Envelope.FROM_STORE_FIELD_NUMBER, e.from().store().value());
    }
  }

  /** The encoded size of a heartbeat record, as {@link #writeTo} writes it. */
  private static int recordBytes(Heartbeat h) {
    int payload = UnsafeBytes.heartbeatPayloadArray(h).length;
    return uint64Bytes(RECORD_RANGE_FIELD, h.range().value())
        + uint64Bytes(RECORD_FROM_REPLICA_FIELD, h.from().replicaId())
        + uint64Bytes(RECORD_TO_REPLICA_FIELD, h.to().replicaId())
        + (payload == 0 ? 0 : CodedOutputStream.computeTagSize(RECORD_PAYLOAD_FIELD)
            + CodedOutputStream.computeUInt32SizeNoTag(payload) + payload);
  }

  private static int uint64Bytes(int field, long value) {
    return value == 0 ? 0 : CodedOutputStream.computeUInt64Size(field, value);
  }

  private static int enumBytes(int field, int value) {
    return value == 0 ? 0 : CodedOutputStream.computeEnumSize(field, value);
  }

  /**
   * Writes protobuf fields to gRPC's stream: tags, varints and small byte fields through a scratch
   * array, larger byte fields straight from their own arrays (their one copy is gRPC's, into its
   * buffer). Enum values are non-negative here, so they encode as the same varint as uint64.
   */
  private static final class Sink {
    /** Byte fields up to this size go through the scratch array: fewer, larger writes. */
    private static final int DIRECT_WRITE_MIN_BYTES = 512;

    private final OutputStream target;
    private final byte[] scratch;
    private int position;

    Sink(OutputStream target, int scratchBytes) {
      this.target = target;
      this.scratch = new byte[Math.max(scratchBytes, 16)];
    }

    void tag(int field, int wireType) throws IOException {
      varint((field << 3) | wireType);
    }

    void varint(long value) throws IOException {
      if (scratch.length - position < 10) {
        flush();
      }
      long v = value;
      while ((v & ~0x7FL) != 0) {
        scratch[position++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      scratch[position++] = (byte) v;
    }

    void uint64(int field, long value) throws IOException {
      if (value != 0) {
        tag(field, WireFormat.WIRETYPE_VARINT);
        varint(value);
      }
    }

    void bytes(int field, byte[] value) throws IOException {
      if (value.length == 0) {
        return;
      }
      tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      varint(value.length);
      if (value.length < DIRECT_WRITE_MIN_BYTES && scratch.length - position >= value.length) {
        System.arraycopy(value, 0, scratch, position, value.length);
        position += value.length;
      } else {
        flush();
        target.write(value, 0, value.length);
      }
    }

    void message(Envelope prebuilt) throws IOException {
      flush();
      prebuilt.writeTo(target);
    }

    void flush() throws IOException {
      if (position > 0) {
        target.write(scratch, 0, position);
        position = 0;
      }
    }
  }

  /** Collects a frame's envelopes in order. Not thread-safe. */
  public static final class Builder {
    private Object[] items;
    private long[] seqs;
    private boolean[] namesWriter;
    private int count;
    private long heartbeatSeq;
    private List<Heartbeat> heartbeats = List.of();

    private Builder(int expected) {
      int capacity = Math.max(1, expected);
      items = new Object[capacity];
      seqs = new long[capacity];
      namesWriter = new boolean[capacity];
    }

    /**
     * Adds an envelope with stream sequence {@code seq}.
     *
     * @param namesWriter whether the envelope names its writing store ({@code from_store}): for an
     *     envelope relayed by a store that did not write it
     */
    public Builder add(RaftEnvelope envelope, long seq, boolean namesWriter) {
      grow();
      items[count] = envelope;
      seqs[count] = seq;
      this.namesWriter[count] = namesWriter;
      count++;
      return this;
    }

    /** Adds an envelope built as a protobuf message already (a fan-out bundle). */
    public Builder add(Envelope prebuilt) {
      grow();
      items[count] = prebuilt;
      count++;
      return this;
    }

    /**
     * Sets the frame's heartbeat part: {@code records} (none: a liveness beacon) under stream
     * sequence {@code seq}, which must precede the envelopes' sequence numbers.
     *
     * @param seq the part's stream sequence number, {@code >= 1}
     * @param records the heartbeats, kept (not copied) until the frame is written
     */
    public Builder heartbeats(long seq, List<Heartbeat> records) {
      if (seq < 1) {
        throw new IllegalArgumentException("heartbeat seq must be >= 1, was " + seq);
      }
      heartbeatSeq = seq;
      heartbeats = records;
      return this;
    }

    private void grow() {
      if (count == items.length) {
        int capacity = items.length * 2;
        items = Arrays.copyOf(items, capacity);
        seqs = Arrays.copyOf(seqs, capacity);
        namesWriter = Arrays.copyOf(namesWriter, capacity);
      }
    }

    /**
     * {@return the frame, sized} The builder must not be used afterwards.
     *
     * @throws IllegalArgumentException if the frame would exceed 2 GiB
     */
    public OutboundFrame build() {
      return new OutboundFrame(this);
    }
  }
}
