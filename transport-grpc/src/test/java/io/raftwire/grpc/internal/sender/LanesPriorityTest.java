package io.raftwire.grpc.internal.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.LogEntry;
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
import org.junit.jupiter.api.Test;

/** Priority inside one destination's lanes: budgets, queue order and batch composition. */
class LanesPriorityTest {
  private static final int PAYLOAD = 1000;
  private final SenderTestKit kit = new SenderTestKit(StoreId.of(1));

  private EnvelopeMessage append(long range, Priority priority, long index) {
    RaftEnvelope envelope = RaftEnvelope.builder().range(RangeId.of(range))
        .from(ReplicaAddress.of(StoreId.of(1), 1)).to(ReplicaAddress.of(StoreId.of(2), 2))
        .trafficClass(TrafficClass.APPEND).priority(priority)
        .entries(List.of(LogEntry.of(index, 1, new byte[PAYLOAD]))).payload(new byte[1]).build();
    return kit.own(envelope, index);
  }

  private static long size() {
    return RaftEnvelope.builder().range(RangeId.of(1)).from(ReplicaAddress.of(StoreId.of(1), 1))
        .to(ReplicaAddress.of(StoreId.of(2), 2)).trafficClass(TrafficClass.APPEND)
        .entries(List.of(LogEntry.of(1, 1, new byte[PAYLOAD]))).payload(new byte[1]).build().sizeBytes();
  }

  private static Lanes lanes(TransportLimits limits, ByteBudget global, ByteBudget globalElastic) {
    return new Lanes("s2", global, globalElastic, () -> limits, 64 * 1024, ControlLaneTest.saturation());
  }

  private static Lanes lanes() {
    return lanes(TransportLimits.defaults(), ByteBudget.root("sender", () -> Long.MAX_VALUE),
        ByteBudget.root("sender.elastic", () -> Long.MAX_VALUE));
  }

  private static void chargeAndQueue(Lanes lanes, EnvelopeMessage m) {
    assertNull(lanes.charge(m));
    lanes.enqueue(m);
  }

  @Test
  void aRegularAppendIsNeverPolledAfterAQueuedElasticOne() {
    Lanes lanes = lanes();
    for (int i = 1; i <= 20; i++) {
      chargeAndQueue(lanes, append(5, Priority.ELASTIC, i)); // a burst of elastic appends first
    }
    chargeAndQueue(lanes, append(6, Priority.REGULAR, 1));
    chargeAndQueue(lanes, append(7, Priority.REGULAR, 1));
    List<Outbound> batch = new ArrayList<>();
    lanes.poll(StreamKind.DATA, Long.MAX_VALUE, 1000, Long.MAX_VALUE, batch);
    assertEquals(22, batch.size());
    assertEquals(Priority.REGULAR, batch.get(0).priority());
    assertEquals(Priority.REGULAR, batch.get(1).priority());
    for (int i = 2; i < batch.size(); i++) {
      assertEquals(Priority.ELASTIC, batch.get(i).priority(), "every elastic append after the regular ones");
    }
  }

  @Test
  void aRangeKeepsItsOrderWhenARegularAppendFollowsItsElasticOnes() {
    Lanes lanes = lanes();
    chargeAndQueue(lanes, append(5, Priority.ELASTIC, 1));
    chargeAndQueue(lanes, append(8, Priority.ELASTIC, 1));
    chargeAndQueue(lanes, append(5, Priority.ELASTIC, 2));
    chargeAndQueue(lanes, append(5, Priority.REGULAR, 3)); // range 5's log: 1, 2, 3
    chargeAndQueue(lanes, append(5, Priority.ELASTIC, 4));
    assertEquals(3 * size(), lanes.queuedAppendBytes(Priority.REGULAR), "range 5's elastic appends were promoted");
    List<Outbound> batch = new ArrayList<>();
    lanes.poll(StreamKind.DATA, Long.MAX_VALUE, 1000, Long.MAX_VALUE, batch);
    List<String> order = new ArrayList<>();
    for (Outbound o : batch) {
      order.add(o.range().value() + ":" + ((EnvelopeMessage) o).envelope().entries().get(0).index());
    }
    assertEquals(List.of("5:1", "5:2", "5:3", "8:1", "5:4"), order,
        "range 5 in its order, ahead of range 8's elastic work; range 5's later elastic append last");
  }

  @Test
  void aBatchTakesElasticBytesOnlyUpToItsBound() {
    Lanes lanes = lanes();
    for (int i = 1; i <= 20; i++) {
      chargeAndQueue(lanes, append(5, Priority.ELASTIC, i));
    }
    long bound = 3 * size();
    List<Outbound> batch = new ArrayList<>();
    lanes.poll(StreamKind.DATA, Long.MAX_VALUE, 1000, bound, batch);
    assertEquals(3, batch.size(), "a batch holds at most the bound of elastic work");
    batch.clear();
    chargeAndQueue(lanes, append(6, Priority.REGULAR, 1));
    lanes.poll(StreamKind.DATA, Long.MAX_VALUE, 1000, 0, batch);
    assertEquals(1, batch.size(), "without elastic room, regular appends still go");
    assertEquals(Priority.REGULAR, batch.get(0).priority());
    assertEquals(17 * size(), lanes.queuedAppendBytes(Priority.ELASTIC));
    assertEquals(0, lanes.queuedAppendBytes(Priority.REGULAR));
  }

  @Test
  void elasticAppendsTakeOnlyTheirShareOfTheLaneAndRegularOnesFindTheRest() {
    long lane = 16 * size();
    TransportLimits limits = TransportLimits.builder().appendLaneBytes(lane).maxMessageBytes(2 * size())
        .elasticQueueShare(0.25).build();
    Lanes lanes = lanes(limits, ByteBudget.root("sender", () -> Long.MAX_VALUE),
        ByteBudget.root("sender.elastic", () -> Long.MAX_VALUE));
    int elastic = 0;
    while (lanes.charge(append(5, Priority.ELASTIC, elastic + 1)) == null) {
      elastic++;
    }
    assertEquals(4, elastic, "a quarter of the lane");
    assertEquals(DropReason.LANE_BUDGET, lanes.charge(append(5, Priority.ELASTIC, 99)));
    int regular = 0;
    while (lanes.charge(append(6, Priority.REGULAR, regular + 1)) == null) {
      regular++;
    }
    assertEquals(12, regular, "regular appends take the rest of the lane");
  }

  @Test
  void elasticAppendsTakeOnlyTheirShareOfTheGlobalBudgetAcrossDestinations() {
    TransportLimits limits = TransportLimits.builder().maxMessageBytes(2 * size()).build();
    ByteBudget global = ByteBudget.root("sender", () -> 8 * size());
    ByteBudget globalElastic = ByteBudget.root("sender.elastic", () -> 4 * size());
    Lanes toS2 = lanes(limits, global, globalElastic);
    Lanes toS3 = new Lanes("s3", global, globalElastic, () -> limits, 64 * 1024, ControlLaneTest.saturation());
    assertNull(toS2.charge(append(5, Priority.ELASTIC, 1)));
    assertNull(toS2.charge(append(5, Priority.ELASTIC, 2)));
    assertNull(toS3.charge(append(5, Priority.ELASTIC, 1)));
    assertNull(toS3.charge(append(5, Priority.ELASTIC, 2)));
    assertEquals(DropReason.GLOBAL_BUDGET, toS3.charge(append(5, Priority.ELASTIC, 3)));
    for (int i = 0; i < 4; i++) {
      assertNull(toS2.charge(append(6, Priority.REGULAR, i + 1)), "regular appends keep the other half");
    }
  }

  @Test
  void releasingAnElasticAppendGivesBackBothShares() {
    ByteBudget global = ByteBudget.root("sender", () -> Long.MAX_VALUE);
    ByteBudget globalElastic = ByteBudget.root("sender.elastic", () -> Long.MAX_VALUE);
    Lanes lanes = lanes(TransportLimits.defaults(), global, globalElastic);
    EnvelopeMessage m = append(5, Priority.ELASTIC, 1);
    assertNull(lanes.charge(m));
    assertEquals(size(), lanes.chargedElasticBytes());
    assertEquals(size(), globalElastic.usedBytes());
    m.release();
    assertEquals(0, lanes.chargedElasticBytes());
    assertEquals(0, globalElastic.usedBytes());
    assertEquals(0, global.usedBytes());
    assertEquals(0, lanes.chargedBytes(TrafficClass.APPEND));
  }
}
