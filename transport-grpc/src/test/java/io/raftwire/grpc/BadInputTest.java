package io.raftwire.grpc;

import static io.raftwire.grpc.GrpcTransportTest.message;
import static io.raftwire.grpc.GrpcTransportTest.seq;
import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.RawPeer.Responses;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Hello;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.RefusalCode;
import io.raftwire.grpc.internal.wire.Refused;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.TransportLimits;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input gets a typed answer and a metric; the process and other streams carry on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final GrpcCluster cluster = new GrpcCluster();
  private GrpcTransport a;
  private GrpcTransport b;
  private RawPeer peer;
  private final ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() {
    a = cluster.start(S1, TransportLimits.defaults());
    b = cluster.start(S2, TransportLimits.defaults());
    b.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> received.add(seq(e))));
    peer = RawPeer.plaintext(b.listenAddress());
  }

  @AfterEach
  void stop() {
    peer.close();
    cluster.close();
  }

  private StreamObserver<ClientFrame> open(Responses responses) {
    return peer.open(responses);
  }

  private static ClientFrame hello(int version) {
    return ClientFrame.newBuilder()
        .setHello(Hello.newBuilder().setProtocolVersion(version).setSenderStore(7).setDestinationStore(2).setLane(Lane.LANE_DATA))
        .build();
  }

  private void assertOtherTrafficStillFlows() {
    long seq = 1_000L + received.size();
    assertTrue(a.send(message(S1, S2, 1, TrafficClass.CONTROL, seq, 0)).isAccepted());
    await().atMost(WAIT).until(() -> received.contains(seq));
  }

  @Test
  void garbageFrameEndsOnlyThatStreamWithInvalidArgument() throws Exception {
    Responses responses = new Responses();
    StreamObserver<InputStream> requests = peer.openRaw(responses);
    requests.onNext(new ByteArrayInputStream(new byte[] {(byte) 0xFF, 0x01, 0x02, 0x03}));
    Status status = responses.end.get(30, TimeUnit.SECONDS);
    assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
    assertTrue(status.getDescription().startsWith("MALFORMED_FRAME"), status.getDescription());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "MALFORMED_FRAME"));
    assertOtherTrafficStillFlows();
  }

  @Test
  void unknownProtocolVersionIsRefusedWithAClearMessage() throws Exception {
    Responses responses = new Responses();
    open(responses).onNext(hello(7));
    String speaks = String.valueOf(WireCodec.PROTOCOL_VERSION);
    Status status = responses.end.get(30, TimeUnit.SECONDS);
    assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
    assertEquals("UNSUPPORTED_VERSION: protocol version 7 is not supported by s2, which speaks " + speaks, status.getDescription());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "UNSUPPORTED_VERSION"));
    assertOtherTrafficStillFlows();
  }

  @Test
  void batchBeforeHelloIsAProtocolError() throws Exception {
    Responses responses = new Responses();
    open(responses).onNext(ClientFrame.newBuilder().setBatch(Batch.getDefaultInstance()).build());
    Status status = responses.end.get(30, TimeUnit.SECONDS);
    assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
    assertEquals("BATCH_BEFORE_HELLO: batch before hello", status.getDescription());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "BATCH_BEFORE_HELLO"));
    assertOtherTrafficStillFlows();
  }

  @Test
  void nonsenseEnvelopesAreRefusedOneByOneAndTheRestDelivered() {
    Responses responses = new Responses();
    StreamObserver<ClientFrame> requests = open(responses);
    requests.onNext(hello(WireCodec.PROTOCOL_VERSION));
    Envelope good =
        Envelope.newBuilder().setSeq(1).setRangeId(1).setFromReplica(1).setToStore(2).setToReplica(2)
            .setTrafficClass(io.raftwire.grpc.internal.wire.TrafficClass.CONTROL).setPriority(io.raftwire.grpc.internal.wire.Priority.REGULAR)
            .setPayload(com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(77).array()))
            .build();
    Envelope noRange = good.toBuilder().setSeq(2).setRangeId(0).build();
    Envelope unknownClass = good.toBuilder().setSeq(3).setTrafficClassValue(42).build();
    Envelope wrongStore = good.toBuilder().setSeq(4).setToStore(5).build();
    Envelope unknownRange = good.toBuilder().setSeq(5).setRangeId(99).build();
    requests.onNext(ClientFrame.newBuilder()
        .setBatch(Batch.newBuilder().addAllEnvelopes(List.of(good, noRange, unknownClass, wrongStore, unknownRange)))
        .build());
    await().atMost(WAIT).until(() -> responses.frames.stream().anyMatch(f -> f.hasAck() && f.getAck().getReceivedThrough() == 5));
    List<Refused> refused = responses.frames.stream().filter(ServerFrame::hasAck)
        .flatMap(f -> f.getAck().getRefusedList().stream()).toList();
    assertEquals(List.of(RefusalCode.MALFORMED, RefusalCode.MALFORMED, RefusalCode.WRONG_DESTINATION, RefusalCode.UNKNOWN_RANGE),
        refused.stream().map(Refused::getCode).toList());
    assertTrue(refused.get(0).getDetail().contains("range id"), refused.get(0).getDetail());
    await().atMost(WAIT).until(() -> received.contains(77L));
    assertEquals(2, read(b, GrpcMetrics.RECEIVER_DROPPED, DropReason.MALFORMED));
    requests.onCompleted();
  }

  @Test
  void aStaleAddressMeansWrongDestinationReportedToTheSender() {
    StoreId s5 = StoreId.of(5);
    cluster.addresses.put(s5, b.listenAddress()); // s5's address now points at s2
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);
    assertTrue(a.send(message(S1, s5, 1, TrafficClass.APPEND, 5, 10)).isAccepted());
    await().atMost(WAIT).until(() -> !drops.isEmpty());
    assertEquals(DropReason.WRONG_DESTINATION, drops.peek().reason());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_DROPPED, DropReason.WRONG_DESTINATION));
  }

  @Test
  void aMessageOverTheReceiversLimitIsRefusedTooLarge() {
    b.updateReceiverLimits(b.receiverLimits().toBuilder().maxMessageBytes(4096).build());
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);
    assertTrue(a.send(message(S1, S2, 1, TrafficClass.APPEND, 6, 8192)).isAccepted(), "the sender allows 8 MiB");
    await().atMost(WAIT).until(() -> !drops.isEmpty());
    assertEquals(DropReason.TOO_LARGE, drops.peek().reason());
    assertTrue(drops.peek().acceptedBySend());
    assertOtherTrafficStillFlows();
  }
}
