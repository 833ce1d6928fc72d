package io.raftwire.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
  private static final RangeId RANGE = RangeId.of(7);
  private static final ReplicaAddress LEADER = ReplicaAddress.of(StoreId.of(1), 1);
  private static final ReplicaAddress FOLLOWER = ReplicaAddress.of(StoreId.of(2), 2);

  @Test
  void theCopyingFactoryIsUnaffectedByLaterWritesToTheCallersArray() {
    byte[] payload = {1, 2, 3};
    Heartbeat heartbeat = Heartbeat.of(RANGE, LEADER, FOLLOWER, payload);
    payload[0] = 9;
    ByteBuffer read = heartbeat.payload();
    assertEquals(1, read.get(0));
    assertTrue(read.isReadOnly());
    assertEquals(3, heartbeat.payloadSize());
    assertEquals(Heartbeat.OVERHEAD_BYTES + 3, heartbeat.sizeBytes());
  }

  @Test
  void unsafeBytesHandsTheArrayOverInBothDirections() {
    byte[] payload = {4, 5};
    Heartbeat heartbeat = UnsafeBytes.wrapHeartbeat(RANGE, LEADER, FOLLOWER, payload);
    assertSame(payload, UnsafeBytes.heartbeatPayloadArray(heartbeat));
    assertEquals(Heartbeat.of(RANGE, LEADER, FOLLOWER, new byte[] {4, 5}), heartbeat);
    assertArrayEquals(payload, UnsafeBytes.heartbeatPayloadArray(Heartbeat.of(RANGE, LEADER, FOLLOWER, payload)));
  }

  @Test
  void aPayloadLargerThanAHeartbeatIsRefusedAtConstruction() {
    byte[] large = new byte[Heartbeat.MAX_PAYLOAD_BYTES + 1];
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Heartbeat.of(RANGE, LEADER, FOLLOWER, large));
    assertTrue(e.getMessage().contains("exceeds " + Heartbeat.MAX_PAYLOAD_BYTES), e.getMessage());
    Heartbeat.of(RANGE, LEADER, FOLLOWER, new byte[Heartbeat.MAX_PAYLOAD_BYTES]);
  }

  @Test
  void aHeartbeatToItsOwnStoreOrWithMissingPartsIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> Heartbeat.of(RANGE, LEADER, ReplicaAddress.of(StoreId.of(1), 2), new byte[0]));
    assertThrows(NullPointerException.class, () -> Heartbeat.of(null, LEADER, FOLLOWER, new byte[0]));
    assertThrows(NullPointerException.class, () -> Heartbeat.of(RANGE, LEADER, FOLLOWER, null));
  }

  @Test
  void equalityCoversRangeAddressesAndPayload() {
    Heartbeat a = Heartbeat.of(RANGE, LEADER, FOLLOWER, new byte[] {1});
    assertEquals(a, Heartbeat.of(RANGE, LEADER, FOLLOWER, new byte[] {1}));
    assertEquals(a.hashCode(), Heartbeat.of(RANGE, LEADER, FOLLOWER, new byte[] {1}).hashCode());
    assertNotEquals(a, Heartbeat.of(RANGE, LEADER, FOLLOWER, new byte[] {2}));
    assertNotEquals(a, Heartbeat.of(RangeId.of(8), LEADER, FOLLOWER, new byte[] {1}));
    assertNotEquals(a, Heartbeat.of(RANGE, FOLLOWER, LEADER, new byte[] {1}));
  }
}
