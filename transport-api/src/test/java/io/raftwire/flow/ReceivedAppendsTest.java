package io.raftwire.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A follower's record of received appends: taken in order once durable, bounded, truncatable. */
class ReceivedAppendsTest {
  private static final RangeId RANGE = RangeId.of(7);

  private static RaftEnvelope append(long first, long last) {
    List<LogEntry> entries = new java.util.ArrayList<>();
    for (long i = first; i <= last; i++) {
      entries.add(LogEntry.of(i, 1, new byte[10]));
    }
    return RaftEnvelope.builder().range(RANGE).from(ReplicaAddress.of(StoreId.of(1), 1)).to(ReplicaAddress.of(StoreId.of(2), 1))
        .trafficClass(TrafficClass.APPEND).priority(Priority.ELASTIC).entries(entries).payload(new byte[0]).build();
  }

  @Test
  void appendsBecomeDurableInOrderUpToTheIndexPersisted() {
    ReceivedAppends received = new ReceivedAppends(10);
    received.received(append(1, 3));
    received.received(append(4, 5));
    assertTrue(received.durableThrough(RANGE, 2).isEmpty(), "an append is durable only when all of it is");
    List<DurableEntries> done = received.durableThrough(RANGE, 4);
    assertEquals(1, done.size());
    DurableEntries d = done.get(0);
    assertEquals(StoreId.of(1), d.leaderStore());
    assertEquals(Priority.ELASTIC, d.priority());
    assertEquals(1, d.firstIndex());
    assertEquals(3, d.lastIndex());
    assertEquals(append(1, 3).sizeBytes(), d.bytes());
    assertEquals(5, received.durableThrough(RANGE, 9).get(0).lastIndex());
    assertTrue(received.durableThrough(RangeId.of(8), 9).isEmpty());
  }

  @Test
  void theRecordIsBoundedAndTruncatedEntriesNeverBecomeDurable() {
    ReceivedAppends received = new ReceivedAppends(2);
    assertFalse(received.received(append(1, 1)));
    assertFalse(received.received(append(2, 2)));
    assertTrue(received.received(append(3, 3)), "the oldest is forgotten");
    assertEquals(1, received.forgotten());
    received.truncatedFrom(RANGE, 3);
    assertEquals(List.of(2L), received.durableThrough(RANGE, 9).stream().map(DurableEntries::firstIndex).toList());
    received.received(append(4, 4));
    received.forget(RANGE);
    assertTrue(received.durableThrough(RANGE, 9).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> new ReceivedAppends(0));
  }
}
