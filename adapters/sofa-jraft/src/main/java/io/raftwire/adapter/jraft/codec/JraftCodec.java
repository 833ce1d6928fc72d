package io.raftwire.adapter.jraft.codec;

import com.alipay.sofa.jraft.entity.RaftOutter.EntryMeta;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.GetFileRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.GetFileResponse;
import com.alipay.sofa.jraft.rpc.RpcRequests.InstallSnapshotRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.raftwire.adapter.jraft.wire.FailureCode;
import io.raftwire.adapter.jraft.wire.Frame;
import io.raftwire.adapter.jraft.wire.Kind;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Converts jraft RPC messages to raftwire envelopes and back. jraft's messages are protobuf, and
 * travel as jraft encodes them inside a {@link Frame}, which adds the call id, the kind (request,
 * response, failure), the message type and the range the answer travels on.
 *
 * <p><b>Classification</b> (the lane each message takes):
 *
 * <ul>
 *   <li>APPEND: an {@code AppendEntriesRequest} with entries, its entries exposed as the envelope's
 *       {@link LogEntry}s (index {@code prev_log_index + 1 + i}, the entry's term, its data); and a
 *       probe (no entries, {@code data} set but empty), which jraft's follower sequences together
 *       with the appends of its leader and so must not overtake them.
 *   <li>SNAPSHOT: {@code InstallSnapshotRequest}, {@code GetFileRequest} and {@code GetFileResponse}
 *       (the response carries the snapshot file's bytes, up to jraft's 128 KiB per read).
 *   <li>CONTROL: everything else: heartbeats (no entries, no data), {@code RequestVote} and
 *       pre-votes, {@code TimeoutNow}, {@code ReadIndex}, pings, CLI requests and every response.
 * </ul>
 *
 * <p>An APPEND's payload never holds the entries' data: it is the request without its {@code data}
 * field, and {@link #decode} puts the data back from the envelope's entries after checking that
 * they fit the entry metadata (count, index, term, length). A transport may therefore carry entries
 * apart from the header and rebuild the envelope (zone fan-out).
 *
 * <p>Stateless and thread-safe. Never throws into jraft: {@link #decode} reports bad input as a
 * {@link MalformedFrameException}.
 */
public final class JraftCodec {
  /** The frame format this codec writes and reads. */
  public static final int VERSION = 1;

  private final Function<ByteBuffer, Priority> entryPriority;

  /** A codec for which every entry is REGULAR work. */
  public JraftCodec() {
    this(data -> Priority.REGULAR);
  }

  /**
   * A codec that gives each APPEND the priority of its entries.
   *
   * @param entryPriority the admission priority of a log entry, from its data (must not block or
   *     throw); an APPEND is REGULAR only if all of its entries are; not null
   * @throws NullPointerException if {@code entryPriority} is null
   */
  public JraftCodec(Function<ByteBuffer, Priority> entryPriority) {
    this.entryPriority = Objects.requireNonNull(entryPriority, "entryPriority");
  }

  /**
   * {@return the lane {@code message} travels on; see the class documentation}
   *
   * @param message a jraft request or response; not null
   */
  public static TrafficClass classify(Message message) {
    if (message instanceof AppendEntriesRequest) {
      AppendEntriesRequest r = (AppendEntriesRequest) message;
      return r.getEntriesCount() > 0 || r.hasData() ? TrafficClass.APPEND : TrafficClass.CONTROL;
    }
    if (message instanceof InstallSnapshotRequest || message instanceof GetFileRequest
        || message instanceof GetFileResponse) {
      return TrafficClass.SNAPSHOT;
    }
    return TrafficClass.CONTROL;
  }

  /**
   * {@return whether {@code request} is a jraft heartbeat: an append without entries and without
   * data}
   *
   * @param request any jraft message; not null
   */
  public static boolean isHeartbeat(Message request) {
    return request instanceof AppendEntriesRequest
        && ((AppendEntriesRequest) request).getEntriesCount() == 0
        && !((AppendEntriesRequest) request).hasData();
  }

  /**
   * {@return {@code envelope} as a coalesced heartbeat record, or empty if it cannot be one} A
   * CONTROL envelope without entries between two stores whose payload fits {@link
   * Heartbeat#MAX_PAYLOAD_BYTES} can; the record carries the same payload, so {@link #envelopeOf}
   * gives back an envelope that decodes to the same frame.
   *
   * @param envelope a request or answer of this codec
   */
  public static Optional<Heartbeat> asHeartbeat(RaftEnvelope envelope) {
    if (envelope.trafficClass() != TrafficClass.CONTROL || !envelope.entries().isEmpty()
        || envelope.payloadSize() > Heartbeat.MAX_PAYLOAD_BYTES || envelope.from().store().equals(envelope.to().store())) {
      return Optional.empty();
    }
    return Optional.of(UnsafeBytes.wrapHeartbeat(envelope.range(), envelope.from(), envelope.to(),
        UnsafeBytes.payloadArray(envelope))); // the envelope's own array: both are read only
  }

  /**
   * {@return the CONTROL envelope a heartbeat record of {@link #asHeartbeat} stands for} Its
   * payload is the record's, so {@link #decode} reads and checks it as any envelope.
   *
   * @param heartbeat a record received from the transport; its payload may be hostile
   */
  public static RaftEnvelope envelopeOf(Heartbeat heartbeat) {
    RaftEnvelope.Builder envelope = RaftEnvelope.builder().range(heartbeat.range()).from(heartbeat.from())
        .to(heartbeat.to()).trafficClass(TrafficClass.CONTROL);
    return UnsafeBytes.wrapPayload(envelope, UnsafeBytes.heartbeatPayloadArray(heartbeat)).build();
  }

  /**
   * The envelope of a request.
   *
   * @param request the jraft request; an append with entries becomes an APPEND whose entries carry
   *     its data; not null
   * @param callId the calling store's id of the call; its answer names it
   * @param range the range the request travels on (the group's range, or the service range)
   * @param replyRange the range its answer is to travel on
   * @param from the calling replica
   * @param to the replica called
   * @param incarnation the calling store's incarnation, which changes when its adapter restarts
   * @return a new envelope, with the lane of {@link #classify}
   * @throws IllegalArgumentException if an append's entry lengths do not add up to its data
   * @throws IllegalStateException if the request's class has the type id of another registered
   *     class (see {@link MessageTypes#register})
   */
  public RaftEnvelope request(Message request, long callId, RangeId range, RangeId replyRange,
      ReplicaAddress from, ReplicaAddress to, long incarnation) {
    Frame.Builder frame = Frame.newBuilder()
        .setVersion(VERSION)
        .setKind(Kind.REQUEST)
        .setCallId(callId)
        .setType(MessageTypes.typeOf(request))
        .setReplyRange(replyRange.value())
        .setIncarnation(incarnation);
    RaftEnvelope.Builder envelope = RaftEnvelope.builder().range(range).from(from).to(to)
        .trafficClass(classify(request))
        // A heartbeat is elastic CONTROL: idle groups' beats may fill only part of the CONTROL
        // lane, and votes and answers (regular CONTROL) keep the rest.
        .priority(isHeartbeat(request) ? Priority.ELASTIC : Priority.REGULAR);
    if (request instanceof AppendEntriesRequest && ((AppendEntriesRequest) request).getEntriesCount() > 0
        && ((AppendEntriesRequest) request).hasData()) {
      AppendEntriesRequest append = (AppendEntriesRequest) request;
      List<LogEntry> entries = entriesOf(append);
      Priority priority = Priority.REGULAR;
      for (LogEntry e : entries) {
        if (entryPriority.apply(e.data()) == Priority.ELASTIC) {
          priority = Priority.ELASTIC;
          break;
        }
      }
      frame.setBody(append.toBuilder().clearData().build().toByteString()).setEntriesSplit(true);
      envelope.entries(entries).priority(priority);
    } else {
      frame.setBody(request.toByteString());
    }
    return UnsafeBytes.wrapPayload(envelope, frame.build().toByteArray()).build(); // a fresh array: no copy
  }

  /**
   * The envelope answering {@code request} with {@code response}.
   *
   * @param request the envelope of the request being answered; the answer goes back to its {@code
   *     from} replica
   * @param callId the call id the request's frame named
   * @param replyRange the range the request's frame asked the answer to travel on
   * @param response the jraft response; not null
   * @param incarnation the answering store's incarnation, which changes when its adapter restarts
   * @return a new envelope on the lane of {@link #classify}
   * @throws IllegalStateException if the response's class has the type id of another registered
   *     class (see {@link MessageTypes#register})
   */
  public RaftEnvelope response(RaftEnvelope request, long callId, RangeId replyRange, Message response, long incarnation) {
    Frame frame = Frame.newBuilder()
        .setVersion(VERSION)
        .setKind(Kind.RESPONSE)
        .setCallId(callId)
        .setType(MessageTypes.typeOf(response))
        .setBody(response.toByteString())
        .setIncarnation(incarnation)
        .build();
    return answer(request, replyRange, classify(response), frame);
  }

  /**
   * The envelope telling the caller that its request reached no processor. It travels on the
   * CONTROL lane.
   *
   * @param request the envelope of the request that failed; the answer goes back to its {@code
   *     from} replica
   * @param callId the call id the request's frame named
   * @param replyRange the range the request's frame asked the answer to travel on
   * @param code why the request reached no processor; not null
   * @param detail a readable explanation for the caller's logs; not null
   * @param incarnation the answering store's incarnation, which changes when its adapter restarts
   * @return a new envelope
   */
  public RaftEnvelope failure(RaftEnvelope request, long callId, RangeId replyRange, FailureCode code, String detail,
      long incarnation) {
    Frame frame = Frame.newBuilder()
        .setVersion(VERSION)
        .setKind(Kind.FAILURE)
        .setCallId(callId)
        .setFailure(code)
        .setFailureDetail(detail)
        .setIncarnation(incarnation)
        .build();
    return answer(request, replyRange, TrafficClass.CONTROL, frame);
  }

  private static RaftEnvelope answer(RaftEnvelope request, RangeId replyRange, TrafficClass lane, Frame frame) {
    RaftEnvelope.Builder answer = RaftEnvelope.builder()
        .range(replyRange)
        .from(request.to())
        .to(request.from())
        .trafficClass(lane);
    return UnsafeBytes.wrapPayload(answer, frame.toByteArray()).build(); // a fresh array: no copy
  }

  /**
   * Decodes an envelope this codec (in any process) encoded. Decodes only: what the frame claims
   * about its sender, target, group and call is checked by the adapter, not here.
   *
   * @param envelope an envelope received from the transport; its payload and entries may be
   *     corrupt or hostile
   * @return the frame; an APPEND's request has its data put back from the envelope's entries
   * @throws MalformedFrameException naming the problem; nothing else is thrown
   */
  public JraftFrame decode(RaftEnvelope envelope) throws MalformedFrameException {
    Frame frame = header(envelope);
    switch (frame.getKind()) {
      case REQUEST: {
        Message message = MessageTypes.parse(frame.getType(), frame.getBody());
        if (frame.getEntriesSplit()) {
          message = withEntries(message, envelope);
        } else if (!envelope.entries().isEmpty()) {
          throw new MalformedFrameException(MalformedFrameException.Problem.ENTRIES_MISMATCH,
              "log entries on a request whose header keeps its data");
        }
        if (frame.getReplyRange() < 1) {
          throw new MalformedFrameException(MalformedFrameException.Problem.UNPARSEABLE_FRAME, "request without a reply range");
        }
        return JraftFrame.request(frame.getCallId(), message, RangeId.of(frame.getReplyRange()), frame.getIncarnation());
      }
      case RESPONSE:
        return JraftFrame.response(frame.getCallId(), MessageTypes.parse(frame.getType(), frame.getBody()),
            frame.getIncarnation());
      case FAILURE:
        return JraftFrame.failure(frame.getCallId(), frame.getFailure(), frame.getFailureDetail(), frame.getIncarnation());
      default:
        throw new MalformedFrameException(MalformedFrameException.Problem.UNKNOWN_KIND, "kind " + frame.getKindValue());
    }
  }

  /**
   * Only the frame header of an envelope (kind and call id), without parsing the jraft message:
   * what the adapter needs to fail a call whose request was dropped.
   *
   * @param envelope an envelope this codec encoded, or any envelope to check
   * @return the parsed frame, of this codec's {@link #VERSION} and a known kind; its body is not
   *     parsed
   * @throws MalformedFrameException if the payload is not a frame of a known version
   */
  public static Frame header(RaftEnvelope envelope) throws MalformedFrameException {
    Frame frame;
    try {
      frame = Frame.parseFrom(UnsafeBytes.payloadArray(envelope)); // read only, not kept
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedFrameException(MalformedFrameException.Problem.UNPARSEABLE_FRAME, e.getMessage(), e);
    }
    if (frame.getVersion() != VERSION) {
      throw new MalformedFrameException(MalformedFrameException.Problem.UNSUPPORTED_VERSION,
          "version " + frame.getVersion() + ", this adapter speaks " + VERSION);
    }
    if (frame.getKind() == Kind.KIND_UNSPECIFIED || frame.getKind() == Kind.UNRECOGNIZED) {
      throw new MalformedFrameException(MalformedFrameException.Problem.UNKNOWN_KIND, "kind " + frame.getKindValue());
    }
    return frame;
  }

  private static List<LogEntry> entriesOf(AppendEntriesRequest append) {
    long total = 0;
    for (EntryMeta meta : append.getEntriesList()) {
      total += meta.getDataLen();
    }
    if (total != append.getData().size()) {
      throw new IllegalArgumentException("the entries' lengths add up to " + total + " bytes, the data has "
          + append.getData().size());
    }
    List<LogEntry> entries = new ArrayList<>(append.getEntriesCount());
    ByteBuffer data = append.getData().asReadOnlyByteBuffer();
    long index = append.getPrevLogIndex() + 1;
    for (EntryMeta meta : append.getEntriesList()) {
      int length = (int) meta.getDataLen();
      ByteBuffer slice = data.slice();
      slice.limit(length);
      data.position(data.position() + length);
      entries.add(LogEntry.of(index++, meta.getTerm(), slice));
    }
    return entries;
  }

  private static Message withEntries(Message message, RaftEnvelope envelope) throws MalformedFrameException {
    if (!(message instanceof AppendEntriesRequest)) {
      throw new MalformedFrameException(MalformedFrameException.Problem.ENTRIES_MISMATCH,
          message.getClass().getSimpleName() + " cannot carry log entries");
    }
    AppendEntriesRequest header = (AppendEntriesRequest) message;
    List<LogEntry> entries = envelope.entries();
    if (header.hasData() || entries.size() != header.getEntriesCount()) {
      throw new MalformedFrameException(MalformedFrameException.Problem.ENTRIES_MISMATCH,
          "header lists " + header.getEntriesCount() + " entries, envelope carries " + entries.size());
    }
    long total = 0;
    for (int i = 0; i < entries.size(); i++) {
      EntryMeta meta = header.getEntries(i);
      LogEntry entry = entries.get(i);
      if (entry.index() != header.getPrevLogIndex() + 1 + i || entry.term() != meta.getTerm()
          || entry.dataSize() != meta.getDataLen()) {
        throw new MalformedFrameException(MalformedFrameException.Problem.ENTRIES_MISMATCH,
            "entry " + entry + " does not fit its metadata (term " + meta.getTerm() + ", " + meta.getDataLen() + " bytes)");
      }
      total += entry.dataSize();
    }
    if (total > Integer.MAX_VALUE) {
      throw new MalformedFrameException(MalformedFrameException.Problem.ENTRIES_MISMATCH, "entries too large: " + total);
    }
    byte[] data = new byte[(int) total];
    int at = 0;
    for (LogEntry entry : entries) {
      ByteBuffer bytes = entry.data();
      int n = bytes.remaining();
      bytes.get(data, at, n);
      at += n;
    }
    // The array is this method's own and never changes: wrap it instead of copying it again.
    return header.toBuilder().setData(UnsafeByteOperations.unsafeWrap(data)).build();
  }
}
