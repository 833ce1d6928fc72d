package io.raftwire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.TrafficClass;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TransportLimitsTest {

  @Test
  void defaultsAreDocumentedValues() {
    TransportLimits d = TransportLimits.defaults();
    assertEquals(4L << 20, d.laneBytes(TrafficClass.CONTROL));
    assertEquals(64L << 20, d.laneBytes(TrafficClass.APPEND));
    assertEquals(32L << 20, d.laneBytes(TrafficClass.SNAPSHOT));
    assertEquals(256L << 20, d.globalQueueBytes());
    assertEquals(8L << 20, d.maxMessageBytes());
    assertEquals(d, d.toBuilder().build());
  }

  @Test
  void nonsenseIsRejectedNamingTheField() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TransportLimits.builder().appendLaneBytes(0).build());
    assertTrue(e.getMessage().startsWith("appendLaneBytes"), e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class,
        () -> TransportLimits.builder().maxMessageBytes(1 << 20).snapshotLaneBytes(1000).build());
    assertTrue(e.getMessage().startsWith("snapshotLaneBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TransportLimits.builder().maxMessageBytes(10).build());
    assertTrue(e.getMessage().startsWith("maxMessageBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TransportLimits.builder().controlLaneBytes(-5).build());
    assertTrue(e.getMessage().startsWith("controlLaneBytes"), e.getMessage());
  }

  @Test
  void sendResultsNameTheirReason() {
    assertTrue(SendResult.accepted().isAccepted());
    assertEquals(Optional.empty(), SendResult.accepted().reason());
    SendResult refused = SendResult.refused(DropReason.LANE_BUDGET);
    assertFalse(refused.isAccepted());
    assertEquals(Optional.of(DropReason.LANE_BUDGET), refused.reason());
    assertEquals("REFUSED(LANE_BUDGET)", refused.toString());
  }
}
