package io.raftwire.grpc.internal.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Responses keep a share of the CONTROL lane that background heartbeats cannot fill. */
class ControlLaneTest {
  private final SenderTestKit kit = new SenderTestKit(StoreId.of(1));
  private final AtomicLong clock = new AtomicLong(1_000);
  private final Counter saturated = new Counter();
  private final ControlSaturation saturation = new ControlSaturation("s2", saturated, clock::get);

  static ControlSaturation saturation() {
    return new ControlSaturation("s2", new Counter(), () -> 0);
  }

  private EnvelopeMessage control(long range, Priority priority) {
    RaftEnvelope envelope = RaftEnvelope.builder().range(RangeId.of(range))
        .from(ReplicaAddress.of(StoreId.of(1), 1)).to(ReplicaAddress.of(StoreId.of(2), 2))
        .trafficClass(TrafficClass.CONTROL).priority(priority).payload(new byte[16]).build();
    return kit.own(envelope, 0);
  }

  private static final long MESSAGE_BYTES = RaftEnvelope.OVERHEAD_BYTES + 16;

  /** A CONTROL lane of 100 messages; heartbeats marked elastic may take half of it. */
  private Lanes lanes() {
    TransportLimits limits = TransportLimits.builder().controlLaneBytes(100 * MESSAGE_BYTES).build();
    return new Lanes("s2", ByteBudget.root("sender", () -> Long.MAX_VALUE),
        ByteBudget.root("sender.elastic", () -> Long.MAX_VALUE), () -> limits, 64 * 1024, saturation);
  }

  @Test
  void aResponseIsAcceptedWhileHeartbeatsFillTheirShareOfTheControlLane() {
    Lanes lanes = lanes();
    int heartbeats = 0;
    DropReason refusal = null;
    for (long range = 1; range <= 10_000 && refusal == null; range++) {
      EnvelopeMessage heartbeat = control(range, Priority.ELASTIC); // idle ranges, not coalesced
      refusal = lanes.charge(heartbeat);
      if (refusal == null) {
        lanes.enqueue(heartbeat);
        heartbeats++;
      }
    }
    assertEquals(DropReason.LANE_BUDGET, refusal, "heartbeats saturate their share");
    assertEquals(50, heartbeats, "half of the lane");
    for (int i = 0; i < 1000; i++) {
      assertEquals(DropReason.LANE_BUDGET, lanes.charge(control(20_000 + i, Priority.ELASTIC)));
    }
    for (int i = 0; i < 50; i++) {
      EnvelopeMessage response = control(7, Priority.REGULAR); // an active range's append response
      assertNull(lanes.charge(response), "responses find the reserved half");
      lanes.enqueue(response);
    }
    assertEquals(DropReason.LANE_BUDGET, lanes.charge(control(7, Priority.REGULAR)), "the lane is full now");
    assertEquals(1 + 1000 + 1, saturated.getCount(), "every refusal counted");
    assertEquals(1, saturation.lines(), "one line, not one per refusal");
    assertEquals(50 * MESSAGE_BYTES, lanes.chargedElasticControlBytes());
  }

  @Test
  void theSaturationLineRepeatsAtMostOncePerInterval() {
    Lanes lanes = lanes();
    while (lanes.charge(control(1, Priority.REGULAR)) == null) {
      // fill the whole lane with regular CONTROL
    }
    assertEquals(1, saturation.lines());
    clock.addAndGet(ControlSaturation.LOG_INTERVAL_NANOS - 1);
    lanes.charge(control(1, Priority.ELASTIC));
    assertEquals(1, saturation.lines(), "still within the interval");
    clock.addAndGet(1);
    lanes.charge(control(1, Priority.REGULAR));
    assertEquals(2, saturation.lines(), "the next line, with the count since the last");
    clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
    lanes.charge(control(1, Priority.REGULAR));
    assertEquals(2, saturation.lines());
    assertEquals(4, saturated.getCount());
  }

  @Test
  void theControlLaneStaysOneFifoWhateverThePriorities() {
    Lanes lanes = lanes();
    List<EnvelopeMessage> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      EnvelopeMessage m = control(1, i % 2 == 0 ? Priority.ELASTIC : Priority.REGULAR);
      assertNull(lanes.charge(m));
      lanes.enqueue(m);
      sent.add(m);
    }
    List<Outbound> batch = new ArrayList<>();
    lanes.poll(StreamKind.CONTROL, Long.MAX_VALUE, 100, 0, batch);
    assertEquals(sent, batch, "a range's CONTROL keeps its order");
    assertTrue(!lanes.hasQueued(StreamKind.CONTROL));
  }
}
