package io.raftwire.example.kv;

import com.google.protobuf.ByteString;
import io.microraft.RaftEndpoint;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.RaftMessage;
import io.microraft.report.RaftGroupMembers;
import io.raftwire.adapter.microraft.MicroRaftCodec;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.example.kv.proto.KvOp;
import io.raftwire.example.kv.proto.Pair;
import io.raftwire.example.kv.proto.Priority;
import io.raftwire.example.kv.proto.Put;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Hello;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotView;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What a hostile peer writes on a Raft stream: hellos in any store's name, and real MicroRaft
 * messages encoded with the example's own codec, so that what stops them is raftwire's checks
 * and nothing else.
 */
final class Forgery {
  private static final DefaultRaftModelFactory MODEL = new DefaultRaftModelFactory();
  static final MicroRaftCodec CODEC = new MicroRaftCodec(new KvOperations(), MODEL, KvOperations::priorityOf);
  /** How the MicroRaft adapter's snapshot files begin ("RWM1"): the format is public, so an attacker knows it. */
  private static final int SNAPSHOT_MAGIC = 0x52574d31;

  private Forgery() {}

  /** The first frame of a stream, naming {@code claimed} as its sender. */
  static ClientFrame hello(StoreId claimed, StoreId destination, Lane lane) {
    return ClientFrame.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(WireCodec.PROTOCOL_VERSION)
        .setSenderStore(claimed.value()).setDestinationStore(destination.value()).setLane(lane)).build();
  }

  /** A batch of envelopes. */
  static ClientFrame batch(List<Envelope> envelopes) {
    return ClientFrame.newBuilder().setBatch(Batch.newBuilder().addAllEnvelopes(envelopes)).build();
  }

  /**
   * A vote request from {@code candidate} for {@code term}, not sticky (MicroRaft's mark of a
   * leadership transfer, so that a replica that still hears its leader does not ignore it), with a
   * log as long as any: the leader steps down to the higher term, a follower grants its vote.
   */
  static Envelope voteRequest(long seq, RangeId range, StoreId candidate, StoreId to, int term) {
    RaftMessage vote = MODEL.createVoteRequestBuilder().setGroupId(range).setSender(StoreEndpoint.of(candidate))
        .setTerm(term).setLastLogTerm(term).setLastLogIndex(Long.MAX_VALUE / 2).setSticky(false).build();
    return WireCodec.encode(CODEC.encode(vote, StoreEndpoint.of(to)), seq);
  }

  /** Vote requests for ranges 1 to {@code ranges} at {@code term}, in {@code candidate}'s name, seq 1 upwards. */
  static List<Envelope> votes(int ranges, StoreId candidate, StoreId to, int term) {
    List<Envelope> votes = new ArrayList<>();
    for (int r = 1; r <= ranges; r++) {
      votes.add(voteRequest(r, RangeId.of(r), candidate, to, term));
    }
    return votes;
  }

  /**
   * {@code envelope} as {@code connection} sends it as its own: no writing store of its own
   * ({@code from_store} unset) and the connection's replica as sender. Only the Raft payload inside
   * still names whoever it was forged for.
   */
  static Envelope asOwnOf(StoreId connection, Envelope envelope) {
    return envelope.toBuilder().clearFromStore().setFromReplica(connection.value()).build();
  }

  /**
   * An append in {@code leader}'s name and term that adds a put of {@code key} right after the
   * follower's last entry and commits it at once: applied, it would write the key.
   */
  static Envelope append(long seq, RangeId range, StoreId leader, StoreId follower, int term, long lastIndex,
      int lastTerm, String key) {
    KvOp put = KvOp.newBuilder().setPut(Put.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8("forged"))).setPriority(Priority.REGULAR).build();
    RaftMessage append = MODEL.createAppendEntriesRequestBuilder().setGroupId(range)
        .setSender(StoreEndpoint.of(leader)).setTerm(term).setPreviousLogIndex(lastIndex).setPreviousLogTerm(lastTerm)
        .setCommitIndex(lastIndex + 1)
        .setLogEntries(List.of(MODEL.createLogEntryBuilder().setIndex(lastIndex + 1).setTerm(term).setOperation(put).build()))
        .setQuerySequenceNumber(Long.MAX_VALUE / 2).setFlowControlSequenceNumber(Long.MAX_VALUE / 2).build();
    return WireCodec.encode(CODEC.encode(append, StoreEndpoint.of(follower)), seq);
  }

  /**
   * A well-formed envelope of {@code range} from {@code from} to {@code to} (a vote request's
   * header) whose payload is not a MicroRaft message: bytes that do not parse as protobuf.
   */
  static Envelope undecodable(long seq, RangeId range, StoreId from, StoreId to) {
    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0xff); // a varint that never ends
    return voteRequest(seq, range, from, to, 1).toBuilder().setPayload(ByteString.copyFrom(garbage)).build();
  }

  /**
   * A snapshot of {@code range} in the MicroRaft adapter's own file format, correctly
   * checksummed, far ahead of every replica ({@code index}, {@code term}) and holding nothing but
   * {@code key}: installed, it would replace the range's data and wedge its log.
   */
  static SnapshotView snapshot(RangeId range, RaftGroupMembers members, long index, int term, String key) {
    List<RaftEndpoint> all = List.copyOf(members.getMembers());
    RaftGroupMembersView view = MODEL.createRaftGroupMembersViewBuilder().setLogIndex(members.getLogIndex())
        .setMembers(all).setVotingMembers(List.copyOf(members.getVotingMembers())).build();
    io.raftwire.example.kv.proto.SnapshotChunk data = io.raftwire.example.kv.proto.SnapshotChunk.newBuilder()
        .addPairs(Pair.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("forged")))
        .build();
    SnapshotChunk chunk = MODEL.createSnapshotChunkBuilder().setIndex(index).setTerm(term).setOperation(data)
        .setSnapshotChunkIndex(0).setSnapshotChunkCount(1).setGroupMembersView(view).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      byte[] encoded = CODEC.encodeSnapshotChunk(chunk);
      out.writeInt(SNAPSHOT_MAGIC);
      out.writeInt(1);
      out.writeInt(encoded.length);
      out.write(encoded);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] file = bytes.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(file);
    return SnapshotView.of(SnapshotMeta.of(range, index, term, members.getLogIndex(), file.length, (int) crc.getValue()), file);
  }
}
