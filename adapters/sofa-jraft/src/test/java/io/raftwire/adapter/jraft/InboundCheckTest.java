package io.raftwire.adapter.jraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.codec.JraftCodec;
import io.raftwire.adapter.jraft.codec.MalformedFrameException;
import io.raftwire.adapter.jraft.codec.MalformedFrameException.Problem;
import io.raftwire.adapter.jraft.wire.FailureCode;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The identity rule for every jraft RPC type, at store 2: the request as store 1's adapter sends it
 * passes, and each claim its envelope does not back is refused; answers must come from the store
 * their call went to.
 */
class InboundCheckTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final String GROUP = "g";

  private final StoreDirectory directory = new StoreDirectory()
      .put(S1, "127.0.0.1:8081").put(S2, "127.0.0.1:8082").put(S3, "127.0.0.1:8083");
  private final GroupRanges ranges = GroupRanges.hashed();
  private final PendingCalls calls = new PendingCalls(16, System::nanoTime, new MetricRegistry(), "raftwire.s2.jraft");
  private final InboundCheck check = new InboundCheck(S2, directory, ranges, calls);
  private final JraftCodec codec = new JraftCodec();

  private static String peer(StoreId store) {
    return "127.0.0.1:808" + store.value() + ":0";
  }

  /** {@code m} with its sender, target and group fields (those it has) set to store 1 calling store 2's node of g. */
  private static Message addressed(Message m, String serverId, String peerId, String group) {
    Message.Builder b = m.toBuilder();
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.getType() != FieldDescriptor.Type.STRING || f.isRepeated()) {
        continue;
      }
      switch (f.getName()) {
        case "server_id":
          b.setField(f, serverId);
          break;
        case "peer_id":
          b.setField(f, peerId);
          break;
        case "group_id":
          b.setField(f, group);
          break;
        default:
          break;
      }
    }
    return b.build();
  }

  private static List<Message> requests() throws Exception {
    List<Message> requests = new ArrayList<>();
    for (Message m : JraftCodecTest.everyJraftMessage()) {
      if (m.getClass().getSimpleName().endsWith("Request")) {
        requests.add(addressed(m, peer(S1), peer(S2), GROUP));
      }
    }
    return requests;
  }

  /** The envelope store 1's adapter sends {@code request} in (as {@link StoreRpcClient} addresses it), from {@code from}. */
  private RaftEnvelope sent(Message request, StoreId from) {
    Route route = Route.of(request);
    RangeId range = route.range(ranges);
    return codec.request(request, 1, range, route.sender == null ? GroupRanges.SERVICE_RANGE : range,
        ReplicaAddress.of(from, 1), ReplicaAddress.of(S2, 1), 11);
  }

  private Problem refusal(RaftEnvelope envelope) {
    MalformedFrameException e = assertThrows(MalformedFrameException.class,
        () -> check.check(envelope, codec.decode(envelope)), envelope.toString());
    return e.problem();
  }

  private boolean passes(RaftEnvelope envelope) throws MalformedFrameException {
    check.check(envelope, codec.decode(envelope));
    return true;
  }

  @Test
  void everyRequestAsItsSenderSendsItPasses() throws Exception {
    List<Message> requests = requests();
    assertTrue(requests.size() >= 15, "found " + requests.size() + " request types");
    for (Message request : requests) {
      assertTrue(passes(sent(request, S1)), request.getClass().getSimpleName());
    }
    // A read-index request a follower sends to its own leader may leave out peer_id.
    Message readIndex = RpcRequests.ReadIndexRequest.newBuilder().setGroupId(GROUP).setServerId(peer(S1)).build();
    assertTrue(passes(sent(readIndex, S1)));
  }

  @Test
  void aRequestThatNamesAnotherStoreAsItsSenderIsRefusedAndOneThatNamesNoSenderIsNot() throws Exception {
    int naming = 0;
    for (Message request : requests()) {
      // Store 3 sends a request whose server_id says store 1.
      RaftEnvelope forged = sent(request, S3);
      if (Route.of(request).claimsSender) {
        naming++;
        assertEquals(Problem.WRONG_SENDER, refusal(forged), request.getClass().getSimpleName());
        Message garbled = addressed(request, "not a peer", peer(S2), GROUP);
        assertEquals(Problem.WRONG_SENDER, refusal(sent(garbled, S1)), "an unparseable server_id");
      } else {
        assertTrue(passes(forged), "CLI, ping and file reads name no sender: " + request.getClass().getSimpleName());
      }
    }
    assertEquals(5, naming, "appends, votes, timeout-now, install-snapshot and read-index name their sender");
  }

  @Test
  void aRequestForAReplicaOfAnotherStoreIsRefused() throws Exception {
    int naming = 0;
    for (Message request : requests()) {
      if (Route.of(request).claimsTarget) {
        naming++;
        Message elsewhere = addressed(request, peer(S1), peer(S3), GROUP);
        assertEquals(Problem.WRONG_DESTINATION, refusal(sent(elsewhere, S1)), request.getClass().getSimpleName());
      }
      RaftEnvelope envelope = sent(request, S1);
      RaftEnvelope toS3 = envelope.toBuilder().to(ReplicaAddress.of(S3, 1)).build();
      assertEquals(Problem.WRONG_DESTINATION, refusal(toS3), "an envelope for store 3 delivered here");
    }
    assertEquals(5, naming);
  }

  @Test
  void aRequestOnAnotherRangeThanItsGroupsIsRefused() throws Exception {
    for (Message request : requests()) {
      RaftEnvelope envelope = sent(request, S1);
      RangeId other = envelope.range().equals(GroupRanges.SERVICE_RANGE) ? ranges.rangeOf(GROUP) : GroupRanges.SERVICE_RANGE;
      assertEquals(Problem.WRONG_RANGE, refusal(envelope.toBuilder().range(other).build()),
          request.getClass().getSimpleName());
    }
  }

  @Test
  void anAnswerEndsItsCallOnlyFromTheStoreTheCallWentToOnItsRange() throws Exception {
    RangeId replyRange = ranges.rangeOf(GROUP);
    PendingCalls.Call call = calls.open(this, S1, replyRange, "AppendEntriesRequest", 1_000_000_000L, (r, e) -> { });
    // What store 2 sent store 1, as the request its answers reply to.
    RaftEnvelope request = codec.request(JraftCodecTest.append(List.of()), call.id, replyRange, replyRange,
        ReplicaAddress.of(S2, 1), ReplicaAddress.of(S1, 1), 11);
    Message response = RpcRequests.AppendEntriesResponse.newBuilder().setTerm(1).setSuccess(true).build();
    RaftEnvelope honest = codec.response(request, call.id, replyRange, response, 12);
    assertTrue(passes(honest));
    RaftEnvelope fromS3 = honest.toBuilder().from(ReplicaAddress.of(S3, 1)).build();
    assertEquals(Problem.WRONG_RESPONDER, refusal(fromS3));
    RaftEnvelope failureFromS3 = codec.failure(request, call.id, replyRange, FailureCode.NO_PROCESSOR, "forged", 12)
        .toBuilder().from(ReplicaAddress.of(S3, 1)).build();
    assertEquals(Problem.WRONG_RESPONDER, refusal(failureFromS3));
    RaftEnvelope otherRange = honest.toBuilder().range(GroupRanges.SERVICE_RANGE).build();
    assertEquals(Problem.WRONG_RANGE, refusal(otherRange));
    assertTrue(calls.find(call.id).isPresent(), "refused answers end nothing");

    // An answer to no call in flight passes the check and ends nothing (counted as late).
    RaftEnvelope unknown = codec.response(request, call.id + 100, replyRange, response, 12)
        .toBuilder().from(ReplicaAddress.of(S3, 1)).build();
    assertTrue(passes(unknown));
  }
}
