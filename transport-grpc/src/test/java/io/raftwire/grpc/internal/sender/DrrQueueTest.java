package io.raftwire.grpc.internal.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrrQueueTest {

  /** A queued item that only carries its range, size and a sequence number. */
  private static final class Item extends Outbound {
    final long number;

    Item(long range, long number, int bytes) {
      super(TrafficClass.APPEND, Priority.REGULAR, RangeId.of(range), bytes, 0);
      this.number = number;
    }

    @Override
    public void addTo(OutboundFrame.Builder frame, long streamSeq, StoreId destination) {
      throw new UnsupportedOperationException("never written in this test");
    }

    @Override
    public void release() {}

    @Override
    public void dropped(DropReason reason) {}
  }

  private static Outbound append(long range, long seq, int bytes) {
    return new Item(range, seq, bytes);
  }

  private static long seq(Outbound o) {
    return ((Item) o).number;
  }

  @Test
  void aHotRangeCannotStarveTheOthers() {
    DrrQueue queue = new DrrQueue(4096);
    for (int i = 0; i < 1000; i++) {
      queue.add(append(1, i, 1000));
    }
    for (long r = 2; r <= 4; r++) {
      queue.add(append(r, 0, 1000));
      queue.add(append(r, 1, 1000));
    }
    List<Long> firstRanges = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      firstRanges.add(queue.poll().range().value());
    }
    for (long r = 2; r <= 4; r++) {
      long range = r;
      assertEquals(2, firstRanges.stream().filter(x -> x == range).count(), "range " + r + " in " + firstRanges);
    }
    assertEquals(1000 + 6 - 20, queue.size());
  }

  @Test
  void sharesBytesNotMessagesAndKeepsFifoPerRange() {
    DrrQueue queue = new DrrQueue(8192);
    for (int i = 0; i < 400; i++) {
      queue.add(append(1, i, 1000)); // small messages
      queue.add(append(2, i, 7000)); // large messages
    }
    Map<Long, Long> bytes = new HashMap<>();
    Map<Long, Long> lastSeq = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      Outbound o = queue.poll();
      long range = o.range().value();
      bytes.merge(range, o.sizeBytes(), Long::sum);
      Long previous = lastSeq.put(range, seq(o));
      assertTrue(previous == null || previous + 1 == seq(o), "FIFO broken in range " + range);
    }
    double ratio = (double) bytes.get(1L) / bytes.get(2L);
    assertTrue(ratio > 0.8 && ratio < 1.25, "byte shares " + bytes);
  }

  @Test
  void aMessageLargerThanTheQuantumIsStillSent() {
    DrrQueue queue = new DrrQueue(100);
    queue.add(append(1, 0, 10_000));
    assertEquals(0, seq(queue.poll()));
    assertNull(queue.poll());
    assertEquals(0, queue.size());
  }

  @Test
  void drainReturnsEverythingQueued() {
    DrrQueue queue = new DrrQueue(100);
    queue.add(append(1, 0, 10));
    queue.add(append(2, 0, 10));
    queue.add(append(1, 1, 10));
    assertEquals(3, queue.drain().size());
    assertEquals(0, queue.size());
    assertNull(queue.poll());
  }
}
