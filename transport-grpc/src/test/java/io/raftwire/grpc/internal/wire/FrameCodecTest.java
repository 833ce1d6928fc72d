package io.raftwire.grpc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch codec: frames written by {@link OutboundFrame} are the bytes the generated protobuf code
 * writes, {@link InboundFrame} reads what the generated code writes back into equal envelopes, and
 * bad input is a typed failure of the frame or of the one envelope.
 */
class FrameCodecTest {
  private static final StoreId SENDER = StoreId.of(1);
  private static final StoreId RECEIVER = StoreId.of(2);
  private final Random random = new Random(21);

  private RaftEnvelope envelope(long range, TrafficClass lane, Priority priority, int payloadBytes, int... entryBytes) {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < entryBytes.length; i++) {
      entries.add(LogEntry.of(10 + i, 3, bytes(entryBytes[i])));
    }
    return RaftEnvelope.builder()
        .range(RangeId.of(range))
        .from(ReplicaAddress.of(SENDER, 1))
        .to(ReplicaAddress.of(RECEIVER, 2))
        .trafficClass(lane)
        .priority(priority)
        .payload(bytes(payloadBytes))
        .entries(entries)
        .build();
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private List<RaftEnvelope> mixed() {
    return List.of(
        envelope(1, TrafficClass.CONTROL, Priority.REGULAR, 8),
        envelope(2, TrafficClass.CONTROL, Priority.REGULAR, 0),
        envelope(3, TrafficClass.APPEND, Priority.ELASTIC, 24, 0, 1, 511, 512, 600),
        envelope(4, TrafficClass.APPEND, Priority.REGULAR, 16, 16384),
        envelope(5, TrafficClass.APPEND, Priority.REGULAR, 8, 300_000),
        envelope(Long.MAX_VALUE, TrafficClass.SNAPSHOT, Priority.REGULAR, 9000));
  }

  private static byte[] drain(OutboundFrame frame) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(frame.frameBytes(), frame.drainTo(out));
    return out.toByteArray();
  }

  private static byte[] generated(List<Envelope> envelopes) {
    return ClientFrame.newBuilder().setBatch(Batch.newBuilder().addAllEnvelopes(envelopes)).build().toByteArray();
  }

  @Test
  void anOutboundFrameIsByteForByteWhatTheGeneratedCodeWrites() throws IOException {
    List<RaftEnvelope> envelopes = mixed();
    OutboundFrame.Builder b = OutboundFrame.builder(1); // grows
    List<Envelope> expected = new ArrayList<>();
    long seq = 41;
    for (RaftEnvelope e : envelopes) {
      b.add(e, seq, false);
      expected.add(WireCodec.encode(e, seq));
      seq++;
    }
    b.add(envelopes.get(2), seq, true);
    expected.add(WireCodec.encodeRelayed(envelopes.get(2), seq));
    Envelope bundle = WireCodec.encode(envelopes.get(0), seq + 1).toBuilder()
        .addForwards(Forward.newBuilder().setToStore(3).setToReplica(4).setFirstIndex(10).setLastIndex(12))
        .build();
    b.add(bundle);
    expected.add(bundle);
    OutboundFrame frame = b.build();

    byte[] want = generated(expected);
    assertEquals(want.length, frame.available(), "gRPC learns the length before it drains");
    assertEquals(envelopes.size() + 2, frame.envelopes());
    assertArrayEquals(want, drain(frame));
    assertEquals(0, frame.available(), "drained once");
  }

  private static List<Heartbeat> heartbeats() {
    return List.of(
        Heartbeat.of(RangeId.of(1), ReplicaAddress.of(SENDER, 1), ReplicaAddress.of(RECEIVER, 2), new byte[] {1, 2}),
        Heartbeat.of(RangeId.of(300_000), ReplicaAddress.of(SENDER, 7), ReplicaAddress.of(RECEIVER, 9), new byte[0]),
        Heartbeat.of(RangeId.of(Long.MAX_VALUE), ReplicaAddress.of(SENDER, 1), ReplicaAddress.of(RECEIVER, 1),
            new byte[Heartbeat.MAX_PAYLOAD_BYTES]));
  }

  private static HeartbeatBatch generatedHeartbeats(long seq, List<Heartbeat> records) {
    HeartbeatBatch.Builder b = HeartbeatBatch.newBuilder().setSeq(seq);
    for (Heartbeat h : records) {
      b.addRecords(HeartbeatRecord.newBuilder().setRangeId(h.range().value()).setFromReplica(h.from().replicaId())
          .setToReplica(h.to().replicaId()).setPayload(ByteString.copyFrom(h.payload())));
    }
    return b.build();
  }

  @Test
  void aFrameWithHeartbeatsIsByteForByteWhatTheGeneratedCodeWritesAndReadsBackAsTheSameHeartbeats()
      throws IOException {
    RaftEnvelope vote = envelope(1, TrafficClass.CONTROL, Priority.REGULAR, 8);
    OutboundFrame frame = OutboundFrame.builder(1).heartbeats(5, heartbeats()).add(vote, 6, false).build();
    byte[] want = ClientFrame.newBuilder().setBatch(Batch.newBuilder().setHeartbeats(generatedHeartbeats(5, heartbeats()))
        .addEnvelopes(WireCodec.encode(vote, 6))).build().toByteArray();
    byte[] written = drain(frame);
    assertArrayEquals(want, written);

    InboundFrame read = InboundFrame.read(new ByteArrayInputStream(written), SENDER, RECEIVER);
    InboundHeartbeats beats = read.heartbeats();
    assertEquals(5, beats.seq());
    assertNull(beats.malformed());
    assertEquals(heartbeats(), beats.records());
    assertEquals(List.of(6L), read.envelopes().stream().map(InboundEnvelope::seq).toList());

    OutboundFrame beacon = OutboundFrame.builder(0).heartbeats(9, List.of()).build();
    InboundFrame beaconRead = InboundFrame.read(new ByteArrayInputStream(drain(beacon)), SENDER, RECEIVER);
    assertEquals(9, beaconRead.heartbeats().seq(), "a beacon is a heartbeat part without records");
    assertEquals(List.of(), beaconRead.heartbeats().records());
  }

  @Test
  void aHeartbeatRecordOutOfRangeMakesItsPartMalformedAndLeavesTheEnvelopesReadable() throws IOException {
    HeartbeatBatch bad = generatedHeartbeats(3, heartbeats()).toBuilder()
        .addRecords(HeartbeatRecord.newBuilder().setRangeId(0).setFromReplica(1).setToReplica(2)).build();
    RaftEnvelope vote = envelope(1, TrafficClass.CONTROL, Priority.REGULAR, 8);
    byte[] bytes = ClientFrame.newBuilder().setBatch(Batch.newBuilder().setHeartbeats(bad)
        .addEnvelopes(WireCodec.encode(vote, 4))).build().toByteArray();
    InboundFrame read = InboundFrame.read(new ByteArrayInputStream(bytes), SENDER, RECEIVER);
    assertEquals(3, read.heartbeats().seq());
    assertNotNull(read.heartbeats().malformed());
    assertTrue(read.heartbeats().malformed().contains("heartbeats seq 3"), read.heartbeats().malformed());
    assertEquals(List.of(), read.heartbeats().records(), "refused as one");
    assertEquals(1, read.envelopes().size());
    assertNull(read.envelopes().get(0).malformed());

    byte[] oversized = ClientFrame.newBuilder().setBatch(Batch.newBuilder().setHeartbeats(HeartbeatBatch.newBuilder()
        .setSeq(1).addRecords(HeartbeatRecord.newBuilder().setRangeId(1).setFromReplica(1).setToReplica(1)
            .setPayload(ByteString.copyFrom(new byte[Heartbeat.MAX_PAYLOAD_BYTES + 1]))))).build().toByteArray();
    assertNotNull(InboundFrame.read(new ByteArrayInputStream(oversized), SENDER, RECEIVER).heartbeats().malformed());
  }

  @Test
  void readAsAPlainStreamAFrameGivesTheSameBytes() throws IOException {
    OutboundFrame.Builder b = OutboundFrame.builder(8);
    List<Envelope> expected = new ArrayList<>();
    long seq = 1;
    for (RaftEnvelope e : mixed()) {
      b.add(e, seq, false);
      expected.add(WireCodec.encode(e, seq));
      seq++;
    }
    OutboundFrame frame = b.build();
    assertEquals(generated(expected)[0], (byte) frame.read(), "one byte");
    byte[] rest = frame.readAllBytes();
    byte[] want = generated(expected);
    assertArrayEquals(Arrays.copyOfRange(want, 1, want.length), rest);
  }

  @Test
  void anInboundFrameDecodesWhatTheGeneratedCodeWritesIntoEqualEnvelopes() throws IOException {
    List<RaftEnvelope> envelopes = mixed();
    List<Envelope> wire = new ArrayList<>();
    for (int i = 0; i < envelopes.size(); i++) {
      wire.add(WireCodec.encode(envelopes.get(i), i + 1));
    }
    InboundFrame frame = InboundFrame.read(new ByteArrayInputStream(generated(wire)), SENDER);

    assertEquals(InboundFrame.Kind.BATCH, frame.kind());
    assertEquals(envelopes.size(), frame.envelopes().size());
    for (int i = 0; i < envelopes.size(); i++) {
      InboundEnvelope in = frame.envelopes().get(i);
      assertEquals(i + 1, in.seq());
      assertNull(in.malformed());
      assertFalse(in.isBundle());
      assertEquals(envelopes.get(i), in.envelope());
    }
  }

  @Test
  void envelopesBetweenDifferentReplicasInOneFrameEachKeepTheirOwnAddresses() throws IOException {
    // The reader reuses the last addresses it decoded while they match: a change of replica or of
    // destination store in the middle of a frame must still be seen.
    long[][] replicas = {{1, 2}, {1, 2}, {3, 2}, {3, 4}, {1, 2}, {3, 4}};
    long[] toStores = {2, 2, 2, 2, 7, 7};
    List<RaftEnvelope> envelopes = new ArrayList<>();
    OutboundFrame.Builder b = OutboundFrame.builder(replicas.length);
    for (int i = 0; i < replicas.length; i++) {
      RaftEnvelope e = envelope(i + 1, TrafficClass.APPEND, Priority.REGULAR, 4, 32).toBuilder()
          .from(ReplicaAddress.of(SENDER, replicas[i][0]))
          .to(ReplicaAddress.of(StoreId.of(toStores[i]), replicas[i][1]))
          .build();
      envelopes.add(e);
      b.add(e, i + 1, false);
    }
    InboundFrame frame = InboundFrame.read(new ByteArrayInputStream(drain(b.build())), SENDER);
    for (int i = 0; i < envelopes.size(); i++) {
      assertEquals(envelopes.get(i), frame.envelopes().get(i).envelope(), "envelope " + i);
    }
  }

  @Test
  void decodedEntriesAreImmutableAndKeptByTheEnvelopeAsDecoded() throws IOException {
    List<RaftEnvelope> envelopes = List.of(envelope(1, TrafficClass.APPEND, Priority.REGULAR, 4, 10),
        envelope(2, TrafficClass.APPEND, Priority.REGULAR, 4, 10, 20, 30), envelope(3, TrafficClass.CONTROL, Priority.REGULAR, 4));
    OutboundFrame.Builder b = OutboundFrame.builder(envelopes.size());
    for (int i = 0; i < envelopes.size(); i++) {
      b.add(envelopes.get(i), i + 1, false);
    }
    InboundFrame frame = InboundFrame.read(new ByteArrayInputStream(drain(b.build())), SENDER);
    for (int i = 0; i < envelopes.size(); i++) {
      List<LogEntry> entries = frame.envelopes().get(i).envelope().entries();
      assertEquals(envelopes.get(i).entries(), entries);
      assertThrows(UnsupportedOperationException.class, () -> entries.add(LogEntry.of(99, 3, new byte[1])));
    }
  }

  @Test
  void whatOneSideWritesTheOtherReadsThroughTheFastPathsBothWays() throws IOException {
    List<RaftEnvelope> envelopes = mixed();
    OutboundFrame.Builder b = OutboundFrame.builder(envelopes.size());
    for (int i = 0; i < envelopes.size(); i++) {
      b.add(envelopes.get(i), i + 1, false);
    }
    InboundFrame frame = InboundFrame.read(new ByteArrayInputStream(drain(b.build())), SENDER);
    for (int i = 0; i < envelopes.size(); i++) {
      assertEquals(envelopes.get(i), frame.envelopes().get(i).envelope());
    }
  }

  @Test
  void eachDecodedEntryOwnsAnArrayOfItsOwnSizeSoKeepingItKeepsNoFrameAlive() throws IOException {
    RaftEnvelope e = envelope(1, TrafficClass.APPEND, Priority.REGULAR, 16, 1024, 16384, 70_000);
    InboundFrame frame = InboundFrame.read(new ByteArrayInputStream(generated(List.of(WireCodec.encode(e, 1)))), SENDER);
    RaftEnvelope decoded = frame.envelopes().get(0).envelope();
    for (LogEntry entry : decoded.entries()) {
      assertEquals(entry.dataSize(), UnsafeBytes.entryArray(entry).length);
    }
    assertEquals(16, UnsafeBytes.payloadArray(decoded).length);
  }

  @Test
  void aRelayedEnvelopeIsDecodedAsWrittenByTheStoreItNames() throws IOException {
    RaftEnvelope written = RaftEnvelope.builder()
        .range(RangeId.of(7))
        .from(ReplicaAddress.of(StoreId.of(5), 1))
        .to(ReplicaAddress.of(RECEIVER, 2))
        .trafficClass(TrafficClass.APPEND)
        .payload(bytes(4))
        .build();
    byte[] bytes = generated(List.of(WireCodec.encodeRelayed(written, 1)));
    InboundEnvelope in = InboundFrame.read(new ByteArrayInputStream(bytes), SENDER).envelopes().get(0);
    assertEquals(5, in.fromStore());
    assertEquals(written, in.envelope());
  }

  @Test
  void aBundleStaysInWireFormForTheFanOutAgent() throws IOException {
    Envelope bundle = WireCodec.encode(envelope(1, TrafficClass.APPEND, Priority.REGULAR, 8, 100), 1).toBuilder()
        .addForwards(Forward.newBuilder().setToStore(3).setToReplica(4).setPayload(ByteString.copyFromUtf8("p"))
            .setFirstIndex(10).setLastIndex(10))
        .build();
    InboundEnvelope in = InboundFrame.read(new ByteArrayInputStream(generated(List.of(bundle))), SENDER)
        .envelopes().get(0);
    assertTrue(in.isBundle());
    assertEquals(bundle, in.bundleWire());
  }

  @Test
  void aHelloFrameAndFrameKindsOfANewerProtocolAreReadAsTheGeneratedParserWould() throws IOException {
    Hello hello = Hello.newBuilder().setProtocolVersion(WireCodec.PROTOCOL_VERSION).setSenderStore(1).setDestinationStore(2)
        .setLane(Lane.LANE_DATA).build();
    InboundFrame frame = InboundFrame.read(
        new ByteArrayInputStream(ClientFrame.newBuilder().setHello(hello).build().toByteArray()), null);
    assertEquals(InboundFrame.Kind.HELLO, frame.kind());
    assertEquals(hello, frame.hello());

    byte[] newer = ClientFrame.newBuilder()
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(99).build()).build())
        .build().toByteArray();
    assertEquals(InboundFrame.Kind.OTHER, InboundFrame.read(new ByteArrayInputStream(newer), SENDER).kind());
    assertEquals(InboundFrame.Kind.OTHER, InboundFrame.read(new ByteArrayInputStream(new byte[0]), SENDER).kind());
  }

  @Test
  void unknownFieldsInsideAnEnvelopeAreSkipped() throws IOException {
    RaftEnvelope e = envelope(1, TrafficClass.APPEND, Priority.REGULAR, 8, 10);
    Envelope withUnknown = WireCodec.encode(e, 1).toBuilder()
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(40, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("later")).build())
            .addField(41, UnknownFieldSet.Field.newBuilder().addFixed64(5).build())
            .build())
        .build();
    InboundEnvelope in = InboundFrame.read(new ByteArrayInputStream(generated(List.of(withUnknown))), SENDER)
        .envelopes().get(0);
    assertEquals(e, in.envelope());
  }

  @Test
  void anEnvelopeWithFieldsOutOfRangeIsMalformedAloneAndTheRestOfTheFrameIsRead() throws IOException {
    RaftEnvelope good = envelope(1, TrafficClass.CONTROL, Priority.REGULAR, 8);
    Envelope unknownClass = WireCodec.encode(good, 2).toBuilder().setTrafficClassValue(9).build();
    Envelope noRange = WireCodec.encode(good, 3).toBuilder().setRangeId(0).build();
    Envelope badEntry = WireCodec.encode(envelope(1, TrafficClass.APPEND, Priority.REGULAR, 8, 5), 4).toBuilder()
        .setEntries(0, Entry.newBuilder().setIndex(0).setTerm(1)).build();
    Envelope unknownPriority = WireCodec.encode(good, 5).toBuilder().setPriorityValue(77).build();
    List<Envelope> wire = List.of(WireCodec.encode(good, 1), unknownClass, noRange, badEntry, unknownPriority,
        WireCodec.encode(good, 6));
    List<InboundEnvelope> in = InboundFrame.read(new ByteArrayInputStream(generated(wire)), SENDER).envelopes();

    assertEquals(6, in.size());
    assertEquals(good, in.get(0).envelope());
    assertTrue(in.get(1).malformed().contains("unknown traffic class 9"), in.get(1).malformed());
    assertNotNull(in.get(2).malformed());
    assertTrue(in.get(3).malformed().contains("log index"), in.get(3).malformed());
    assertTrue(in.get(4).malformed().contains("unknown priority 77"), in.get(4).malformed());
    assertEquals(good, in.get(5).envelope());
    assertThrows(IllegalStateException.class, () -> in.get(1).envelope());
  }

  @Test
  void aBatchBeforeTheHelloIsReadForItsSequenceNumbersOnly() throws IOException {
    List<InboundEnvelope> in = InboundFrame.read(
        new ByteArrayInputStream(generated(List.of(WireCodec.encode(mixed().get(0), 1)))), null).envelopes();
    assertEquals(1, in.get(0).seq());
    assertNotNull(in.get(0).malformed());
  }

  @Test
  void truncatedOrGarbageFramesAreIoFailuresOfTheWholeFrame() {
    byte[] good = generated(List.of(WireCodec.encode(mixed().get(3), 1)));
    for (int cut : new int[] {1, 2, 5, good.length / 2, good.length - 1}) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThrows(IOException.class, () -> InboundFrame.read(new ByteArrayInputStream(truncated), SENDER), "cut " + cut);
    }
    // a length prefix far beyond the frame must not allocate it
    byte[] hugeLength = {0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x0a};
    assertThrows(IOException.class, () -> InboundFrame.read(new ByteArrayInputStream(hugeLength), SENDER));
    byte[] endGroup = {0x0c};
    assertThrows(IOException.class, () -> InboundFrame.read(new ByteArrayInputStream(endGroup), SENDER));
    Random r = new Random(5);
    for (int i = 0; i < 2000; i++) {
      byte[] garbage = new byte[1 + r.nextInt(64)];
      r.nextBytes(garbage);
      try {
        InboundFrame.read(new ByteArrayInputStream(garbage), SENDER);
      } catch (IOException expected) {
        // typed: the stream is failed as MALFORMED_FRAME
      }
    }
  }

  @Test
  void readingStopsAtTheEndOfTheFrameAndLeavesTheStreamOpen() throws IOException {
    byte[] good = generated(List.of(WireCodec.encode(mixed().get(0), 1)));
    boolean[] closed = {false};
    InputStream raw = new ByteArrayInputStream(good) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    InboundFrame.read(raw, SENDER);
    assertEquals(0, raw.available());
    assertFalse(closed[0], "gRPC closes the message stream");
  }
}
