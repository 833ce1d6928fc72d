package io.raftwire.adapter.ratis.codec;

import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.thirdparty.com.google.protobuf.CodedOutputStream;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;

/**
 * Converts Ratis's server-to-server messages to raftwire envelopes and back.
 *
 * <p><b>Frame.</b> A payload is a {@value #HEADER_BYTES}-byte header, then the body. The header is
 * the format version ({@value #VERSION}), the kind (request, response, failure), the {@link
 * MessageType}, the calling store's call id (8 bytes, big-endian) and the sending store's
 * incarnation (8 bytes). A request's or reply's body is Ratis's protobuf encoding of the message; a
 * failure's is its {@link FailureCode} byte and a UTF-8 explanation of at most {@value
 * #MAX_DETAIL_BYTES} bytes.
 *
 * <p><b>Classification</b> (the lane and priority each message takes):
 *
 * <ul>
 *   <li>APPEND: an {@code appendEntries} with entries. Its entries become the envelope's {@link
 *       LogEntry}s (Ratis's index plus one, since raftwire numbers logs from 1 and Ratis from 0;
 *       Ratis's term; the entry's protobuf encoding as data) and its body is
 *       the request without them; {@link #decode} puts them back after checking each against its
 *       index and term. The envelope is ELASTIC if any entry is ({@code entryPriority}), else
 *       REGULAR.
 *   <li>SNAPSHOT: {@code installSnapshot}, both its chunks and its notifications.
 *   <li>CONTROL: everything else. A heartbeat (an {@code appendEntries} without entries) is elastic
 *       CONTROL, so the beats of many idle groups may fill only part of the CONTROL lane; votes,
 *       elections, read indexes and every reply and failure are regular CONTROL.
 * </ul>
 *
 * <p>Stateless and thread-safe. {@link #decode} never throws anything but {@link
 * MalformedFrameException} on bad input.
 */
public final class RatisCodec {
  /** The frame format this codec writes and reads. */
  public static final int VERSION = 1;
  /** Bytes of a frame's header. */
  public static final int HEADER_BYTES = 19;
  /** Longest failure explanation carried, in UTF-8 bytes; longer ones are cut. */
  public static final int MAX_DETAIL_BYTES = 512;

  private final Function<LogEntryProto, Priority> entryPriority;

  /** A codec for which every entry is REGULAR work. */
  public RatisCodec() {
    this(entry -> Priority.REGULAR);
  }

  /**
   * A codec that gives each APPEND the priority of its entries.
   *
   * @param entryPriority the admission priority of a log entry (must not block or throw); an
   *     APPEND is REGULAR only if all of its entries are; not null
   * @throws NullPointerException if {@code entryPriority} is null
   */
  public RatisCodec(Function<LogEntryProto, Priority> entryPriority) {
    this.entryPriority = Objects.requireNonNull(entryPriority, "entryPriority");
  }

  /**
   * {@return the lane {@code message} travels on; see the class documentation}
   *
   * @param message a Ratis request or reply; not null
   */
  public static TrafficClass classify(Message message) {
    if (message instanceof AppendEntriesRequestProto) {
      return ((AppendEntriesRequestProto) message).getEntriesCount() > 0 ? TrafficClass.APPEND : TrafficClass.CONTROL;
    }
    return message instanceof InstallSnapshotRequestProto ? TrafficClass.SNAPSHOT : TrafficClass.CONTROL;
  }

  /**
   * {@return whether {@code message} is a heartbeat: an append without entries}
   *
   * @param message any Ratis message; not null
   */
  public static boolean isHeartbeat(Message message) {
    return message instanceof AppendEntriesRequestProto && ((AppendEntriesRequestProto) message).getEntriesCount() == 0;
  }

  /**
   * The envelope of a request.
   *
   * @param request the Ratis request; not null
   * @param callId the calling store's id of the call; its answer names it
   * @param range the range of the request's group
   * @param from the calling replica
   * @param to the replica called
   * @param incarnation the calling store's incarnation
   * @return a new envelope on the lane of {@link #classify}
   * @throws IllegalArgumentException if {@code request} is not a request this adapter carries
   */
  public RaftEnvelope request(Message request, long callId, RangeId range, ReplicaAddress from, ReplicaAddress to,
      long incarnation) {
    MessageType type = MessageType.of(request);
    if (!type.isRequest()) {
      throw new IllegalArgumentException(type + " is a reply, not a request");
    }
    RaftEnvelope.Builder envelope = RaftEnvelope.builder().range(range).from(from).to(to).trafficClass(classify(request))
        .priority(isHeartbeat(request) ? Priority.ELASTIC : Priority.REGULAR);
    Message body = request;
    if (request instanceof AppendEntriesRequestProto && ((AppendEntriesRequestProto) request).getEntriesCount() > 0) {
      AppendEntriesRequestProto append = (AppendEntriesRequestProto) request;
      List<LogEntry> entries = new ArrayList<>(append.getEntriesCount());
      Priority priority = Priority.REGULAR;
      for (LogEntryProto e : append.getEntriesList()) {
        entries.add(UnsafeBytes.wrapEntry(toRaftwireIndex(e.getIndex()), e.getTerm(), e.toByteArray())); // a fresh array: no copy
        if (priority == Priority.REGULAR && entryPriority.apply(e) == Priority.ELASTIC) {
          priority = Priority.ELASTIC;
        }
      }
      body = append.toBuilder().clearEntries().build();
      envelope.entries(entries).priority(priority);
    }
    return UnsafeBytes.wrapPayload(envelope, frame(RatisFrame.Kind.REQUEST, type, callId, incarnation, body)).build();
  }

  /**
   * The envelope answering {@code request} with Ratis's {@code reply}, back to the calling replica,
   * on the request's range.
   *
   * @param request the envelope of the request being answered
   * @param callId the call id the request's frame named
   * @param reply Ratis's reply; not null
   * @param incarnation the answering store's incarnation
   * @return a new CONTROL envelope
   * @throws IllegalArgumentException if {@code reply} is not a reply this adapter carries
   */
  public RaftEnvelope response(RaftEnvelope request, long callId, Message reply, long incarnation) {
    MessageType type = MessageType.of(reply);
    if (type.isRequest()) {
      throw new IllegalArgumentException(type + " is a request, not a reply");
    }
    return answer(request, frame(RatisFrame.Kind.RESPONSE, type, callId, incarnation, reply));
  }

  /**
   * The envelope telling the caller that its request reached no Ratis server, or that Ratis failed
   * it.
   *
   * @param request the envelope of the request that failed
   * @param callId the call id the request's frame named
   * @param type the type of the request that failed
   * @param code why; not null
   * @param detail a readable explanation for the caller's logs (cut to {@value #MAX_DETAIL_BYTES}
   *     bytes); not null
   * @param incarnation the answering store's incarnation
   * @return a new CONTROL envelope
   */
  public RaftEnvelope failure(RaftEnvelope request, long callId, MessageType type, FailureCode code, String detail,
      long incarnation) {
    byte[] text = cut(detail.getBytes(StandardCharsets.UTF_8));
    byte[] payload = new byte[HEADER_BYTES + 1 + text.length];
    writeHeader(payload, RatisFrame.Kind.FAILURE, type.replyType(), callId, incarnation);
    payload[HEADER_BYTES] = (byte) code.wire();
    System.arraycopy(text, 0, payload, HEADER_BYTES + 1, text.length);
    return answer(request, payload);
  }

  /**
   * Reads only the header of {@code envelope}'s frame: enough to end the call of a dropped request
   * or to answer a request whose body is bad.
   *
   * @param envelope any envelope; its payload may be hostile
   * @return the header, as a frame without message
   * @throws MalformedFrameException if the payload has no valid header
   */
  public static RatisFrame header(RaftEnvelope envelope) throws MalformedFrameException {
    byte[] p = UnsafeBytes.payloadArray(envelope);
    if (p.length < HEADER_BYTES) {
      throw new MalformedFrameException("short_frame", p.length + " bytes, a header has " + HEADER_BYTES);
    }
    if (p[0] != VERSION) {
      throw new MalformedFrameException("bad_version", "frame version " + p[0] + ", this codec reads " + VERSION);
    }
    RatisFrame.Kind kind = RatisFrame.Kind.ofWire(p[1])
        .orElseThrow(() -> new MalformedFrameException("bad_kind", "unknown frame kind " + p[1]));
    MessageType type = MessageType.ofWire(p[2])
        .orElseThrow(() -> new MalformedFrameException("bad_type", "unknown message type " + p[2]));
    if ((kind == RatisFrame.Kind.REQUEST) != type.isRequest()) {
      throw new MalformedFrameException("bad_type", "a " + kind + " frame of type " + type);
    }
    return new RatisFrame(kind, type, readLong(p, 3), readLong(p, 11), null, null, "");
  }

  /**
   * Decodes {@code envelope} into the frame it carries, the entries of an APPEND put back into the
   * append.
   *
   * @param envelope an envelope from the transport; its payload and entries may be hostile
   * @return the frame
   * @throws MalformedFrameException if the header, the body or the entries are not valid
   */
  public RatisFrame decode(RaftEnvelope envelope) throws MalformedFrameException {
    RatisFrame header = header(envelope);
    byte[] p = UnsafeBytes.payloadArray(envelope);
    if (header.kind() == RatisFrame.Kind.FAILURE) {
      if (p.length < HEADER_BYTES + 1) {
        throw new MalformedFrameException("short_frame", "a failure without its code");
      }
      FailureCode code = FailureCode.ofWire(p[HEADER_BYTES])
          .orElseThrow(() -> new MalformedFrameException("bad_failure_code", "unknown failure code " + p[HEADER_BYTES]));
      int length = Math.min(p.length - HEADER_BYTES - 1, MAX_DETAIL_BYTES);
      String detail = new String(p, HEADER_BYTES + 1, length, StandardCharsets.UTF_8);
      return new RatisFrame(header.kind(), header.type(), header.callId(), header.incarnation(), null, code, detail);
    }
    Message message;
    try {
      message = header.type().parse(p, HEADER_BYTES, p.length - HEADER_BYTES);
    } catch (IOException e) { // InvalidProtocolBufferException: the bytes are in memory
      throw new MalformedFrameException("bad_body", header.type() + " does not parse: " + e.getMessage());
    }
    List<LogEntry> entries = envelope.entries();
    if (!entries.isEmpty()) {
      if (!(message instanceof AppendEntriesRequestProto)) {
        throw new MalformedFrameException("unexpected_entries", header.type() + " with " + entries.size() + " entries");
      }
      AppendEntriesRequestProto append = (AppendEntriesRequestProto) message;
      if (append.getEntriesCount() > 0) {
        throw new MalformedFrameException("unexpected_entries", "an append with entries in its body and beside it");
      }
      AppendEntriesRequestProto.Builder whole = append.toBuilder();
      for (LogEntry entry : entries) {
        LogEntryProto e;
        try {
          e = LogEntryProto.parseFrom(UnsafeBytes.entryArray(entry));
        } catch (InvalidProtocolBufferException ex) {
          throw new MalformedFrameException("bad_entry", "entry " + entry.index() + " does not parse: " + ex.getMessage());
        }
        if (e.getIndex() < 0 || toRaftwireIndex(e.getIndex()) != entry.index() || e.getTerm() != entry.term()) {
          throw new MalformedFrameException("bad_entry", "entry (" + entry.index() + ", " + entry.term()
              + ") encodes Ratis entry (" + e.getIndex() + ", " + e.getTerm() + ")");
        }
        whole.addEntries(e);
      }
      message = whole.build();
    } else if (envelope.trafficClass() == TrafficClass.APPEND) {
      throw new MalformedFrameException("missing_entries", "an APPEND envelope without entries");
    }
    return new RatisFrame(header.kind(), header.type(), header.callId(), header.incarnation(), message, null, "");
  }

  /**
   * {@return the raftwire index of Ratis log index {@code ratisIndex}} Ratis numbers its log from 0,
   * raftwire from 1: a {@link LogEntry}'s index is the Ratis index plus one (so are the indexes of
   * durability reports).
   *
   * @param ratisIndex a Ratis log index, {@code >= 0}
   */
  public static long toRaftwireIndex(long ratisIndex) {
    return ratisIndex + 1;
  }

  private static RaftEnvelope answer(RaftEnvelope request, byte[] payload) {
    RaftEnvelope.Builder envelope = RaftEnvelope.builder().range(request.range()).from(request.to()).to(request.from())
        .trafficClass(TrafficClass.CONTROL).priority(Priority.REGULAR);
    return UnsafeBytes.wrapPayload(envelope, payload).build();
  }

  private static byte[] frame(RatisFrame.Kind kind, MessageType type, long callId, long incarnation, Message body) {
    int size = body.getSerializedSize();
    byte[] payload = new byte[HEADER_BYTES + size];
    writeHeader(payload, kind, type, callId, incarnation);
    CodedOutputStream out = CodedOutputStream.newInstance(payload, HEADER_BYTES, size);
    try {
      body.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("a message changed size while encoded", e);
    }
    return payload;
  }

  private static void writeHeader(byte[] p, RatisFrame.Kind kind, MessageType type, long callId, long incarnation) {
    p[0] = VERSION;
    p[1] = (byte) kind.wire;
    p[2] = (byte) type.wire();
    writeLong(p, 3, callId);
    writeLong(p, 11, incarnation);
  }

  private static void writeLong(byte[] p, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      p[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long readLong(byte[] p, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (p[at + i] & 0xff);
    }
    return v;
  }

  private static byte[] cut(byte[] text) {
    if (text.length <= MAX_DETAIL_BYTES) {
      return text;
    }
    byte[] cut = new byte[MAX_DETAIL_BYTES];
    System.arraycopy(text, 0, cut, 0, MAX_DETAIL_BYTES);
    return cut;
  }
}
