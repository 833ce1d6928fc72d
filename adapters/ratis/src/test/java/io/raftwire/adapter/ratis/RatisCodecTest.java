package io.raftwire.adapter.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.adapter.ratis.codec.FailureCode;
import io.raftwire.adapter.ratis.codec.MalformedFrameException;
import io.raftwire.adapter.ratis.codec.MessageType;
import io.raftwire.adapter.ratis.codec.RatisCodec;
import io.raftwire.adapter.ratis.codec.RatisFrame;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.FileChunkProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotResult;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexReplyProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;
import org.junit.jupiter.api.Test;

/** Every Ratis server-to-server message round-trips through the codec; bad frames get typed errors. */
class RatisCodecTest {
  private static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.fromString("6a1f6d1c-9f2e-4c1b-8a55-0c5e3b1d2f10"));
  private static final RangeId RANGE = RatisGroupRanges.hashed().rangeOf(GROUP);
  private static final ReplicaAddress LEADER = ReplicaAddress.of(StoreId.of(1), 1);
  private static final ReplicaAddress FOLLOWER = ReplicaAddress.of(StoreId.of(2), 1);
  private static final long CALL = 0x1122_3344_5566_7788L;
  private static final long INCARNATION = -42;

  private final RatisCodec codec = new RatisCodec();

  static RaftRpcRequestProto request() {
    return RaftRpcRequestProto.newBuilder()
        .setRequestorId(ByteString.copyFromUtf8("s1"))
        .setReplyId(ByteString.copyFromUtf8("s2"))
        .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(GROUP.toByteString()))
        .setCallId(7)
        .build();
  }

  static RaftRpcReplyProto reply() {
    return RaftRpcReplyProto.newBuilder()
        .setRequestorId(ByteString.copyFromUtf8("s1"))
        .setReplyId(ByteString.copyFromUtf8("s2"))
        .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(GROUP.toByteString()))
        .setCallId(7)
        .setSuccess(true)
        .build();
  }

  static TermIndexProto termIndex(long term, long index) {
    return TermIndexProto.newBuilder().setTerm(term).setIndex(index).build();
  }

  static LogEntryProto entry(long term, long index, String data) {
    return LogEntryProto.newBuilder().setTerm(term).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFromUtf8(data)))
        .build();
  }

  static AppendEntriesRequestProto append(LogEntryProto... entries) {
    return AppendEntriesRequestProto.newBuilder().setServerRequest(request()).setLeaderTerm(3)
        .setPreviousLog(termIndex(3, 0)).addAllEntries(List.of(entries)).setLeaderCommit(0).build();
  }

  /** One message of every type (a heartbeat and a notification besides). */
  static List<Message> everyMessage() {
    return List.of(
        RequestVoteRequestProto.newBuilder().setServerRequest(request()).setCandidateTerm(4)
            .setCandidateLastEntry(termIndex(3, 9)).setPreVote(true).build(),
        RequestVoteReplyProto.newBuilder().setServerReply(reply()).setTerm(4).setLastEntry(termIndex(3, 9)).build(),
        append(entry(3, 0, "a"), entry(3, 1, "bb"), entry(3, 2, "")),
        append(),
        AppendEntriesReplyProto.newBuilder().setServerReply(reply()).setTerm(3).setNextIndex(3).setMatchIndex(2)
            .setResult(AppendEntriesReplyProto.AppendResult.SUCCESS).build(),
        InstallSnapshotRequestProto.newBuilder().setServerRequest(request()).setLeaderTerm(3)
            .setSnapshotChunk(InstallSnapshotRequestProto.SnapshotChunkProto.newBuilder().setRequestId("snap-1")
                .setRequestIndex(0).setTermIndex(termIndex(3, 279)).setTotalSize(5).setDone(true)
                .addFileChunks(FileChunkProto.newBuilder().setFilename("sm/snapshot.3_279")
                    .setData(ByteString.copyFromUtf8("hello")).setDone(true)))
            .build(),
        InstallSnapshotRequestProto.newBuilder().setServerRequest(request()).setLeaderTerm(3)
            .setNotification(InstallSnapshotRequestProto.NotificationProto.newBuilder()
                .setFirstAvailableTermIndex(termIndex(3, 280)))
            .build(),
        InstallSnapshotReplyProto.newBuilder().setServerReply(reply()).setTerm(3)
            .setResult(InstallSnapshotResult.SUCCESS).setRequestIndex(0).build(),
        StartLeaderElectionRequestProto.newBuilder().setServerRequest(request()).setLeaderLastEntry(termIndex(3, 9)).build(),
        StartLeaderElectionReplyProto.newBuilder().setServerReply(reply()).build(),
        ReadIndexRequestProto.newBuilder().setServerRequest(request()).build(),
        ReadIndexReplyProto.newBuilder().setServerReply(reply()).setReadIndex(42).build());
  }

  private RaftEnvelope encode(Message message) {
    MessageType type = MessageType.of(message);
    if (type.isRequest()) {
      return codec.request(message, CALL, RANGE, LEADER, FOLLOWER, INCARNATION);
    }
    RaftEnvelope request = codec.request(ReadIndexRequestProto.newBuilder().setServerRequest(request()).build(), CALL,
        RANGE, LEADER, FOLLOWER, INCARNATION);
    return codec.response(request, CALL, message, INCARNATION);
  }

  @Test
  void everyServerMessageRoundTrips() throws Exception {
    Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
    for (Message message : everyMessage()) {
      RaftEnvelope envelope = encode(message);
      RatisFrame frame = codec.decode(envelope);
      assertEquals(message, frame.message().orElseThrow(), "round trip of " + message.getClass().getSimpleName());
      assertEquals(MessageType.of(message), frame.type());
      assertEquals(CALL, frame.callId());
      assertEquals(INCARNATION, frame.incarnation());
      assertEquals(RANGE, envelope.range());
      seen.add(frame.type());
    }
    assertEquals(EnumSet.allOf(MessageType.class), seen, "every type was exercised");
  }

  @Test
  void lanesAndPrioritiesFollowTheMessage() {
    RaftEnvelope append = encode(append(entry(3, 0, "a"), entry(3, 1, "b")));
    assertEquals(TrafficClass.APPEND, append.trafficClass());
    assertEquals(Priority.REGULAR, append.priority());
    List<LogEntry> entries = append.entries();
    assertEquals(2, entries.size());
    assertEquals(1, entries.get(0).index(), "raftwire numbers from 1: Ratis index 0 is raftwire index 1");
    assertEquals(3, entries.get(0).term());

    RaftEnvelope heartbeat = encode(append());
    assertEquals(TrafficClass.CONTROL, heartbeat.trafficClass());
    assertEquals(Priority.ELASTIC, heartbeat.priority());
    assertTrue(heartbeat.entries().isEmpty());

    assertEquals(TrafficClass.SNAPSHOT, encode(everyMessage().get(5)).trafficClass());
    assertEquals(TrafficClass.SNAPSHOT, encode(everyMessage().get(6)).trafficClass(), "notifications too");
    RaftEnvelope vote = encode(everyMessage().get(0));
    assertEquals(TrafficClass.CONTROL, vote.trafficClass());
    assertEquals(Priority.REGULAR, vote.priority());
    RaftEnvelope answer = encode(everyMessage().get(4));
    assertEquals(TrafficClass.CONTROL, answer.trafficClass());
    assertEquals(LEADER, answer.to(), "an answer goes back to the caller");

    RatisCodec elastic = new RatisCodec(e -> e.getIndex() == 1 ? Priority.ELASTIC : Priority.REGULAR);
    assertEquals(Priority.ELASTIC, elastic.request(append(entry(3, 0, "a"), entry(3, 1, "b")), 1, RANGE, LEADER, FOLLOWER, 1)
        .priority(), "an append is elastic if any of its entries is");
  }

  @Test
  void failuresCarryTheirCodeAndACutExplanation() throws Exception {
    RaftEnvelope request = encode(everyMessage().get(0));
    RaftEnvelope failure = codec.failure(request, CALL, MessageType.REQUEST_VOTE, FailureCode.UNKNOWN_GROUP, "x".repeat(2000), 5);
    RatisFrame frame = codec.decode(failure);
    assertEquals(RatisFrame.Kind.FAILURE, frame.kind());
    assertEquals(MessageType.REQUEST_VOTE_REPLY, frame.type());
    assertEquals(FailureCode.UNKNOWN_GROUP, frame.failure().orElseThrow());
    assertEquals(RatisCodec.MAX_DETAIL_BYTES, frame.detail().length());
    assertEquals(LEADER, failure.to());
  }

  @Test
  void malformedFramesGetTypedErrors() {
    RaftEnvelope good = encode(everyMessage().get(0));
    byte[] payload = bytes(good.payload());

    assertProblem("short_frame", withPayload(good, new byte[5]));
    assertProblem("bad_version", withPayload(good, patched(payload, 0, 9)));
    assertProblem("bad_kind", withPayload(good, patched(payload, 1, 77)));
    assertProblem("bad_type", withPayload(good, patched(payload, 2, 99)));
    assertProblem("bad_type", withPayload(good, patched(payload, 2, MessageType.REQUEST_VOTE_REPLY.wire())));
    byte[] garbage = payload.clone();
    for (int i = RatisCodec.HEADER_BYTES; i < garbage.length; i++) {
      garbage[i] = (byte) 0xff;
    }
    assertProblem("bad_body", withPayload(good, garbage));

    RaftEnvelope failure = codec.failure(good, CALL, MessageType.REQUEST_VOTE, FailureCode.BUSY, "", 5);
    byte[] f = bytes(failure.payload());
    assertProblem("bad_failure_code", withPayload(failure, patched(f, RatisCodec.HEADER_BYTES, 120)));
    assertProblem("short_frame", withPayload(failure, java.util.Arrays.copyOf(f, RatisCodec.HEADER_BYTES)));

    RaftEnvelope append = encode(append(entry(3, 0, "a")));
    assertProblem("bad_entry", withEntries(append, List.of(LogEntry.of(1, 3, new byte[] {(byte) 0xff, (byte) 0xff}))));
    assertProblem("bad_entry", withEntries(append, List.of(LogEntry.of(5, 3, entry(3, 0, "a").toByteArray()))));
    assertProblem("bad_entry", withEntries(append, List.of(LogEntry.of(1, 9, entry(3, 0, "a").toByteArray()))));
    assertProblem("missing_entries", withEntries(append, List.of()));
    assertProblem("unexpected_entries", rebuilt(good, b -> b.trafficClass(TrafficClass.APPEND).entries(List.of(LogEntry.of(1, 3, entry(3, 0, "a").toByteArray())))));
  }

  @Test
  void onlyCarriedMessagesEncode() {
    Message notServer = TermIndexProto.getDefaultInstance();
    assertThrows(IllegalArgumentException.class, () -> codec.request(notServer, 1, RANGE, LEADER, FOLLOWER, 1));
    assertThrows(IllegalArgumentException.class, () -> codec.request(everyMessage().get(1), 1, RANGE, LEADER, FOLLOWER, 1),
        "a reply is not a request");
    RaftEnvelope request = encode(everyMessage().get(0));
    assertThrows(IllegalArgumentException.class, () -> codec.response(request, 1, everyMessage().get(0), 1),
        "a request is not a reply");
  }

  private void assertProblem(String problem, RaftEnvelope envelope) {
    MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> codec.decode(envelope));
    assertEquals(problem, e.problem(), e.getMessage());
  }

  private static byte[] bytes(java.nio.ByteBuffer buffer) {
    byte[] b = new byte[buffer.remaining()];
    buffer.duplicate().get(b);
    return b;
  }

  private static byte[] patched(byte[] payload, int at, int value) {
    byte[] copy = payload.clone();
    copy[at] = (byte) value;
    return copy;
  }

  private static RaftEnvelope withPayload(RaftEnvelope envelope, byte[] payload) {
    return rebuilt(envelope, b -> b.payload(payload));
  }

  private static RaftEnvelope withEntries(RaftEnvelope envelope, List<LogEntry> entries) {
    return rebuilt(envelope, b -> b.entries(entries));
  }

  private static RaftEnvelope rebuilt(RaftEnvelope envelope, Consumer<RaftEnvelope.Builder> change) {
    RaftEnvelope.Builder b = RaftEnvelope.builder().range(envelope.range()).from(envelope.from()).to(envelope.to())
        .trafficClass(envelope.trafficClass()).priority(envelope.priority()).entries(envelope.entries())
        .payload(bytes(envelope.payload()));
    change.accept(b);
    return b.build();
  }

  @Test
  void headersAloneAreReadableForDroppedRequests() throws Exception {
    RaftEnvelope envelope = encode(append(entry(3, 0, "a")));
    RatisFrame header = RatisCodec.header(envelope);
    assertEquals(RatisFrame.Kind.REQUEST, header.kind());
    assertEquals(MessageType.APPEND_ENTRIES, header.type());
    assertEquals(CALL, header.callId());
  }
}
