package io.raftwire.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RaftEnvelopeTest {
  private static final ReplicaAddress A = ReplicaAddress.of(StoreId.of(1), 1);
  private static final ReplicaAddress B = ReplicaAddress.of(StoreId.of(2), 2);

  private static RaftEnvelope.Builder append() {
    return RaftEnvelope.builder()
        .range(RangeId.of(7))
        .from(A)
        .to(B)
        .trafficClass(TrafficClass.APPEND)
        .payload(new byte[] {1, 2, 3})
        .entries(List.of(LogEntry.of(10, 2, new byte[100]), LogEntry.of(11, 3, new byte[50])));
  }

  @Test
  void sizeCountsPayloadEntriesAndOverheads() {
    RaftEnvelope e = append().build();
    assertEquals(RaftEnvelope.OVERHEAD_BYTES + 3 + 100 + 50 + 2 * LogEntry.OVERHEAD_BYTES, e.sizeBytes());
    assertEquals(Priority.REGULAR, e.priority());
    assertEquals("RaftEnvelope{r7 s1/1->s2/2 APPEND/REGULAR, payload=3B, entries=[10..11]}", e.toString());
  }

  @Test
  void isImmutable() {
    byte[] payload = {1, 2, 3};
    byte[] data = {9};
    RaftEnvelope e = append().payload(payload).entries(List.of(LogEntry.of(1, 1, data))).build();
    payload[0] = 42;
    data[0] = 42;
    assertEquals(1, e.payload().get(0));
    assertEquals(9, e.entries().get(0).data().get(0));
    assertThrows(ReadOnlyBufferException.class, () -> e.payload().put(0, (byte) 5));
    assertThrows(UnsupportedOperationException.class, () -> e.entries().clear());
    assertEquals(e, e.toBuilder().build());
  }

  @Test
  void byteBufferFactoriesCopyOnceAndLeaveTheBufferAlone() {
    java.nio.ByteBuffer source = java.nio.ByteBuffer.wrap(new byte[] {0, 1, 2, 3});
    source.position(1);
    RaftEnvelope.Builder builder = append().payload(source);
    RaftEnvelope first = builder.build();
    source.put(1, (byte) 42);
    assertEquals(3, first.payloadSize());
    assertEquals(1, first.payload().get(0), "the envelope owns its copy");
    assertEquals(1, source.position());
    LogEntry entry = LogEntry.of(5, 1, source);
    assertEquals(3, entry.dataSize());
    RaftEnvelope second = builder.build();
    assertEquals(first, second);
    second.payload(); // the reused builder copies again: the two envelopes share no array
    assertThrows(IllegalArgumentException.class, () -> LogEntry.of(0, 1, source));
  }

  @Test
  void rejectsInconsistentEnvelopesNamingTheProblem() {
    NullPointerException missing =
        assertThrows(NullPointerException.class, () -> append().range(null).build());
    assertEquals("range", missing.getMessage());
    assertThrows(IllegalArgumentException.class, () -> append().to(A).build());
    IllegalArgumentException gap =
        assertThrows(
            IllegalArgumentException.class,
            () -> append().entries(List.of(LogEntry.of(1, 1, new byte[0]), LogEntry.of(3, 1, new byte[0]))).build());
    assertTrue(gap.getMessage().contains("consecutive"), gap.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> append().entries(List.of(LogEntry.of(1, 2, new byte[0]), LogEntry.of(2, 1, new byte[0]))).build());
    IllegalArgumentException entriesOnControl =
        assertThrows(IllegalArgumentException.class, () -> append().trafficClass(TrafficClass.CONTROL).build());
    assertTrue(entriesOnControl.getMessage().contains("CONTROL"));
    assertThrows(IllegalArgumentException.class, () -> LogEntry.of(0, 1, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> LogEntry.of(1, -1, new byte[0]));
  }

  @Test
  void regularOutranksElastic() {
    assertTrue(Priority.REGULAR.isHigherThan(Priority.ELASTIC));
    assertTrue(!Priority.ELASTIC.isHigherThan(Priority.REGULAR));
    assertTrue(!Priority.REGULAR.isHigherThan(Priority.REGULAR));
  }
}
