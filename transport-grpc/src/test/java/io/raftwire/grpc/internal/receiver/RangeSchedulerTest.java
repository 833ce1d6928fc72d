package io.raftwire.grpc.internal.receiver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.DropReason;
import java.util.ArrayList;
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
        unlimited.child("append", () -> Long.MAX_VALUE), ByteBudget.root("elastic", () -> Long.MAX_VALUE),
        ByteBudget.root("control.elastic", () -> Long.MAX_VALUE));
  }

  /** A scheduler with one worker that records the ranges it serves; range 1 holds it until released. */
  private static final class Recorder {
    final List<Long> order = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    final Counter wakeups = new Counter();
    final RangeScheduler scheduler = new RangeScheduler(1, "test-worker-", (inbox, turn) -> {
      order.add(inbox.range.value());
      if (inbox.range.value() == 1) {
        try {
          release.await(30, TimeUnit.SECONDS); // the only worker is busy with range 1
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return null;
    }, wakeups);

    void holdTheWorker() {
      scheduler.submit(inbox(1), Turn.REGULAR);
      await().until(() -> order.size() == 1);
    }
  }

  @Test
  void rangesWithControlWaitingGoFirst() throws Exception {
    Recorder r = new Recorder();
    r.holdTheWorker();
    r.scheduler.submit(inbox(2), Turn.REGULAR);
    r.scheduler.submit(inbox(3), Turn.REGULAR);
    r.scheduler.submit(inbox(4), Turn.URGENT); // a heartbeat arrived for range 4
    assertEquals(3, r.scheduler.backlog());
    r.release.countDown();
    await().until(() -> r.order.size() == 4);
    assertEquals(List.of(1L, 4L, 2L, 3L), r.order);
    r.scheduler.shutdown();
    assertTrue(r.scheduler.awaitTermination(TimeUnit.SECONDS.toNanos(10)));
    assertFalse(r.scheduler.submit(inbox(5), Turn.URGENT), "refused after shutdown");
  }

  @Test
  void aHeartbeatThatComesWhileAppendsAreDeliveredWaitsForOneAppendBatchNotForEveryRangeTaken() throws Exception {
    List<Long> order = new CopyOnWriteArrayList<>();
    CountDownLatch releaseFirst = new CountDownLatch(1);
    CountDownLatch releaseSecond = new CountDownLatch(1);
    RangeScheduler scheduler = new RangeScheduler(1, "test-worker-", (inbox, turn) -> {
      order.add(inbox.range.value());
      CountDownLatch hold = inbox.range.value() == 1 ? releaseFirst : inbox.range.value() == 2 ? releaseSecond : null;
      if (hold != null) {
        try {
          hold.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return null;
    }, new Counter());
    scheduler.submit(inbox(1), Turn.REGULAR);
    await().until(() -> order.size() == 1);
    for (int r = 2; r <= 5; r++) {
      scheduler.submit(inbox(r), Turn.REGULAR); // appends for four more ranges wait
    }
    releaseFirst.countDown();
    await().until(() -> order.size() == 2); // range 2's append batch is being delivered
    scheduler.submit(inbox(9), Turn.URGENT); // and now a heartbeat for range 9
    releaseSecond.countDown();
    await().until(() -> order.size() == 6);
    assertEquals(List.of(1L, 2L, 9L, 3L, 4L, 5L), order);
    scheduler.shutdown();
    assertTrue(scheduler.awaitTermination(TimeUnit.SECONDS.toNanos(10)));
  }

  @Test
  void rangesWithRegularAppendsGoBeforeRangesWithOnlyElasticWork() throws Exception {
    Recorder r = new Recorder();
    r.holdTheWorker();
    r.scheduler.submit(inbox(10), Turn.ELASTIC); // elastic work arrived first
    r.scheduler.submit(inbox(11), Turn.ELASTIC);
    r.scheduler.submit(inbox(20), Turn.REGULAR);
    r.scheduler.submit(inbox(21), Turn.REGULAR);
    r.release.countDown();
    await().until(() -> r.order.size() == 5);
    assertEquals(List.of(1L, 20L, 21L, 10L, 11L), r.order);
    r.scheduler.shutdown();
  }

  @Test
  void aFrameOfManyReadyRangesWakesTheIdleWorkerOnce() throws Exception {
    Recorder r = new Recorder();
    r.release.countDown(); // nothing holds the worker
    await().until(() -> r.scheduler.idleWorkers() == 1);
    ReadyRanges ready = new ReadyRanges();
    for (int i = 0; i < 100; i++) {
      ready.add(inbox(100 + i), i % 2 == 0 ? Turn.URGENT : Turn.REGULAR);
    }
    assertTrue(r.scheduler.submitAll(ready));
    await().until(() -> r.order.size() == 100);
    assertEquals(1, r.wakeups.getCount(), "one wake-up for a hundred ranges");
    await().until(() -> r.scheduler.idleWorkers() == 1);
    r.scheduler.shutdown();
    assertTrue(r.scheduler.awaitTermination(TimeUnit.SECONDS.toNanos(10)));
  }

  @Test
  void submittingWhileTheWorkerIsAwakeCostsNoWakeUp() throws Exception {
    Recorder r = new Recorder();
    await().until(() -> r.scheduler.idleWorkers() == 1);
    r.holdTheWorker(); // one wake-up: the worker was waiting
    assertEquals(1, r.wakeups.getCount());
    for (int i = 0; i < 50; i++) {
      assertTrue(r.scheduler.submit(inbox(200 + i), Turn.URGENT));
    }
    assertEquals(1, r.wakeups.getCount(), "the worker is awake: no notify per submitted range");
    r.release.countDown();
    await().until(() -> r.order.size() == 51);
    assertEquals(1, r.wakeups.getCount(), "it drains them all without waiting in between");
    r.scheduler.shutdown();
  }

  @Test
  void anInboxHoldsNoQueueUntilAMessageComesAndDropsItAfterABurst() {
    RangeInbox inbox = inbox(12);
    assertTrue(inbox.holdsNoQueues(), "a range that got no envelope holds no queue");
    synchronized (inbox) {
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.control(12), NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(1, inbox.takeBatch(10).size());
    }
    assertFalse(inbox.holdsNoQueues(), "a small queue is kept for the next heartbeat");
    synchronized (inbox) {
      for (int i = 0; i <= RangeInbox.KEEP_QUEUE_UP_TO; i++) {
        assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.control(12), NOWHERE, 0), ReceiverLimits.defaults()));
        assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(12), NOWHERE, 0), ReceiverLimits.defaults()));
      }
      assertEquals(2 * (RangeInbox.KEEP_QUEUE_UP_TO + 1), inbox.takeBatch(Integer.MAX_VALUE).size());
    }
    assertTrue(inbox.holdsNoQueues(), "after a burst both queues are let go");
  }

  @Test
  void elasticWorkKeepsABoundedShareWhileRegularWorkGoesFirst() throws Exception {
    Recorder r = new Recorder();
    r.holdTheWorker();
    int n = RunQueue.REGULAR_TURNS_PER_ELASTIC;
    for (int i = 0; i < 3; i++) {
      r.scheduler.submit(inbox(1000 + i), Turn.ELASTIC);
    }
    for (int i = 0; i < 2 * n + 1; i++) {
      r.scheduler.submit(inbox(100 + i), Turn.REGULAR);
    }
    r.release.countDown();
    await().until(() -> r.order.size() == 1 + 3 + 2 * n + 1);
    List<Long> expected = new ArrayList<>(List.of(1L));
    for (int i = 0; i < n; i++) {
      expected.add(100L + i);
    }
    expected.add(1000L); // after n regular turns, one elastic
    for (int i = n; i < 2 * n; i++) {
      expected.add(100L + i);
    }
    expected.add(1001L);
    expected.add(100L + 2L * n);
    expected.add(1002L); // regular is done: elastic has the workers
    assertEquals(expected, r.order);
    r.scheduler.shutdown();
  }

  @Test
  void aRangeWaitingForAppendsJoinsTheUrgentQueueWhenControlArrives() {
    RangeInbox inbox = inbox(7);
    synchronized (inbox) {
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(7), NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(Turn.REGULAR, inbox.toSchedule(), "a regular append: the regular queue");
      assertNull(inbox.toSchedule(), "queued already");
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.control(7), NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(Turn.URGENT, inbox.toSchedule(), "a heartbeat came: the urgent queue too");
    }
    assertTrue(inbox.claim(Turn.URGENT), "the urgent entry delivers");
    synchronized (inbox) {
      assertNull(inbox.toSchedule(), "running: its worker reschedules");
    }
    assertFalse(inbox.claim(Turn.REGULAR), "the stale regular entry is skipped");
  }

  @Test
  void anElasticRangeMovesToTheRegularQueueWhenARegularAppendArrives() {
    RangeInbox inbox = inbox(8);
    synchronized (inbox) {
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(8, Priority.ELASTIC), NOWHERE, 0),
          ReceiverLimits.defaults()));
      assertEquals(Turn.ELASTIC, inbox.toSchedule(), "elastic work only: the elastic queue");
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(8, Priority.REGULAR), NOWHERE, 0),
          ReceiverLimits.defaults()));
      assertEquals(Turn.REGULAR, inbox.toSchedule(), "a regular append behind it: the regular queue too");
      assertNull(inbox.toSchedule());
    }
    assertTrue(inbox.claim(Turn.REGULAR));
    List<InboundMessage> batch;
    synchronized (inbox) {
      batch = inbox.takeBatch(10);
    }
    assertEquals(2, batch.size(), "the range's log order is kept: elastic first, then regular");
    assertEquals(Priority.ELASTIC, batch.get(0).envelope.priority());
    assertNull(inbox.finishRound(), "nothing left");
    assertFalse(inbox.claim(Turn.ELASTIC), "the stale elastic entry is skipped");
  }

  @Test
  void elasticAppendsMayHoldOnlyTheirShareOfTheReceiveBudget() {
    ByteBudget shared = ByteBudget.root("receiver.append", () -> Long.MAX_VALUE);
    ByteBudget elastic = ByteBudget.root("receiver.elastic", () -> 3 * GrpcEnvelopes.append(9).sizeBytes());
    RangeInbox inbox = new RangeInbox(RangeId.of(9), (r, batch) -> {},
        ByteBudget.root("control", () -> Long.MAX_VALUE), shared.child("9.append", () -> Long.MAX_VALUE), elastic,
        ByteBudget.root("control.elastic", () -> Long.MAX_VALUE));
    synchronized (inbox) {
      for (int i = 0; i < 3; i++) {
        assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(9, Priority.ELASTIC), NOWHERE, 0),
            ReceiverLimits.defaults()));
      }
      assertEquals(DropReason.RECEIVER_BUDGET, inbox.offer(
          new InboundMessage(GrpcEnvelopes.append(9, Priority.ELASTIC), NOWHERE, 0), ReceiverLimits.defaults()));
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.append(9, Priority.REGULAR), NOWHERE, 0),
          ReceiverLimits.defaults()), "regular appends still find room");
      inbox.takeBatch(10);
    }
    assertEquals(0, elastic.usedBytes(), "the elastic share is released with the batch");
    assertEquals(0, shared.usedBytes());
  }

  @Test
  void elasticControlMayHoldOnlyItsShareOfTheControlBudgetSoResponsesStillFit() {
    long size = GrpcEnvelopes.control(4).sizeBytes();
    ByteBudget control = ByteBudget.root("receiver.control", () -> 4 * size);
    ByteBudget elasticControl = ByteBudget.root("receiver.control.elastic", () -> 2 * size);
    RangeInbox inbox = new RangeInbox(RangeId.of(4), (r, batch) -> {}, control.child("4.control", () -> Long.MAX_VALUE),
        ByteBudget.root("append", () -> Long.MAX_VALUE), ByteBudget.root("elastic", () -> Long.MAX_VALUE),
        elasticControl);
    RaftEnvelope heartbeat = GrpcEnvelopes.control(4).toBuilder().priority(Priority.ELASTIC).build();
    synchronized (inbox) {
      assertNull(inbox.offer(new InboundMessage(heartbeat, NOWHERE, 0), ReceiverLimits.defaults()));
      assertNull(inbox.offer(new InboundMessage(heartbeat, NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(DropReason.RECEIVER_BUDGET, inbox.offer(new InboundMessage(heartbeat, NOWHERE, 0),
          ReceiverLimits.defaults()), "idle heartbeats hold their share only");
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.control(4), NOWHERE, 0), ReceiverLimits.defaults()),
          "a response finds the rest");
      assertNull(inbox.offer(new InboundMessage(GrpcEnvelopes.control(4), NOWHERE, 0), ReceiverLimits.defaults()));
      assertEquals(4, inbox.takeBatch(0).size());
    }
    assertEquals(0, elasticControl.usedBytes(), "released with the batch");
    assertEquals(0, control.usedBytes());
  }
}
