package io.raftwire.example.kv;

import static io.raftwire.example.kv.SecuredCluster.CLUSTER_ID;
import static io.raftwire.example.kv.SecuredCluster.RANGES;
import static io.raftwire.example.kv.SecuredCluster.S1;
import static io.raftwire.example.kv.SecuredCluster.S2;
import static io.raftwire.example.kv.SecuredCluster.S3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.raftwire.example.security.ClusterCertificates;
import io.raftwire.example.security.TlsFiles;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers that lie about who they are, against the example cluster over mutual TLS on 127.0.0.1:
 * the attacks of issue 22 that worked while a stream's hello named its sender and was believed
 * ({@link PlaintextControlTest} shows the same forgeries working on a plaintext cluster). The
 * intruder has no certificate, one of a foreign CA, or store 3's real certificate and key (stolen),
 * and tries to speak as another store: in the hello, in an envelope's writing store, or only inside
 * the Raft payload. Each test runs the attack, then asserts that nothing changed (no term, leader
 * or log of any range, no forged key on any store), that honest puts succeed, and that the refusal
 * was counted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdentityAttacksTest {
  private SecuredCluster secured;
  private RaftState before;

  @BeforeAll
  void start() {
    secured = SecuredCluster.start();
  }

  @AfterAll
  void stop() {
    secured.close();
  }

  @BeforeEach
  void settle() {
    before = secured.settled();
  }

  private static int highestTerm(RaftState state) {
    return state.replicas().values().stream().mapToInt(RaftState.Replica::term).max().orElseThrow();
  }

  private long protocolErrors(StoreId store, String error) {
    return secured.metric(store, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, error);
  }

  @Test
  void votesFromAPeerWithoutACertificateOrWithOneOfAForeignCaNeverGetPastTheHandshake(@TempDir Path foreign)
      throws IOException {
    List<Envelope> votes = Forgery.votes(RANGES, S2, S1, highestTerm(before) + 100);
    try (Intruder noCertificate = Intruder.withoutCertificate(secured.raftAddress(S1))) {
      Status refused = noCertificate.stream().send(Forgery.hello(S2, S1, Lane.LANE_CONTROL))
          .send(Forgery.batch(votes)).awaitEnd();
      assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), "the TLS handshake fails: " + refused);
    }
    // A certificate that says "store 2 of this cluster", from a CA of the intruder's own.
    TlsFiles forged = ClusterCertificates.of(CLUSTER_ID, List.of(S2), Duration.ofHours(1)).writeTo(foreign, false)
        .files(S2);
    long untrusted = secured.metric(S1, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "UNTRUSTED_CHAIN");
    try (Intruder foreignCa = Intruder.withCertificateOf(secured.raftAddress(S1), forged)) {
      Status refused = foreignCa.stream().send(Forgery.hello(S2, S1, Lane.LANE_CONTROL))
          .send(Forgery.batch(votes)).awaitEnd();
      assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), "the TLS handshake fails: " + refused);
    }
    assertTrue(secured.metric(S1, GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, "UNTRUSTED_CHAIN") > untrusted,
        "store 1 counted the foreign chain");
    secured.assertNothingChangedSince(before);
  }

  @Test
  void aHelloInStore2sNameOverStore3sCertificateIsPermissionDeniedAndItsVotesAreNeverRead() {
    List<Envelope> votes = Forgery.votes(RANGES, S2, S1, highestTerm(before) + 100);
    long unauthenticated = protocolErrors(S1, "SENDER_NOT_AUTHENTICATED");
    try (Intruder store3 = Intruder.withCertificateOf(secured.raftAddress(S1), secured.stolenFrom(S3))) {
      Status refused = store3.stream().send(Forgery.hello(S2, S1, Lane.LANE_CONTROL)).send(Forgery.batch(votes)).awaitEnd();
      assertEquals(Status.Code.PERMISSION_DENIED, refused.getCode(), refused.toString());
      assertTrue(refused.getDescription().startsWith("SENDER_NOT_AUTHENTICATED"), refused.getDescription());
    }
    assertEquals(unauthenticated + 1, protocolErrors(S1, "SENDER_NOT_AUTHENTICATED"));
    secured.assertNothingChangedSince(before);
  }

  @Test
  void votesWrittenByStore2OnStore3sOwnStreamAreRefusedAsARelayStore3MayNotMake() {
    List<Envelope> relayed = new ArrayList<>();
    for (Envelope vote : Forgery.votes(RANGES, S2, S1, highestTerm(before) + 100)) {
      relayed.add(vote.toBuilder().setFromStore(S2.value()).build()); // "written by s2, relayed by me"
    }
    long relays = protocolErrors(S1, "RELAY_NOT_ALLOWED");
    try (Intruder store3 = Intruder.withCertificateOf(secured.raftAddress(S1), secured.stolenFrom(S3))) {
      // The hello is true: the connection's certificate is store 3's. Zones a, b and c have one store
      // each, so store 3 is no fan-out agent for anybody and may hand store 1 only its own messages.
      Intruder.Stream stream = store3.stream().send(Forgery.hello(S3, S1, Lane.LANE_CONTROL));
      stream.awaitHelloAck();
      Status refused = stream.send(Forgery.batch(relayed)).awaitEnd();
      assertEquals(Status.Code.PERMISSION_DENIED, refused.getCode(), refused.toString());
      assertTrue(refused.getDescription().startsWith("RELAY_NOT_ALLOWED"), refused.getDescription());
    }
    assertEquals(relays + 1, protocolErrors(S1, "RELAY_NOT_ALLOWED"));
    secured.assertNothingChangedSince(before);
  }

  @Test
  void anAppendForgedInTheLeadersNameCarryingAPutNeverReachesAnyLog() {
    String key = "forged-by-s3";
    RangeId range = secured.cluster.node(S1).ranges().rangeOf(ByteString.copyFromUtf8(key));
    RaftState.Replica follower = secured.replica(before, range, S2);
    // A real MicroRaft AppendEntriesRequest of the leader's term, continuing store 2's log exactly
    // and committing the put at once: store 2 would apply it if it believed the sender.
    Envelope forged = Forgery.append(1, range, S1, S2, follower.term(), follower.lastLogIndex(), follower.lastLogTerm(), key);
    long unauthenticated = protocolErrors(S2, "SENDER_NOT_AUTHENTICATED");
    long relays = protocolErrors(S2, "RELAY_NOT_ALLOWED");
    try (Intruder store3 = Intruder.withCertificateOf(secured.raftAddress(S2), secured.stolenFrom(S3))) {
      // In the leader's name on the stream ...
      Status asLeader = store3.stream().send(Forgery.hello(S1, S2, Lane.LANE_DATA)).send(Forgery.batch(List.of(forged)))
          .awaitEnd();
      assertEquals(Status.Code.PERMISSION_DENIED, asLeader.getCode(), asLeader.toString());
      assertTrue(asLeader.getDescription().startsWith("SENDER_NOT_AUTHENTICATED"), asLeader.getDescription());
      // ... and as "written by the leader" on store 3's own stream.
      Intruder.Stream own = store3.stream().send(Forgery.hello(S3, S2, Lane.LANE_DATA));
      own.awaitHelloAck();
      Status asRelay = own.send(Forgery.batch(List.of(forged.toBuilder().setFromStore(S1.value()).build()))).awaitEnd();
      assertEquals(Status.Code.PERMISSION_DENIED, asRelay.getCode(), asRelay.toString());
      assertTrue(asRelay.getDescription().startsWith("RELAY_NOT_ALLOWED"), asRelay.getDescription());
    }
    assertEquals(unauthenticated + 1, protocolErrors(S2, "SENDER_NOT_AUTHENTICATED"));
    assertEquals(relays + 1, protocolErrors(S2, "RELAY_NOT_ALLOWED"));
    secured.assertNothingChangedSince(before, key);
  }
}
