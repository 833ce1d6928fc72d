package io.raftwire.adapter.microraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.groupop.UpdateRaftGroupMembersOp;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.RaftMessage;
import io.raftwire.grpc.internal.fanout.BundleCodec;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicroRaftCodecTest {
  private static final RangeId RANGE = RangeId.of(42);
  private static final StoreEndpoint S1 = StoreEndpoint.of(1);
  private static final StoreEndpoint S2 = StoreEndpoint.of(2);
  private static final StoreEndpoint S3 = StoreEndpoint.of(3);

  private static final RaftModelFactory f = new DefaultRaftModelFactory();
  private final MicroRaftCodec codec =
      new MicroRaftCodec(new StringOperations(), f, op -> ((String) op).startsWith("bulk") ? Priority.ELASTIC : Priority.REGULAR);

  /** A target other than the message's sender. */
  static StoreEndpoint target(RaftMessage message) {
    return message.getSender().equals(S1) ? S2 : S1;
  }

  private static RaftGroupMembersView view() {
    return f.createRaftGroupMembersViewBuilder().setLogIndex(7).setMembers(List.of(S1, S2, S3))
        .setVotingMembers(List.of(S1, S2)).build();
  }

  private static LogEntry entry(long index, Object op) {
    return f.createLogEntryBuilder().setIndex(index).setTerm(3).setOperation(op).build();
  }

  /** One message of every MicroRaft type (12: appends with and without entries, chunked and chunkless snapshots). */
  static List<RaftMessage> everyMessage() {
    UpdateRaftGroupMembersOp members = f.createUpdateRaftGroupMembersOpBuilder().setMembers(List.of(S1, S2, S3))
        .setVotingMembers(List.of(S1, S2)).setEndpoint(S3).setMode(MembershipChangeMode.ADD_LEARNER).build();
    return List.of(
        f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(3).setPreviousLogTerm(2)
            .setPreviousLogIndex(10).setCommitIndex(9).setLogEntries(List.of(entry(11, "put a"), entry(12, members)))
            .setQuerySequenceNumber(5).setFlowControlSequenceNumber(6).build(),
        f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(3).setPreviousLogTerm(3)
            .setPreviousLogIndex(12).setCommitIndex(12).setLogEntries(List.of()).setQuerySequenceNumber(7)
            .setFlowControlSequenceNumber(8).build(),
        f.createAppendEntriesSuccessResponseBuilder().setGroupId(RANGE).setSender(S2).setTerm(3).setLastLogIndex(12)
            .setQuerySequenceNumber(7).setFlowControlSequenceNumber(8).build(),
        f.createAppendEntriesFailureResponseBuilder().setGroupId(RANGE).setSender(S2).setTerm(3).setExpectedNextIndex(4)
            .setQuerySequenceNumber(7).setFlowControlSequenceNumber(8).build(),
        f.createVoteRequestBuilder().setGroupId(RANGE).setSender(S2).setTerm(4).setLastLogTerm(3).setLastLogIndex(12)
            .setSticky(true).build(),
        f.createVoteResponseBuilder().setGroupId(RANGE).setSender(S3).setTerm(4).setGranted(true).build(),
        f.createPreVoteRequestBuilder().setGroupId(RANGE).setSender(S2).setTerm(4).setLastLogTerm(3).setLastLogIndex(12).build(),
        f.createPreVoteResponseBuilder().setGroupId(RANGE).setSender(S3).setTerm(4).setGranted(false).build(),
        f.createTriggerLeaderElectionRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(4).setLastLogTerm(3)
            .setLastLogIndex(12).build(),
        f.createInstallSnapshotRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(4).setSenderLeader(true)
            .setSnapshotTerm(3).setSnapshotIndex(100).setTotalSnapshotChunkCount(2)
            .setSnapshotChunk(f.createSnapshotChunkBuilder().setIndex(100).setTerm(3).setOperation("chunk-0")
                .setSnapshotChunkIndex(0).setSnapshotChunkCount(2).setGroupMembersView(view()).build())
            .setSnapshottedMembers(List.of(S1, S2)).setGroupMembersView(view()).setQuerySequenceNumber(1)
            .setFlowControlSequenceNumber(2).build(),
        f.createInstallSnapshotRequestBuilder().setGroupId(RANGE).setSender(S2).setTerm(4).setSenderLeader(false)
            .setSnapshotTerm(3).setSnapshotIndex(100).setTotalSnapshotChunkCount(2).setSnapshotChunk(null)
            .setSnapshottedMembers(List.of()).setGroupMembersView(view()).setQuerySequenceNumber(1)
            .setFlowControlSequenceNumber(2).build(),
        f.createInstallSnapshotResponseBuilder().setGroupId(RANGE).setSender(S2).setTerm(4).setSnapshotIndex(100)
            .setRequestedSnapshotChunkIndex(1).setQuerySequenceNumber(1).setFlowControlSequenceNumber(2).build());
  }

  @Test
  void everyMessageTypeSurvivesARoundTrip() throws Exception {
    List<RaftMessage> messages = everyMessage();
    assertEquals(10, messages.stream().map(m -> m.getClass()).distinct().count(), "all ten message types");
    for (RaftMessage message : messages) {
      RaftEnvelope envelope = codec.encode(message, target(message));
      RaftMessage decoded = codec.decode(envelope);
      assertEquals(message.getClass(), decoded.getClass());
      assertEquals(RANGE, decoded.getGroupId());
      assertEquals(message.getSender(), decoded.getSender());
      assertEquals(message.getTerm(), decoded.getTerm());
      assertEquals(envelope, codec.encode(decoded, target(message)), "byte-identical after a round trip: " + message);
    }
  }

  @Test
  void entriesOperationsAndSnapshotChunksDecodeToWhatWasSent() throws Exception {
    AppendEntriesRequest append = (AppendEntriesRequest) codec.decode(codec.encode(everyMessage().get(0), S2));
    assertEquals("put a", append.getLogEntries().get(0).getOperation());
    UpdateRaftGroupMembersOp op = (UpdateRaftGroupMembersOp) append.getLogEntries().get(1).getOperation();
    assertEquals(List.of(S1, S2, S3), List.copyOf(op.getMembers()));
    assertEquals(S3, op.getEndpoint());
    assertEquals(MembershipChangeMode.ADD_LEARNER, op.getMode());
    assertEquals(12, append.getLogEntries().get(1).getIndex());

    InstallSnapshotRequest snapshot = (InstallSnapshotRequest) codec.decode(codec.encode(everyMessage().get(9), S3));
    assertEquals("chunk-0", snapshot.getSnapshotChunk().getOperation());
    assertEquals(List.of(S1, S2), List.copyOf(snapshot.getGroupMembersView().getVotingMembers()));
    assertNull(((InstallSnapshotRequest) codec.decode(codec.encode(everyMessage().get(10), S3))).getSnapshotChunk());
  }

  @Test
  void classifiesHeartbeatsVotesAndResponsesAsControl() {
    List<RaftMessage> m = everyMessage();
    assertEquals(TrafficClass.APPEND, codec.encode(m.get(0), S2).trafficClass());
    assertEquals(2, codec.encode(m.get(0), S2).entries().size());
    for (int i = 1; i <= 8; i++) {
      assertEquals(TrafficClass.CONTROL, codec.encode(m.get(i), target(m.get(i))).trafficClass(), m.get(i).toString());
    }
    assertEquals(TrafficClass.SNAPSHOT, codec.encode(m.get(9), S2).trafficClass());
    assertEquals(TrafficClass.SNAPSHOT, codec.encode(m.get(11), target(m.get(11))).trafficClass());
    // Heartbeats sent as envelopes are elastic CONTROL; votes and responses keep the regular share.
    assertEquals(Priority.ELASTIC, codec.encode(m.get(1), S2).priority());
    for (int i = 2; i <= 8; i++) {
      assertEquals(Priority.REGULAR, codec.encode(m.get(i), target(m.get(i))).priority(), m.get(i).toString());
    }
  }

  @Test
  void emptyAppendsAndAppendResponsesTravelAsHeartbeatsAndSurviveARoundTrip() throws Exception {
    List<RaftMessage> m = everyMessage();
    for (int i = 0; i < m.size(); i++) {
      RaftMessage message = m.get(i);
      boolean heartbeat = i >= 1 && i <= 3; // the empty append and both append responses
      assertEquals(heartbeat, MicroRaftCodec.isHeartbeat(message), message.toString());
      if (!heartbeat) {
        assertThrows(IllegalArgumentException.class, () -> codec.encodeHeartbeat(message, target(message)));
        continue;
      }
      io.raftwire.message.Heartbeat hb = codec.encodeHeartbeat(message, target(message));
      assertEquals(RANGE, hb.range());
      assertEquals(((StoreEndpoint) message.getSender()).store(), hb.from().store());
      assertEquals(target(message).store(), hb.to().store());
      assertTrue(hb.payloadSize() <= 64, "a heartbeat record is a few tens of bytes: " + hb.payloadSize());
      RaftMessage decoded = codec.decode(hb);
      assertEquals(message.getClass(), decoded.getClass());
      assertEquals(hb, codec.encodeHeartbeat(decoded, target(message)), "byte-identical after a round trip");
      assertEquals(codec.encode(message, target(message)).payload(), hb.payload(), "the envelope's encoding");
    }
  }

  @Test
  void aHeartbeatCarryingAnythingButAnEmptyAppendOrAResponseIsUndecodable() {
    RaftMessage vote = everyMessage().get(4);
    RaftEnvelope envelope = codec.encode(vote, S1);
    io.raftwire.message.Heartbeat forged = io.raftwire.message.UnsafeBytes.wrapHeartbeat(RANGE, envelope.from(),
        envelope.to(), io.raftwire.message.UnsafeBytes.payloadArray(envelope));
    MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> codec.decode(forged));
    assertEquals(MalformedMessageException.Problem.UNDECODABLE, e.problem());
    io.raftwire.message.Heartbeat garbage = io.raftwire.message.Heartbeat.of(RANGE, envelope.from(), envelope.to(),
        new byte[] {(byte) 0xff, 0x01, 0x02});
    assertEquals(MalformedMessageException.Problem.UNDECODABLE,
        assertThrows(MalformedMessageException.class, () -> codec.decode(garbage)).problem());
  }

  @Test
  void anAppendIsRegularOnlyIfAllItsOperationsAre() {
    RaftMessage bulk = f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(1)
        .setLogEntries(List.of(entry(1, "bulk 1"), entry(2, "bulk 2"))).build();
    RaftMessage mixed = f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(1)
        .setLogEntries(List.of(entry(1, "bulk 1"), entry(2, "put x"))).build();
    assertEquals(Priority.ELASTIC, codec.encode(bulk, S2).priority());
    assertEquals(Priority.ELASTIC, codec.encode(mixed, S2).priority(), "elastic bytes never use regular credits");
    RaftMessage regular = f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(1)
        .setLogEntries(List.of(entry(1, "put a"), entry(2, "put b"))).build();
    assertEquals(Priority.REGULAR, codec.encode(regular, S2).priority());
  }

  @Test
  void persistenceFormsRoundTrip() throws Exception {
    AppendEntriesRequest append = (AppendEntriesRequest) everyMessage().get(0);
    for (LogEntry e : append.getLogEntries()) {
      LogEntry back = codec.decodeLogEntry(codec.encodeLogEntry(e));
      assertEquals(e.getIndex(), back.getIndex());
      assertEquals(e.getTerm(), back.getTerm());
      assertEquals(List.of(codec.encodeLogEntry(e)).get(0).length, codec.encodeLogEntry(back).length);
    }
    InstallSnapshotRequest snapshot = (InstallSnapshotRequest) everyMessage().get(9);
    var chunk = codec.decodeSnapshotChunk(codec.encodeSnapshotChunk(snapshot.getSnapshotChunk()));
    assertEquals("chunk-0", chunk.getOperation());
    assertEquals(2, chunk.getSnapshotChunkCount());
    RaftGroupMembersView view = codec.decodeMembersView(codec.encodeMembersView(view()));
    assertEquals(7, view.getLogIndex());
    assertEquals(List.of(S1, S2), List.copyOf(view.getVotingMembers()));
    assertThrows(MalformedMessageException.class, () -> codec.decodeLogEntry(new byte[] {(byte) 0xFF}));
  }

  @Test
  void badInputIsATypedError() {
    RaftEnvelope garbage = RaftEnvelope.builder().range(RANGE)
        .from(io.raftwire.topology.ReplicaAddress.of(S1.store(), 1))
        .to(io.raftwire.topology.ReplicaAddress.of(S2.store(), 2))
        .trafficClass(TrafficClass.CONTROL).payload(new byte[] {(byte) 0xFF, 1, 2}).build();
    assertThrows(MalformedMessageException.class, () -> codec.decode(garbage));
    RaftMessage foreignGroup = f.createVoteResponseBuilder().setGroupId("not a range").setSender(S1).setTerm(1).build();
    assertThrows(IllegalArgumentException.class, () -> codec.encode(foreignGroup, S2));
    RaftEndpoint foreign = () -> "x";
    RaftMessage vote = f.createVoteResponseBuilder().setGroupId(RANGE).setSender(S1).setTerm(1).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(vote, foreign));
    assertTrue(e.getMessage().contains("StoreEndpoint"), e.getMessage());
  }

  @Test
  void appendsToTwoFollowersSurviveAZoneFanOutBundle() throws Exception {
    AppendEntriesRequest toS2 = f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(3)
        .setPreviousLogTerm(3).setPreviousLogIndex(10).setCommitIndex(9)
        .setLogEntries(List.of(entry(11, "put a"), entry(12, "put b"))).setQuerySequenceNumber(5)
        .setFlowControlSequenceNumber(6).build();
    AppendEntriesRequest toS3 = f.createAppendEntriesRequestBuilder().setGroupId(RANGE).setSender(S1).setTerm(3)
        .setPreviousLogTerm(2).setPreviousLogIndex(9).setCommitIndex(9)
        .setLogEntries(List.of(entry(10, "put z"), entry(11, "put a"), entry(12, "put b"))).setQuerySequenceNumber(5)
        .setFlowControlSequenceNumber(7).build();
    List<RaftEnvelope> members = List.of(codec.encode(toS2, S2), codec.encode(toS3, S3));
    // The gRPC transport's own bundle codec: what a zone agent receives and takes apart.
    Envelope bundle = BundleCodec.encode(members, BundleCodec.unionOfEntries(members), S2.store(), 1);
    assertEquals(3, bundle.getEntriesCount(), "entries 10..12 travel once");
    List<RaftEnvelope> rebuilt = BundleCodec.decode(bundle, S1.store());
    assertEquals(members, rebuilt, "each follower's envelope is rebuilt exactly");
    AppendEntriesRequest decoded = (AppendEntriesRequest) codec.decode(rebuilt.get(1));
    assertEquals(9, decoded.getPreviousLogIndex());
    assertEquals(3, decoded.getLogEntries().size());
    assertEquals("put z", decoded.getLogEntries().get(0).getOperation());
    assertEquals(7, decoded.getFlowControlSequenceNumber());

    RaftEnvelope misfit = members.get(0).toBuilder().entries(members.get(1).entries().subList(2, 3)).build();
    assertThrows(MalformedMessageException.class, () -> codec.decode(misfit),
        "a header whose previous index does not precede the entries is refused");
  }
}
