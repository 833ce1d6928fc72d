package io.raftwire.admission.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.io.IoAdmissionController;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  private long now;
  private final List<Long> delays = new ArrayList<>();
  private final WorkQueue queue = new WorkQueue(() -> now, (p, nanos) -> delays.add(nanos));

  @Test
  void ordersByPriorityThenRangeTurnsThenArrival() {
    List<String> order = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String name = "a" + i;
      var unused1 = queue.submit(RangeId.of(1), Priority.REGULAR, 10).thenRun(() -> order.add(name));
    }
    var unused2 = queue.submit(RangeId.of(3), Priority.ELASTIC, 10).thenRun(() -> order.add("c1"));
    var unused3 = queue.submit(RangeId.of(2), Priority.REGULAR, 10).thenRun(() -> order.add("b1"));
    var unused4 = queue.submit(RangeId.of(2), Priority.REGULAR, 10).thenRun(() -> order.add("b2"));
    assertEquals(5, queue.length(Priority.REGULAR));
    assertEquals(1, queue.length(Priority.ELASTIC));

    now = 7;
    IoAdmissionController unlimited = new IoAdmissionController(AdmissionConfig.defaults(), 0);
    assertEquals(6, queue.admit(unlimited));
    assertEquals(List.of("a1", "b1", "a2", "b2", "a3", "c1"), order);
    assertEquals(List.of(7L, 7L, 7L, 7L, 7L, 7L), delays);
  }

  @Test
  void regularNeverWaitsBehindElastic() {
    // 1 byte per 15 s: the first item goes into debt, then nothing more this interval.
    IoAdmissionController scarce =
        new IoAdmissionController(AdmissionConfig.builder().storeHealth((t, i) -> 15_000).build(), 0);
    scarce.recompute(0);
    CompletableFuture<Void> elastic = queue.submit(RangeId.of(1), Priority.ELASTIC, 100);
    CompletableFuture<Void> regular = queue.submit(RangeId.of(2), Priority.REGULAR, 100);
    scarce.tick(1_000_000);
    queue.admit(scarce);
    assertTrue(regular.isDone(), "the regular item went first");
    assertTrue(!elastic.isDone(), "the elastic item waits for more tokens");
  }

  @Test
  void admitsAtOnceOnlyWhenNothingOfEqualOrHigherPriorityWaits() {
    IoAdmissionController unlimited = new IoAdmissionController(AdmissionConfig.defaults(), 0);
    assertTrue(queue.tryAdmitNow(Priority.ELASTIC, 10, unlimited));
    var unused5 = queue.submit(RangeId.of(1), Priority.ELASTIC, 10);
    assertTrue(queue.tryAdmitNow(Priority.REGULAR, 10, unlimited), "elastic waiting does not hold regular");
    assertTrue(!queue.tryAdmitNow(Priority.ELASTIC, 10, unlimited), "would overtake the waiting elastic item");
    var unused6 = queue.submit(RangeId.of(1), Priority.REGULAR, 10);
    assertTrue(!queue.tryAdmitNow(Priority.REGULAR, 10, unlimited));
  }

  @Test
  void cancelledAndClosedItemsLeaveTheQueue() {
    CompletableFuture<Void> cancelled = queue.submit(RangeId.of(1), Priority.REGULAR, 10);
    CompletableFuture<Void> pending = queue.submit(RangeId.of(1), Priority.ELASTIC, 10);
    cancelled.cancel(false);
    assertEquals(0, queue.length(Priority.REGULAR));
    queue.close();
    assertTrue(pending.isCompletedExceptionally());
    assertTrue(queue.submit(RangeId.of(1), Priority.REGULAR, 1).isCompletedExceptionally());
  }
}
