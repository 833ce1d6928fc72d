package io.raftwire.grpc.internal.receiver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.topology.RangeId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RangeSchedulerTest {

  private static final LateRefusals NOWHERE = (envelope, code) -> {};

  private static RangeInbox inbox(long range) {
    ByteBudget unlimited = ByteBudget.root("test", () -> Long.MAX_VALUE);
    return new RangeInbox(RangeId.of(range), (r, batch) -> {}, unlimited.child("control", () -> Long.MAX_VALUE),
        unlimited.child("append", () -> Long.MAX_VALUE));
  }

  @Test
  void rangesWithControlWaitingGoFirst() throws Exception {
    List<Long> order = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    RangeScheduler scheduler = new RangeScheduler(1, "test-worker-", (inbox, urgent) -> {
      order.add(inbox.range.value());
      if (inbox.range.value() == 1) {
        try {
          release.await(30, TimeUnit.SECONDS); // the only worker is busy with range 1
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    scheduler.submit(inbox(1), false);
    await().until(() -> order.size() == 1);
    scheduler.submit(inbox(2), false);
    scheduler.submit(inbox(3), false);
    scheduler.submit(inbox(4), true); // a heartbeat arrived for range 4
    assertEquals(3, scheduler.backlog());
    release.countDown();
    await().until(() -> order.size() == 4);
    assertEquals(List.of(1L, 4L, 2L, 3L), order);
    scheduler.shutdown();
    assertTrue(scheduler.awaitTermination(TimeUnit.SECONDS.toNanos(10)));
    assertFalse(scheduler.submit(inbox(5), true), "refused after shutdown");
  }

  @Test
  void aRangeWaitingForAppendsJoinsTheUrgentQueueWhenControlArrives() {
    RangeInbox inbox = inbox(7);
    synchronized (inbox) {
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(7), NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(false, inbox.toSchedule(), "appends only: the normal queue");
      assertNull(inbox.toSchedule(), "queued already");
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.control(7), NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(true, inbox.toSchedule(), "a heartbeat came: the urgent queue too");
    }
    assertTrue(inbox.claim(true), "the urgent entry delivers");
    synchronized (inbox) {
      assertNull(inbox.toSchedule(), "running: its worker reschedules");
    }
    assertFalse(inbox.claim(false), "the stale normal entry is skipped");
  }
}
