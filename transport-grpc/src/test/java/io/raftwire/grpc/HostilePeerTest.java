package io.raftwire.grpc;

import static io.raftwire.grpc.GrpcTransportTest.message;
import static io.raftwire.grpc.GrpcTransportTest.seq;
import static io.raftwire.grpc.Readings.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.RawPeer.Responses;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Entry;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Forward;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.Priority;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.RefusalCode;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.TrafficClass;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that breaks the stream protocol on purpose, or abuses HTTP/2, over real gRPC on
 * 127.0.0.1: each gets a typed status and a metric, ends only its own stream, and honest traffic
 * on other streams keeps flowing. These hold with or without TLS (an authenticated store can be
 * buggy or compromised), so they run plaintext.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostilePeerTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final GrpcCluster cluster = new GrpcCluster();
  private final ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
  private final List<RawPeer> peers = new ArrayList<>();

  @AfterEach
  void stop() {
    peers.forEach(RawPeer::close);
    cluster.close();
  }

  private GrpcTransport receiver(ServerLimits limits) {
    GrpcTransport b = cluster.start(S2, TransportLimits.defaults(), c -> c.serverLimits(limits));
    b.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> received.add(seq(e))));
    return b;
  }

  private RawPeer raw(GrpcTransport to) {
    RawPeer peer = RawPeer.plaintext(to.listenAddress());
    peers.add(peer);
    return peer;
  }

  /** A real store still gets a message through to {@code b}. */
  private void honestTrafficFlows(GrpcTransport b, long value) {
    GrpcTransport a = cluster.start(S1, TransportLimits.defaults());
    await().atMost(WAIT).until(() -> {
      a.send(message(S1, b.localStore(), 1, io.raftwire.message.TrafficClass.CONTROL, value, 0));
      return received.contains(value);
    });
  }

  private static Status end(Responses responses) throws Exception {
    return responses.end.get(30, TimeUnit.SECONDS);
  }

  @Test
  void sequenceNumbersThatRepeatGoBackOrSkipEndTheStreamAndNothingOfTheBadBatchIsQueued() throws Exception {
    GrpcTransport b = receiver(ServerLimits.defaults());
    List<List<List<Long>>> cases = List.of(
        List.of(List.of(1L, 1L)),                 // repeats within a batch
        List.of(List.of(1L, 2L), List.of(2L)),     // goes back in a later batch
        List.of(List.of(1L), List.of(3L, 4L)),     // skips
        List.of(List.of(0L)));                     // does not start at 1
    long value = 100;
    List<Long> good = new ArrayList<>();
    for (List<List<Long>> batches : cases) {
      Responses responses = new Responses();
      StreamObserver<ClientFrame> stream = raw(b).open(responses);
      stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
      for (int i = 0; i < batches.size(); i++) {
        List<Long> seqs = batches.get(i);
        Envelope[] envelopes = new Envelope[seqs.size()];
        for (int j = 0; j < seqs.size(); j++) {
          envelopes[j] = RawPeer.control(seqs.get(j), 1, 2, ++value);
        }
        boolean last = i == batches.size() - 1;
        if (!last) {
          for (Envelope e : envelopes) {
            good.add(seq(e));
          }
        }
        stream.onNext(RawPeer.batch(envelopes));
      }
      Status status = end(responses);
      assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), batches.toString());
      assertTrue(status.getDescription().startsWith("SEQUENCE"), status.getDescription());
    }
    assertEquals(cases.size(), read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SEQUENCE"));
    await().atMost(WAIT).until(() -> received.containsAll(good));
    honestTrafficFlows(b, 1);
    List<Long> expected = new ArrayList<>(good);
    expected.add(1L);
    assertEquals(expected.stream().sorted().toList(), received.stream().distinct().sorted().toList(),
        "the earlier good batches and the honest message, nothing of a bad batch");
  }

  @Test
  void aSecondHelloEndsTheStream() throws Exception {
    GrpcTransport b = receiver(ServerLimits.defaults());
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b).open(responses);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    stream.onNext(RawPeer.hello(1, 2, Lane.LANE_CONTROL));
    assertEquals(Status.Code.FAILED_PRECONDITION, end(responses).getCode());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SECOND_HELLO"));
    honestTrafficFlows(b, 1);
  }

  @Test
  void aPeerWithTooManyStreamsOpenIsRefusedMore() throws Exception {
    GrpcTransport b = receiver(ServerLimits.builder().maxStreamsPerPeer(2).build());
    List<StreamObserver<ClientFrame>> open = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Responses ok = new Responses();
      StreamObserver<ClientFrame> stream = raw(b).open(ok);
      stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
      await().atMost(WAIT).until(() -> ok.frames.stream().anyMatch(ServerFrame::hasHelloAck));
      open.add(stream);
    }
    Responses third = new Responses();
    raw(b).open(third).onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, end(third).getCode());
    assertEquals(1, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "TOO_MANY_STREAMS"));

    open.get(0).onCompleted(); // one ends: room for another
    await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS) == 1);
    Responses fourth = new Responses();
    raw(b).open(fourth).onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    await().atMost(WAIT).until(() -> fourth.frames.stream().anyMatch(ServerFrame::hasHelloAck));
    honestTrafficFlows(b, 1); // another store is not limited by s3's streams
  }

  @Test
  void oneConnectionGetsNoMoreConcurrentStreamsThanTheServerAllows() {
    GrpcTransport b = receiver(ServerLimits.builder().maxConcurrentCallsPerConnection(4).build());
    RawPeer peer = raw(b);
    List<Responses> all = new ArrayList<>();
    List<StreamObserver<ClientFrame>> streams = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Responses responses = new Responses();
      StreamObserver<ClientFrame> stream = peer.open(responses);
      stream.onNext(RawPeer.hello(3 + i, 2, Lane.LANE_CONTROL));
      all.add(responses);
      streams.add(stream);
    }
    await().atMost(WAIT).until(() -> acked(all) == 4);
    assertEquals(4, read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS), "the other six wait in the client for a free stream");
    for (int i = 0; i < all.size(); i++) { // end one of the four: the server takes one more
      if (all.get(i).frames.stream().anyMatch(ServerFrame::hasHelloAck)) {
        streams.get(i).onCompleted();
        break;
      }
    }
    await().atMost(WAIT).until(() -> acked(all) == 5);
    assertEquals(4, read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS));
    honestTrafficFlows(b, 1);
  }

  private static long acked(List<Responses> all) {
    return all.stream().filter(r -> r.frames.stream().anyMatch(ServerFrame::hasHelloAck)).count();
  }

  @Test
  void aFrameAboveTheAnnouncedLimitIsRefusedBeforeItIsBuffered() throws Exception {
    GrpcTransport b = receiver(ServerLimits.defaults());
    Responses hello = new Responses();
    StreamObserver<ClientFrame> stream = raw(b).open(hello);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_DATA));
    await().atMost(WAIT).until(() -> hello.frames.stream().anyMatch(ServerFrame::hasHelloAck));
    long announced = hello.frames.stream().filter(ServerFrame::hasHelloAck).findFirst().orElseThrow()
        .getHelloAck().getMaxFrameBytes();
    assertEquals(cluster.config(S2, TransportLimits.defaults()).build().maxFrameBytes(), announced);

    Responses responses = new Responses();
    StreamObserver<java.io.InputStream> rawStream = raw(b).openRaw(responses);
    rawStream.onNext(new ByteArrayInputStream(new byte[(int) announced + 1]));
    Status status = end(responses);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), String.valueOf(status));
    assertTrue(received.isEmpty());
    honestTrafficFlows(b, 1);
  }

  @Test
  void headersAboveTheMetadataLimitFailTheCallOnly() {
    GrpcTransport b = receiver(ServerLimits.builder().maxInboundMetadataBytes(1024).build());
    RawPeer peer = raw(b);
    Metadata huge = new Metadata();
    huge.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(8 * 1024));
    Responses responses = new Responses();
    ClientCall<ClientFrame, ServerFrame> call =
        ClientInterceptors.intercept(peer.channel, MetadataUtils.newAttachHeadersInterceptor(huge))
            .newCall(RaftWireGrpc.getStreamMethod(), CallOptions.DEFAULT);
    StreamObserver<ClientFrame> stream = ClientCalls.asyncBidiStreamingCall(call, responses);
    stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
    await().atMost(WAIT).until(responses.end::isDone);
    assertNotEquals(Status.Code.OK, responses.end.join().getCode());
    assertTrue(responses.frames.isEmpty(), "no hello answer: the call never reached the service");
    honestTrafficFlows(b, 1);
  }

  @Test
  void anAgentRelaysBundleMembersOnlyWithinItsOwnZone() throws Exception {
    Map<StoreId, Locality> zones = new ConcurrentHashMap<>();
    zones.put(S1, Locality.parse("region=r,zone=a"));
    zones.put(S2, Locality.parse("region=r,zone=b"));
    zones.put(S3, Locality.parse("region=r,zone=c"));
    StoreResolver resolver = StoreResolver.of(cluster.addresses, zones);
    ConcurrentLinkedQueue<RaftEnvelope> atS3 = new ConcurrentLinkedQueue<>();
    GrpcTransport b = cluster.start(GrpcTransportConfig.builder(S2, resolver).security(PeerSecurity.insecure())
        .locality(zones.get(S2)).build());
    b.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> received.add(seq(e))));
    GrpcTransport c = cluster.start(GrpcTransportConfig.builder(S3, resolver).security(PeerSecurity.insecure())
        .locality(zones.get(S3)).build());
    c.register(RangeId.of(1), (range, batch) -> atS3.addAll(batch));

    // "From s1", a bundle for s2 that also asks s2 to relay to s3, in another zone than s2's.
    Envelope bundle = Envelope.newBuilder().setSeq(1).setRangeId(1).setFromReplica(1).setToStore(2)
        .setTrafficClass(TrafficClass.APPEND).setPriority(Priority.REGULAR)
        .addEntries(Entry.newBuilder().setIndex(5).setTerm(1).setData(ByteString.copyFromUtf8("x")))
        .addForwards(Forward.newBuilder().setToStore(2).setToReplica(2).setFirstIndex(5).setLastIndex(5)
            .setPayload(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(41).array())))
        .addForwards(Forward.newBuilder().setToStore(3).setToReplica(3).setFirstIndex(5).setLastIndex(5)
            .setPayload(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(42).array())))
        .build();
    Responses responses = new Responses();
    StreamObserver<ClientFrame> stream = raw(b).open(responses);
    stream.onNext(RawPeer.hello(1, 2, Lane.LANE_DATA));
    stream.onNext(RawPeer.batch(bundle));
    await().atMost(WAIT).until(() -> received.contains(41L));
    await().atMost(WAIT).until(() -> responses.frames.stream().anyMatch(f -> f.hasRefusal()
        && f.getRefusal().getCode() == RefusalCode.WRONG_DESTINATION && f.getRefusal().getEnvelope().getToStore() == 3));
    assertEquals(1, read(b, GrpcMetrics.AGENT_MEMBER_REFUSED, DropReason.WRONG_DESTINATION));
    assertEquals(0, read(b, GrpcMetrics.AGENT_FORWARDED));
    assertTrue(atS3.isEmpty(), "nothing relayed out of the agent's zone");
    stream.onCompleted();
  }

  @Test
  void aConnectionThatResetsStreamsAsFastAsItCanIsClosed() throws Exception {
    GrpcTransport b = receiver(ServerLimits.builder().maxRstFramesPerWindow(50, TimeUnit.SECONDS.toNanos(10)).build());
    RawPeer peer = raw(b);
    Status refused = null;
    for (int i = 0; i < 500 && refused == null; i++) { // HEADERS then RST_STREAM, over and over
      Responses responses = new Responses();
      StreamObserver<ClientFrame> stream = peer.open(responses);
      stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
      CompletableFuture.anyOf(responses.helloAck, responses.end).get(30, TimeUnit.SECONDS);
      stream.onError(Status.CANCELLED.asRuntimeException()); // the stream is on the wire: this sends RST_STREAM
      Status end = end(responses);
      if (end.getCode() != Status.Code.CANCELLED) {
        refused = end;
      }
    }
    assertTrue(refused != null && String.valueOf(refused.getDescription()).contains("too_many_rststreams"),
        String.valueOf(refused));
    honestTrafficFlows(b, 1);
  }

  @Test
  void streamsEndingByTheHundredLogAFewLinesAtMost() throws Exception {
    GrpcTransport b = receiver(ServerLimits.defaults());
    int lines;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    java.util.Queue<String> julRecords = new ConcurrentLinkedQueue<>();
    Handler counting = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.INFO.intValue()) {
          julRecords.add(record.getLoggerName() + " " + record.getLevel() + " " + record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(counting);
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      RawPeer peer = raw(b);
      for (int i = 0; i < 150; i++) { // honest streams that the peer cancels (under the reset limit)
        Responses ok = new Responses();
        StreamObserver<ClientFrame> stream = peer.open(ok);
        stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
        stream.onError(Status.CANCELLED.asRuntimeException());
      }
      // The server sees the cancels a little later; until then they count against s3's stream cap.
      await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS) == 0);
      List<RawPeer> others = List.of(raw(b), raw(b), raw(b));
      for (int i = 0; i < 300; i++) { // streams that break the protocol, 100 per connection (each
        // server-ended stream costs the client a reset, and 200 resets per connection close it)
        Responses bad = new Responses();
        StreamObserver<ClientFrame> stream = others.get(i % 3).open(bad);
        stream.onNext(RawPeer.hello(3, 2, Lane.LANE_CONTROL));
        stream.onNext(RawPeer.batch(RawPeer.control(7, 1, 2, i)));
        end(bad);
      }
      assertEquals(300, read(b, GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, "SEQUENCE"), () -> b.metrics().getCounters().entrySet()
          .stream().filter(e -> e.getValue().getCount() > 0).map(e -> e.getKey() + "=" + e.getValue().getCount()).toList().toString());
      await().atMost(WAIT).until(() -> read(b, GrpcMetrics.RECEIVER_OPEN_STREAMS) == 0);
    } finally {
      System.setErr(original);
      root.removeHandler(counting);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    lines = (int) log.lines().count();
    assertTrue(lines <= 3 && julRecords.isEmpty(), "450 stream ends, " + lines + " log lines, JUL records "
        + julRecords + ":\n" + log);
    assertTrue(log.contains("s3") && log.contains("SEQUENCE"), log);
  }
}
