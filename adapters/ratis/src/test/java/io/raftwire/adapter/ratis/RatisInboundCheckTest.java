package io.raftwire.adapter.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.adapter.ratis.codec.FailureCode;
import io.raftwire.adapter.ratis.codec.MalformedFrameException;
import io.raftwire.adapter.ratis.codec.RatisCodec;
import io.raftwire.adapter.ratis.codec.RatisFrame;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that is not what it claims, over real gRPC: every forged or malformed request to a Ratis
 * server is counted, answered with a typed failure where it can be, and never reaches Ratis, whose
 * group goes on undisturbed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RatisInboundCheckTest {
  @TempDir Path data;
  private RatisCluster cluster;
  private GrpcTransport rogue;

  @AfterEach
  void stop() throws Exception {
    if (rogue != null) {
      rogue.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void forgedAndMalformedRequestsAreRefusedWithTypedFailures() throws Exception {
    cluster = new RatisCluster(data, 3).startAll(1);
    RaftGroup group = cluster.groups.get(0);
    RangeId range = RatisGroupRanges.hashed().rangeOf(group.getGroupId());
    int leader = cluster.leader(group);
    int target = leader == 1 ? 2 : 1;
    RatisCluster.Server victim = cluster.server(target);
    long term = victim.division(group.getGroupId()).orElseThrow().getInfo().getCurrentTerm();

    StoreId rogueStore = StoreId.of(9);
    cluster.stores.put(RaftPeerId.valueOf("s9"), rogueStore, Locality.UNKNOWN);
    rogue = GrpcTransport.start(GrpcTransportConfig.builder(rogueStore, StoreResolver.of(cluster.addresses))
        .security(PeerSecurity.insecure()).build());
    cluster.addresses.put(rogueStore, rogue.listenAddress());
    Map<Long, RatisFrame> answers = new ConcurrentHashMap<>();
    RatisCodec codec = new RatisCodec();
    var unused = rogue.register(range, (r, batch) -> {
      for (RaftEnvelope e : batch) {
        try {
          RatisFrame frame = codec.decode(e);
          answers.put(frame.callId(), frame);
        } catch (MalformedFrameException ex) {
          throw new AssertionError("the server answered with a bad frame", ex);
        }
      }
    });
    ReplicaAddress from = ReplicaAddress.of(rogueStore, 1);
    ReplicaAddress to = ReplicaAddress.of(victim.transport.localStore(), 1);
    String victimId = "s" + target;

    // 1: claims to be another server.
    send(codec.request(vote("s3", victimId, group.getGroupId(), term + 5), 1, range, from, to, 1));
    // 2: addressed to another server than the store it reached.
    send(codec.request(vote("s9", "s3", group.getGroupId(), term + 5), 2, range, from, to, 1));
    // 3: a group other than the range's.
    RaftGroupId other = RaftGroupId.valueOf(UUID.randomUUID());
    send(codec.request(vote("s9", victimId, other, term + 5), 3, range, from, to, 1));
    // 4: a readable header but a body that does not parse.
    RaftEnvelope good = codec.request(vote("s9", victimId, group.getGroupId(), term + 5), 4, range, from, to, 1);
    byte[] body = payload(good);
    for (int i = RatisCodec.HEADER_BYTES; i < body.length; i++) {
      body[i] = (byte) 0xff;
    }
    send(RaftEnvelope.builder().range(range).from(from).to(to).trafficClass(good.trafficClass()).payload(body).build());
    // 5: no frame at all.
    send(RaftEnvelope.builder().range(range).from(from).to(to).trafficClass(good.trafficClass()).payload(new byte[3]).build());

    await().atMost(RatisCluster.WAIT).until(() -> answers.keySet().containsAll(List.of(1L, 2L, 3L, 4L)));
    assertEquals(FailureCode.IDENTITY_MISMATCH, answers.get(1L).failure().orElseThrow());
    assertEquals(FailureCode.IDENTITY_MISMATCH, answers.get(2L).failure().orElseThrow());
    assertEquals(FailureCode.IDENTITY_MISMATCH, answers.get(3L).failure().orElseThrow());
    assertEquals(FailureCode.MALFORMED_REQUEST, answers.get(4L).failure().orElseThrow());
    await().atMost(RatisCluster.WAIT).until(() -> victim.counter("malformed.short_frame") == 1);
    assertEquals(1, victim.counter("malformed.wrong_sender"));
    assertEquals(1, victim.counter("malformed.wrong_target"));
    assertEquals(1, victim.counter("malformed.wrong_range"));
    assertEquals(1, victim.counter("malformed.bad_body"));

    // 6: an answer to a call the server never made.
    RaftEnvelope fakeRequest = codec.request(vote("s9", victimId, group.getGroupId(), term), 6, range, to, from, 1);
    send(codec.response(fakeRequest, 123_456, org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto.getDefaultInstance(), 1));
    await().atMost(RatisCluster.WAIT).until(() -> victim.counter("calls.late_answers") >= 1);

    try (RaftClient client = cluster.client(group)) {
      assertTrue(client.io().send(KvStateMachine.put("still", "fine")).isSuccess(), "the group goes on");
    }
    // Had a forged vote (term + 5, a longer log) reached Ratis, the victim would be at term + 5.
    assertTrue(victim.division(group.getGroupId()).orElseThrow().getInfo().getCurrentTerm() < term + 5,
        "the forged votes never reached Ratis");
  }

  private void send(RaftEnvelope envelope) {
    assertTrue(rogue.send(envelope).isAccepted(), "the rogue's transport takes " + envelope);
  }

  private static byte[] payload(RaftEnvelope envelope) {
    byte[] b = new byte[envelope.payload().remaining()];
    envelope.payload().duplicate().get(b);
    return b;
  }

  private static RequestVoteRequestProto vote(String from, String to, RaftGroupId group, long term) {
    return RequestVoteRequestProto.newBuilder()
        .setServerRequest(RaftRpcRequestProto.newBuilder()
            .setRequestorId(ByteString.copyFromUtf8(from))
            .setReplyId(ByteString.copyFromUtf8(to))
            .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(group.toByteString()))
            .setCallId(1))
        .setCandidateTerm(term)
        .setCandidateLastEntry(TermIndexProto.newBuilder().setTerm(term).setIndex(1_000_000))
        .build();
  }
}
