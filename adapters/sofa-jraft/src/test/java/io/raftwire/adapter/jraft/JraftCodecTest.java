package io.raftwire.adapter.jraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.RaftOutter.EntryMeta;
import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.codec.JraftCodec;
import io.raftwire.adapter.jraft.codec.JraftFrame;
import io.raftwire.adapter.jraft.codec.MalformedFrameException;
import io.raftwire.adapter.jraft.codec.MalformedFrameException.Problem;
import io.raftwire.adapter.jraft.wire.Frame;
import io.raftwire.adapter.jraft.wire.Kind;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every jraft RPC type round-trips through the codec; bad input is a typed error. */
class JraftCodecTest {
  private static final ReplicaAddress A = ReplicaAddress.of(StoreId.of(1), 1);
  private static final ReplicaAddress B = ReplicaAddress.of(StoreId.of(2), 1);
  private static final RangeId RANGE = RangeId.of(42);
  private final JraftCodec codec = new JraftCodec();

  /** Every message type jraft declares, each with all of its fields set. */
  static List<Message> everyJraftMessage() throws Exception {
    List<Message> all = new ArrayList<>();
    for (Class<?> outer : new Class<?>[] {RpcRequests.class, CliRequests.class}) {
      for (Class<?> type : outer.getDeclaredClasses()) {
        if (Message.class.isAssignableFrom(type)) {
          Message prototype = (Message) type.getMethod("getDefaultInstance").invoke(null);
          all.add(prototype instanceof AppendEntriesRequest
              ? append(List.of(new byte[] {1, 2}, new byte[] {3}))
              : filled(prototype.newBuilderForType(), 0).build());
        }
      }
    }
    return all;
  }

  private static Message.Builder filled(Message.Builder b, int depth) {
    Descriptor d = b.getDescriptorForType();
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth > 2) {
        continue;
      }
      Object value;
      switch (f.getJavaType()) {
        case INT: value = 7; break;
        case LONG: value = 7L; break;
        case BOOLEAN: value = true; break;
        case STRING: value = f.getName().endsWith("_id") ? "127.0.0.1:8081:0" : "s-" + f.getName(); break;
        case BYTE_STRING: value = ByteString.copyFromUtf8("b-" + f.getName()); break;
        case ENUM: value = f.getEnumType().getValues().get(f.getEnumType().getValues().size() - 1); break;
        case MESSAGE: value = filled(b.newBuilderForField(f), depth + 1).build(); break;
        case FLOAT: value = 1.5f; break;
        case DOUBLE: value = 2.5d; break;
        default: throw new IllegalStateException("field type " + f.getJavaType());
      }
      if (f.isRepeated()) {
        b.addRepeatedField(f, value);
      } else {
        b.setField(f, value);
      }
    }
    return b;
  }

  @Test
  void everyJraftRpcTypeRoundTrips() throws Exception {
    List<Message> messages = everyJraftMessage();
    assertTrue(messages.size() >= 30, "found " + messages.size() + " jraft message types");
    for (Message m : messages) {
      RaftEnvelope request = codec.request(m, 5, RANGE, RangeId.of(9), A, B, 77);
      JraftFrame decoded = codec.decode(request);
      assertEquals(Kind.REQUEST, decoded.kind());
      assertEquals(m, decoded.message().orElseThrow(), m.getClass().getSimpleName());
      assertEquals(5, decoded.callId());
      assertEquals(RangeId.of(9), decoded.replyRange().orElseThrow());
      assertEquals(77, decoded.incarnation());

      RaftEnvelope response = codec.response(request, 5, RangeId.of(9), m, 78);
      assertEquals(A, response.to());
      assertEquals(RangeId.of(9), response.range());
      assertEquals(m, codec.decode(response).message().orElseThrow(), m.getClass().getSimpleName());
    }
  }

  @Test
  void appendsWithEntriesTravelAsAppendWithTheirEntriesExposed() throws Exception {
    byte[] one = "first".getBytes(StandardCharsets.UTF_8);
    byte[] two = new byte[1024];
    AppendEntriesRequest append = append(List.of(one, new byte[0], two));
    RaftEnvelope envelope = codec.request(append, 1, RANGE, RANGE, A, B, 1);
    assertEquals(TrafficClass.APPEND, envelope.trafficClass());
    assertEquals(3, envelope.entries().size());
    assertEquals(LogEntry.of(11, 3, one), envelope.entries().get(0));
    assertEquals(LogEntry.of(12, 3, new byte[0]), envelope.entries().get(1));
    assertEquals(LogEntry.of(13, 3, two), envelope.entries().get(2));
    assertTrue(envelope.payloadSize() < append.getSerializedSize(), "the payload leaves the data to the entries");
    assertEquals(append, codec.decode(envelope).message().orElseThrow());
    // A transport may carry the entries apart and rebuild the envelope from header and entries.
    RaftEnvelope rebuilt = envelope.toBuilder().entries(new ArrayList<>(envelope.entries())).build();
    assertEquals(append, codec.decode(rebuilt).message().orElseThrow());
  }

  @Test
  void heartbeatsAreControlAndProbesStayInTheAppendLane() {
    AppendEntriesRequest heartbeat = append(List.of()).toBuilder().clearData().build();
    AppendEntriesRequest probe = heartbeat.toBuilder().setData(ByteString.EMPTY).build();
    assertTrue(JraftCodec.isHeartbeat(heartbeat));
    assertEquals(TrafficClass.CONTROL, codec.request(heartbeat, 1, RANGE, RANGE, A, B, 1).trafficClass());
    assertEquals(TrafficClass.APPEND, codec.request(probe, 1, RANGE, RANGE, A, B, 1).trafficClass());
    assertEquals(Priority.ELASTIC, codec.request(heartbeat, 1, RANGE, RANGE, A, B, 1).priority(),
        "heartbeats sent as envelopes are elastic CONTROL: votes and answers keep the regular share");
    assertEquals(Priority.REGULAR, codec.request(RpcRequests.RequestVoteRequest.newBuilder().setGroupId("g")
        .setServerId("127.0.0.1:1:0").setPeerId("127.0.0.1:2:0").setTerm(1).setLastLogTerm(0).setLastLogIndex(0)
        .setPreVote(false).build(), 1, RANGE, RANGE, A, B, 1).priority());
    // A heartbeat fits a coalesced record, and the record stands for the same envelope.
    RaftEnvelope envelope = codec.request(heartbeat, 1, RANGE, RANGE, A, B, 1);
    io.raftwire.message.Heartbeat record = JraftCodec.asHeartbeat(envelope).orElseThrow();
    assertEquals(envelope.payload(), JraftCodec.envelopeOf(record).payload());
    assertTrue(JraftCodec.asHeartbeat(codec.request(probe, 1, RANGE, RANGE, A, B, 1)).isEmpty(), "an APPEND is no record");
    assertEquals(TrafficClass.CONTROL, JraftCodec.classify(RpcRequests.RequestVoteRequest.getDefaultInstance()));
    assertEquals(TrafficClass.CONTROL, JraftCodec.classify(RpcRequests.AppendEntriesResponse.getDefaultInstance()));
    assertEquals(TrafficClass.SNAPSHOT, JraftCodec.classify(RpcRequests.InstallSnapshotRequest.getDefaultInstance()));
    assertEquals(TrafficClass.SNAPSHOT, JraftCodec.classify(RpcRequests.GetFileRequest.getDefaultInstance()));
    assertEquals(TrafficClass.SNAPSHOT, JraftCodec.classify(RpcRequests.GetFileResponse.getDefaultInstance()));
    assertEquals(TrafficClass.CONTROL, JraftCodec.classify(RpcRequests.TimeoutNowRequest.getDefaultInstance()));
  }

  @Test
  void malformedOrTruncatedEnvelopesAreTypedErrors() {
    RaftEnvelope good = codec.request(append(List.of("x".getBytes(StandardCharsets.UTF_8))), 1, RANGE, RANGE, A, B, 1);
    byte[] payload = new byte[good.payloadSize()];
    good.payload().get(payload);

    assertProblem(Problem.UNPARSEABLE_FRAME, good.toBuilder().payload(new byte[] {(byte) 0xff, (byte) 0xff, 0x7}).build());
    assertProblem(Problem.UNPARSEABLE_FRAME, good.toBuilder().payload(Arrays.copyOf(payload, payload.length - 3)).build());
    assertProblem(Problem.UNKNOWN_KIND, control(Frame.newBuilder().setVersion(1).build()));
    assertProblem(Problem.UNSUPPORTED_VERSION, control(Frame.newBuilder().setVersion(2).setKind(Kind.REQUEST).build()));
    assertProblem(Problem.UNKNOWN_TYPE, control(Frame.newBuilder().setVersion(1).setKind(Kind.REQUEST).setType(12345)
        .setReplyRange(1).build()));
    Frame vote = frame(RpcRequests.RequestVoteRequest.getDefaultInstance());
    assertProblem(Problem.UNPARSEABLE_BODY, control(vote.toBuilder().setBody(ByteString.copyFrom(new byte[] {0x0a, 0x10, 1})).build()));
    // A required field missing (jraft's messages are proto2) is an unparseable body too.
    assertProblem(Problem.UNPARSEABLE_BODY, control(vote.toBuilder().setBody(ByteString.EMPTY).build()));
    // Entries that do not fit the append's metadata.
    List<LogEntry> wrong = new ArrayList<>(good.entries());
    wrong.set(0, LogEntry.of(11, 3, "longer than the header says".getBytes(StandardCharsets.UTF_8)));
    assertProblem(Problem.ENTRIES_MISMATCH, good.toBuilder().entries(wrong).build());
    assertProblem(Problem.ENTRIES_MISMATCH, good.toBuilder().entries(List.of()).build());
  }

  private static Frame frame(Message m) {
    return Frame.newBuilder().setVersion(1).setKind(Kind.REQUEST).setType(typeId(m)).setReplyRange(1)
        .setBody(ByteString.copyFrom(new byte[0])).build();
  }

  private static int typeId(Message m) {
    try {
      RaftEnvelope e = new JraftCodec().request(filled(m.newBuilderForType(), 0).build(), 1, RANGE, RANGE, A, B, 1);
      return JraftCodec.header(e).getType();
    } catch (MalformedFrameException e) {
      throw new AssertionError(e);
    }
  }

  private static RaftEnvelope control(Frame frame) {
    return RaftEnvelope.builder().range(RANGE).from(A).to(B).trafficClass(TrafficClass.CONTROL)
        .payload(frame.toByteArray()).build();
  }

  private void assertProblem(Problem problem, RaftEnvelope envelope) {
    MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> codec.decode(envelope));
    assertEquals(problem, e.problem(), e.getMessage());
  }

  static AppendEntriesRequest append(List<byte[]> entries) {
    AppendEntriesRequest.Builder b = AppendEntriesRequest.newBuilder()
        .setGroupId("g").setServerId("127.0.0.1:8081").setPeerId("127.0.0.1:8082")
        .setTerm(3).setPrevLogIndex(10).setPrevLogTerm(3).setCommittedIndex(9);
    ByteString data = ByteString.EMPTY;
    for (byte[] e : entries) {
      b.addEntries(EntryMeta.newBuilder().setTerm(3).setType(EntryType.ENTRY_TYPE_DATA).setDataLen(e.length));
      data = data.concat(ByteString.copyFrom(e));
    }
    if (!entries.isEmpty()) {
      b.setData(data);
    }
    return b.build();
  }
}
