package io.raftwire.example.kv;

import static io.raftwire.example.kv.SecuredCluster.S1;
import static io.raftwire.example.kv.SecuredCluster.S2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.topology.RangeId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The control of {@link IdentityAttacksTest}: the example cluster in plaintext, which must be
 * chosen explicitly, says so when it starts, and then believes a hello's claimed sender, so that
 * the same forged frames do what they were made for. The attack tests thus refuse real attacks,
 * not frames that would have done nothing anyway.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PlaintextControlTest {

  @Test
  void aPlaintextClusterWarnsAtStartAndAForgedAppendWritesItsKeyAndAForgedVoteMovesTheTerm() throws Exception {
    SecuredCluster plain;
    try (LogLines log = new LogLines()) {
      plain = SecuredCluster.plaintext();
      assertEquals(3, log.lines().stream().filter(l -> l.contains(": PLAINTEXT: peers are not authenticated")).count(),
          "every store warns that it runs in plaintext");
    }
    try (plain) {
      assertFalse(plain.cluster.mutualTls());
      RaftState before = plain.quiet();
      String key = "forged-in-plaintext";
      RangeId range = plain.cluster.node(S1).ranges().rangeOf(ByteString.copyFromUtf8(key));
      RaftState.Replica follower = plain.replica(before, range, S2);
      try (Intruder anyone = Intruder.plaintext(plain.raftAddress(S2))) {
        anyone.stream().send(Forgery.hello(S1, S2, Lane.LANE_DATA)).send(Forgery.batch(List.of(Forgery.append(1, range,
            S1, S2, follower.term(), follower.lastLogIndex(), follower.lastLogTerm(), key))));
        await().atMost(SecuredCluster.WAIT).until(
            () -> plain.cluster.node(S2).localGet(key.getBytes(StandardCharsets.UTF_8)).isPresent());
      }
      RangeId other = RangeId.of(range.value() % SecuredCluster.RANGES + 1);
      int term = plain.replica(before, other, S1).term();
      try (Intruder anyone = Intruder.plaintext(plain.raftAddress(S1))) {
        anyone.stream().send(Forgery.hello(S2, S1, Lane.LANE_CONTROL))
            .send(Forgery.batch(List.of(Forgery.voteRequest(1, other, S2, S1, term + 100))));
        await().atMost(SecuredCluster.WAIT).until(() -> plain.replica(RaftState.of(plain.cluster), other, S1).term() > term);
      }
    }
  }
}
