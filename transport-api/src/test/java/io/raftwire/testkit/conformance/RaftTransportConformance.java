package io.raftwire.testkit.conformance;

import static io.raftwire.testkit.conformance.Probe.envelope;
import static io.raftwire.testkit.conformance.Probe.seq;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.SeedReporter;
import io.raftwire.testkit.conformance.Probe.Drops;
import io.raftwire.testkit.conformance.Probe.Inbox;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conformance suite of {@link RaftTransport}. Extend it and implement {@link #newHarness()};
 * every test then runs against your transport.
 */
@ExtendWith(SeedReporter.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class RaftTransportConformance {
  protected static final StoreId S1 = StoreId.of(1);
  protected static final StoreId S2 = StoreId.of(2);
  protected static final StoreId S3 = StoreId.of(3);

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Small budgets, so that saturating them is quick. */
  protected static final TransportLimits SMALL =
      TransportLimits.builder()
          .controlLaneBytes(64 * 1024)
          .appendLaneBytes(256 * 1024)
          .snapshotLaneBytes(256 * 1024)
          .globalQueueBytes(1024 * 1024)
          .maxMessageBytes(64 * 1024)
          .build();

  private TransportHarness harness;

  /** A new harness for one test. */
  protected abstract TransportHarness newHarness();

  @BeforeEach
  void startHarness() {
    harness = newHarness();
  }

  @AfterEach
  void closeHarness() {
    harness.close();
  }

  /** The harness of the running test. */
  protected TransportHarness harness() {
    return harness;
  }

  /**
   * s1 sending to s2 (both with {@link #SMALL} limits), whose handler of range 1 is blocked inside
   * the delivery of a first APPEND; s1's drop reports are recorded.
   */
  private final class Blocked {
    final RaftTransport a = harness.start(S1, SMALL);
    final RaftTransport b = harness.start(S2, SMALL);
    final Drops drops = new Drops();
    final Inbox r1 = Inbox.blockingOnFirstAppend();
    final Registration registration;

    Blocked(int firstAppendBytes) {
      a.addDropListener(drops);
      registration = b.register(RangeId.of(1), r1);
      assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.APPEND, 0, firstAppendBytes)).isAccepted());
      await().atMost(WAIT).until(() -> r1.blocked.getCount() == 0);
    }
  }

  @Test
  void deliversEachMessageIntactToTheHandlerOfItsRange() {
    RaftTransport a = harness.start(S1, TransportLimits.defaults());
    RaftTransport b = harness.start(S2, TransportLimits.defaults());
    Inbox r1 = new Inbox();
    Inbox r2 = new Inbox();
    b.register(RangeId.of(1), r1);
    b.register(RangeId.of(2), r2);

    List<RaftEnvelope> toR1 = new ArrayList<>();
    List<RaftEnvelope> toR2 = new ArrayList<>();
    TrafficClass[] classes = TrafficClass.values();
    for (int i = 0; i < 30; i++) {
      RaftEnvelope e1 = envelope(S1, S2, 1, classes[i % 3], i, 100 + i);
      RaftEnvelope e2 = envelope(S1, S2, 2, classes[(i + 1) % 3], 1000 + i, 7 * i);
      assertTrue(a.send(e1).isAccepted());
      assertTrue(a.send(e2).isAccepted());
      toR1.add(e1);
      toR2.add(e2);
    }
    await().atMost(WAIT).until(() -> r1.received.size() == 30 && r2.received.size() == 30);
    assertEquals(new HashSet<>(toR1), new HashSet<>(r1.received), "r1 got exactly r1's messages");
    assertEquals(new HashSet<>(toR2), new HashSet<>(r2.received), "r2 got exactly r2's messages");
  }

  @Test
  void keepsPerRangeFifoWithinEachLane() {
    RaftTransport a = harness.start(S1, TransportLimits.defaults());
    RaftTransport b = harness.start(S2, TransportLimits.defaults());
    RaftTransport c = harness.start(S3, TransportLimits.defaults());
    int ranges = 8;
    int perLane = 300;
    Map<Long, Inbox> inboxes = new HashMap<>();
    for (long r = 1; r <= ranges; r++) {
      Inbox inbox = new Inbox();
      inboxes.put(r, inbox);
      b.register(RangeId.of(r), inbox);
    }
    CompletableFuture<?> fromA = CompletableFuture.runAsync(() -> sendLanes(a, ranges, perLane));
    CompletableFuture<?> fromC = CompletableFuture.runAsync(() -> sendLanes(c, ranges, perLane));
    fromA.join();
    fromC.join();
    await()
        .atMost(WAIT)
        .until(() -> inboxes.values().stream().allMatch(i -> i.received.size() == 4 * perLane));
    for (Map.Entry<Long, Inbox> entry : inboxes.entrySet()) {
      for (StoreId sender : List.of(S1, S3)) {
        for (TrafficClass lane : List.of(TrafficClass.CONTROL, TrafficClass.APPEND)) {
          List<Long> seqs = new ArrayList<>();
          for (RaftEnvelope e : entry.getValue().received) {
            if (e.trafficClass() == lane && e.from().store().equals(sender)) {
              seqs.add(seq(e));
            }
          }
          List<Long> expected = new ArrayList<>();
          for (long s = 0; s < perLane; s++) {
            expected.add(s);
          }
          assertEquals(expected, seqs, "r" + entry.getKey() + " " + lane + " from " + sender);
        }
      }
    }
  }

  private static void sendLanes(RaftTransport from, int ranges, int perLane) {
    for (int s = 0; s < perLane; s++) {
      for (long r = 1; r <= ranges; r++) {
        for (TrafficClass lane : List.of(TrafficClass.APPEND, TrafficClass.CONTROL)) {
          SendResult result = from.send(envelope(from.localStore(), S2, r, lane, s, 64));
          assertTrue(result.isAccepted(), () -> "refused " + result);
        }
      }
    }
  }

  @Test
  void deliversSeriallyPerRangeWithHappensBefore() {
    RaftTransport a = harness.start(S1, TransportLimits.defaults());
    RaftTransport b = harness.start(S2, TransportLimits.defaults());
    RaftTransport c = harness.start(S3, TransportLimits.defaults());
    int ranges = 4;
    int perSender = 1500;
    AtomicInteger overlaps = new AtomicInteger();
    AtomicLong delivered = new AtomicLong();
    long[] plainCounts = new long[ranges + 1]; // deliberately unsynchronized: relies on the contract
    for (int r = 1; r <= ranges; r++) {
      int range = r;
      AtomicInteger inside = new AtomicInteger();
      b.register(
          RangeId.of(r),
          (rangeId, batch) -> {
            if (inside.incrementAndGet() != 1) {
              overlaps.incrementAndGet();
            }
            plainCounts[range] += batch.size();
            LockSupport.parkNanos(1_000); // widen the window in which a second call would overlap
            inside.decrementAndGet();
            delivered.addAndGet(batch.size());
          });
    }
    Runnable sendA = () -> sendSpread(a, ranges, perSender);
    Runnable sendC = () -> sendSpread(c, ranges, perSender);
    CompletableFuture.allOf(CompletableFuture.runAsync(sendA), CompletableFuture.runAsync(sendC))
        .join();
    await().atMost(WAIT).until(() -> delivered.get() == 2L * perSender);
    assertEquals(0, overlaps.get(), "two deliveries for one range ran at once");
    long sum = 0;
    for (int r = 1; r <= ranges; r++) {
      sum += plainCounts[r];
    }
    assertEquals(2L * perSender, sum, "a delivery did not see the previous one's writes");
  }

  private static void sendSpread(RaftTransport from, int ranges, int count) {
    for (int i = 0; i < count; i++) {
      TrafficClass lane = i % 3 == 0 ? TrafficClass.CONTROL : TrafficClass.APPEND;
      SendResult result = from.send(envelope(from.localStore(), S2, 1 + i % ranges, lane, i, 32));
      assertTrue(result.isAccepted(), () -> "refused " + result);
    }
  }

  @Test
  void deliversControlWhileAppendsAreSaturated() {
    Blocked blocked = new Blocked(1024);
    RaftTransport a = blocked.a;
    Drops drops = blocked.drops;
    Inbox r1 = blocked.r1;
    Inbox r2 = new Inbox();
    blocked.b.register(RangeId.of(2), r2);
    int refused = saturateAppends(a, drops, 1, 4096);
    assertTrue(refused > 0 || drops.afterAcceptance() > 0, "appends never saturated");

    SendResult controlToBlockedRange = a.send(envelope(S1, S2, 1, TrafficClass.CONTROL, 1, 64));
    assertTrue(controlToBlockedRange.isAccepted(), "CONTROL refused: " + controlToBlockedRange);
    assertTrue(a.send(envelope(S1, S2, 2, TrafficClass.CONTROL, 2, 64)).isAccepted());
    await()
        .atMost(WAIT)
        .until(() -> r2.seqs(TrafficClass.CONTROL).contains(2L));

    int before = r1.batches.size();
    r1.release();
    await().atMost(WAIT).until(() -> r1.seqs(TrafficClass.CONTROL).contains(1L));
    List<RaftEnvelope> firstAfterRelease = new ArrayList<>(r1.batches).get(before);
    assertEquals(TrafficClass.CONTROL, firstAfterRelease.get(0).trafficClass(),
        "queued CONTROL must be delivered before queued appends, got " + firstAfterRelease);
  }

  /** Sends APPENDs of {@code bytes} to {@code range} until refused or dropped; returns refusals. */
  private int saturateAppends(RaftTransport from, Drops drops, long range, int bytes) {
    long bound = harness.maxBufferedBytes(from.limits());
    long attempts = 4 * bound / bytes + 16;
    int refused = 0;
    for (long seq = 100; seq < 100 + attempts && refused == 0; seq++) {
      SendResult result = from.send(envelope(from.localStore(), S2, range, TrafficClass.APPEND, seq, bytes));
      if (!result.isAccepted()) {
        refused++;
      }
    }
    if (refused == 0) {
      await().atMost(WAIT).until(() -> drops.afterAcceptance() > 0);
    }
    return refused;
  }

  @Test
  void refusesBadSendsWithTypedReasonsAndTellsTheListener() {
    RaftTransport a = harness.start(S1, SMALL);
    harness.start(S2, SMALL);
    Drops drops = new Drops();
    a.addDropListener(drops);

    RaftEnvelope tooLarge = envelope(S1, S2, 1, TrafficClass.APPEND, 1, 65 * 1024);
    assertEquals(SendResult.refused(DropReason.TOO_LARGE).reason(), a.send(tooLarge).reason());
    RaftEnvelope wrongSource = envelope(S3, S2, 1, TrafficClass.CONTROL, 2, 10);
    assertEquals(Optional.of(DropReason.WRONG_SOURCE), a.send(wrongSource).reason());

    await().atMost(WAIT).until(() -> drops.reports.size() == 2);
    for (DroppedMessage report : drops.reports) {
      assertFalse(report.acceptedBySend(), "refusals are reported as not accepted: " + report);
    }
    assertEquals(
        Set.of(DropReason.TOO_LARGE, DropReason.WRONG_SOURCE),
        Set.of(drops.reports.stream().map(DroppedMessage::reason).toArray(DropReason[]::new)));

    StoreId nowhere = StoreId.of(99);
    assertFalse(a.isReachable(nowhere));
    RaftEnvelope lost = envelope(S1, nowhere, 1, TrafficClass.CONTROL, 3, 10);
    assertEquals(DropReason.UNREACHABLE, undeliveredReason(a, drops, lost));
  }

  /**
   * Sends {@code envelope}, which must not be delivered, and returns why: the refusal reason, or the
   * reason of its drop report if {@code send} accepted it.
   */
  private static DropReason undeliveredReason(RaftTransport from, Drops drops, RaftEnvelope envelope) {
    SendResult result = from.send(envelope);
    if (!result.isAccepted()) {
      return result.reason().orElseThrow();
    }
    await().atMost(WAIT).until(() -> drops.reports.stream().anyMatch(d -> d.acceptedBySend() && d.envelope().orElseThrow().equals(envelope)));
    return drops.reports.stream()
        .filter(d -> d.acceptedBySend() && d.envelope().orElseThrow().equals(envelope))
        .findFirst()
        .orElseThrow()
        .reason();
  }

  @Test
  void boundsWhatIsBufferedForABlockedReceiverAndAccountsForEveryMessage() {
    Blocked blocked = new Blocked(1024);
    RaftTransport a = blocked.a;
    Drops drops = blocked.drops;
    Inbox r1 = blocked.r1;

    long bound = harness.maxBufferedBytes(SMALL);
    int size = 8 * 1024;
    long count = 8 * bound / size;
    Set<Long> refused = new HashSet<>();
    Set<DropReason> refusalReasons = EnumSet.noneOf(DropReason.class);
    for (long seq = 1; seq <= count; seq++) {
      SendResult result = a.send(envelope(S1, S2, 1, TrafficClass.APPEND, seq, size));
      if (!result.isAccepted()) {
        refused.add(seq);
        refusalReasons.add(result.reason().orElseThrow());
      }
    }
    assertTrue(
        EnumSet.of(DropReason.LANE_BUDGET, DropReason.GLOBAL_BUDGET).containsAll(refusalReasons),
        "refusal reasons " + refusalReasons);
    r1.release();

    // Every message ends delivered, refused, or reported dropped: exactly one of them.
    await()
        .atMost(WAIT)
        .until(() -> r1.received.size() + refused.size() + drops.afterAcceptance() == count + 1);
    Set<Long> fates = new HashSet<>(refused);
    long deliveredBytes = 0;
    for (RaftEnvelope e : r1.received) {
      assertTrue(fates.add(seq(e)), "message " + seq(e) + " has two fates");
      if (seq(e) != 0) {
        deliveredBytes += e.sizeBytes();
      }
    }
    for (DroppedMessage d : drops.reports) {
      if (d.acceptedBySend()) {
        // Past the transport's budget for notices a drop is reported without its message
        // (DroppedMessage.summaryOf): it still counts once in the total awaited above, but which
        // message it was cannot be told, so only notices that carry theirs are checked one by one.
        if (d.envelope().isPresent()) {
          long seq = seq(d.envelope().get());
          assertTrue(fates.add(seq), "message " + seq + " has two fates");
        }
        assertTrue(
            EnumSet.of(DropReason.RECEIVER_BUDGET, DropReason.LANE_BUDGET).contains(d.reason()),
            "unexpected drop reason " + d);
      }
    }
    assertTrue(
        deliveredBytes <= bound,
        "buffered " + deliveredBytes + " bytes for a blocked receiver, bound is " + bound);
    assertTrue(deliveredBytes < (count * size) / 2, "nothing was refused or dropped");
  }

  @Test
  void reportsMessagesQueuedForARangeThatIsUnregistered() {
    Blocked blocked = new Blocked(100);
    RaftTransport a = blocked.a;
    Drops drops = blocked.drops;
    Inbox r1 = blocked.r1;
    r1.onRelease = blocked.registration::close; // from inside the handler: this delivery is the last
    for (long seq = 1; seq <= 5; seq++) {
      assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.APPEND, seq, 100)).isAccepted());
    }
    r1.release();
    await().atMost(WAIT).until(() -> drops.afterAcceptance() == 5);
    for (DroppedMessage d : drops.reports) {
      assertEquals(DropReason.UNKNOWN_RANGE, d.reason(), d.toString());
    }
    assertEquals(List.of(0L), r1.seqs(TrafficClass.APPEND), "delivered after unregistration");
  }

  @Test
  void registrationCloseWaitsForTheDeliveryInProgress() {
    Blocked blocked = new Blocked(100);
    RaftTransport a = blocked.a;
    Inbox r1 = blocked.r1;
    Registration registration = blocked.registration;

    CompletableFuture<Void> closing = CompletableFuture.runAsync(registration::close);
    await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> !closing.isDone());
    r1.release();
    closing.join();
    int deliveries = r1.batches.size();

    Drops drops = blocked.drops;
    assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.CONTROL, 1, 10)).isAccepted());
    await().atMost(WAIT).until(() -> drops.afterAcceptance() == 1);
    assertEquals(DropReason.UNKNOWN_RANGE, drops.reports.peek().reason());
    assertEquals(deliveries, r1.batches.size(), "a delivery started after close returned");
    registration.close(); // idempotent
  }

  @Test
  void reportsMessagesForARangeNeverRegistered() {
    RaftTransport a = harness.start(S1, SMALL);
    harness.start(S2, SMALL);
    Drops drops = new Drops();
    a.addDropListener(drops);
    RaftEnvelope stray = envelope(S1, S2, 77, TrafficClass.APPEND, 1, 10);
    assertEquals(DropReason.UNKNOWN_RANGE, undeliveredReason(a, drops, stray));
  }

  @Test
  void handlerFailureIsReportedAndDeliveryContinues() {
    RaftTransport a = harness.start(S1, SMALL);
    RaftTransport b = harness.start(S2, SMALL);
    Drops drops = new Drops();
    a.addDropListener(drops);
    ConcurrentLinkedQueue<Long> delivered = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    b.register(
        RangeId.of(1),
        (range, batch) -> {
          if (calls.getAndIncrement() == 0) {
            throw new IllegalStateException("boom");
          }
          batch.forEach(e -> delivered.add(seq(e)));
        });
    assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.CONTROL, 0, 10)).isAccepted());
    await().atMost(WAIT).until(() -> drops.afterAcceptance() == 1);
    assertEquals(DropReason.HANDLER_FAILED, drops.reports.peek().reason());
    assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.CONTROL, 1, 10)).isAccepted());
    await().atMost(WAIT).until(() -> delivered.contains(1L));
  }

  @Test
  void failingDropListenerDoesNotStopReportsOrTraffic() {
    RaftTransport a = harness.start(S1, SMALL);
    RaftTransport b = harness.start(S2, SMALL);
    a.addDropListener(d -> {
      throw new IllegalStateException("listener bug");
    });
    Drops drops = new Drops();
    a.addDropListener(drops);
    Inbox inbox = new Inbox();
    b.register(RangeId.of(1), inbox);
    for (int i = 0; i < 3; i++) {
      assertFalse(a.send(envelope(S1, S2, 1, TrafficClass.APPEND, i, 65 * 1024)).isAccepted());
    }
    await().atMost(WAIT).until(() -> drops.reports.size() == 3);
    assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.APPEND, 9, 100)).isAccepted());
    await().atMost(WAIT).until(() -> inbox.seqs(TrafficClass.APPEND).contains(9L));
  }

  @Test
  void closeRefusesFurtherWorkAndReportsWhatWasQueued() {
    Blocked blocked = new Blocked(100);
    RaftTransport a = blocked.a;
    Drops drops = blocked.drops;
    Inbox r1 = blocked.r1;
    Set<Long> accepted = new HashSet<>();
    for (long seq = 1; seq <= 10; seq++) {
      if (a.send(envelope(S1, S2, 1, TrafficClass.APPEND, seq, 100)).isAccepted()) {
        accepted.add(seq);
      }
    }

    a.close();
    a.close(); // idempotent
    Set<Long> reported = new HashSet<>();
    for (DroppedMessage d : drops.reports) {
      assertTrue(
          EnumSet.of(DropReason.CLOSED, DropReason.UNREACHABLE).contains(d.reason()), d.toString());
      reported.add(seq(d.envelope().orElseThrow()));
    }
    assertEquals(SendResult.refused(DropReason.CLOSED), a.send(envelope(S1, S2, 1, TrafficClass.CONTROL, 99, 1)));
    assertThrows(IllegalStateException.class, () -> a.register(RangeId.of(5), new Inbox()));
    assertThrows(IllegalStateException.class, () -> a.addDropListener(new Drops()));

    r1.release();
    // Whatever close did not report must reach the receiver: nothing vanishes.
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Set<Long> fates = new HashSet<>(reported);
              fates.addAll(r1.seqs(TrafficClass.APPEND));
              return fates.containsAll(accepted);
            });
  }

  @Test
  void closedReceiverDeliversNothingMore() {
    RaftTransport a = harness.start(S1, SMALL);
    RaftTransport b = harness.start(S2, SMALL);
    Drops drops = new Drops();
    a.addDropListener(drops);
    Inbox inbox = new Inbox();
    b.register(RangeId.of(1), inbox);
    assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.CONTROL, 0, 10)).isAccepted());
    await().atMost(WAIT).until(() -> inbox.received.size() == 1);
    b.close();
    RaftEnvelope late = envelope(S1, S2, 1, TrafficClass.CONTROL, 1, 10);
    DropReason reason = undeliveredReason(a, drops, late);
    assertTrue(EnumSet.of(DropReason.CLOSED, DropReason.UNREACHABLE).contains(reason), reason.toString());
    await().atMost(WAIT).until(() -> !a.isReachable(S2));
    assertEquals(1, inbox.received.size(), "delivered after the receiver closed");
  }

  @Test
  void concurrentRegistrationAndSendingLoseNothing() throws Exception {
    RaftTransport a = harness.start(S1, TransportLimits.defaults());
    RaftTransport b = harness.start(S2, TransportLimits.defaults());
    Drops drops = new Drops();
    a.addDropListener(drops);
    int ranges = 8;
    AtomicLong delivered = new AtomicLong();
    AtomicInteger deliveredAfterClose = new AtomicInteger();
    Map<Long, Registration> live = new ConcurrentHashMap<>();
    Map<Long, AtomicBoolean> closedFlags = new ConcurrentHashMap<>();

    CompletableFuture<Void> churn =
        CompletableFuture.runAsync(
            () -> {
              Random random = new Random(42);
              for (int i = 0; i < 400; i++) {
                long r = 1L + random.nextInt(ranges);
                Registration existing = live.remove(r);
                if (existing != null) {
                  existing.close();
                  closedFlags.get(r).set(true); // from here on, this handler must not be called
                } else {
                  AtomicBoolean closed = new AtomicBoolean();
                  closedFlags.put(r, closed);
                  live.put(
                      r,
                      b.register(
                          RangeId.of(r),
                          (rangeId, batch) -> {
                            if (closed.get()) {
                              deliveredAfterClose.incrementAndGet();
                            }
                            delivered.addAndGet(batch.size());
                          }));
                }
              }
            });
    AtomicLong accepted = new AtomicLong();
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int thread = t;
      senders.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 1000; i++) {
                  TrafficClass lane = i % 2 == 0 ? TrafficClass.CONTROL : TrafficClass.APPEND;
                  RaftEnvelope e = envelope(S1, S2, 1 + (i + thread) % ranges, lane, i, 50);
                  if (a.send(e).isAccepted()) {
                    accepted.incrementAndGet();
                  }
                }
              }));
    }
    churn.get(60, TimeUnit.SECONDS);
    for (CompletableFuture<Void> sender : senders) {
      sender.get(60, TimeUnit.SECONDS);
    }
    await().atMost(WAIT).until(() -> delivered.get() + drops.afterAcceptance() == accepted.get());
    for (DroppedMessage d : drops.reports) {
      assertEquals(DropReason.UNKNOWN_RANGE, d.reason(), d.toString());
    }
    assertEquals(0, deliveredAfterClose.get(), "handler called after its registration closed");
  }

  @Test
  void appliesNewLimitsWithoutRestart() {
    RaftTransport a = harness.start(S1, SMALL);
    RaftTransport b = harness.start(S2, SMALL);
    Inbox inbox = new Inbox();
    b.register(RangeId.of(1), inbox);
    assertEquals(SMALL, a.limits());
    RaftEnvelope twoKib = envelope(S1, S2, 1, TrafficClass.APPEND, 1, 2048);
    assertTrue(a.send(twoKib).isAccepted());

    a.updateLimits(SMALL.toBuilder().maxMessageBytes(1024).build());
    assertEquals(1024, a.limits().maxMessageBytes());
    assertEquals(Optional.of(DropReason.TOO_LARGE), a.send(twoKib).reason());

    a.updateLimits(SMALL);
    assertTrue(a.send(envelope(S1, S2, 1, TrafficClass.APPEND, 2, 2048)).isAccepted());
    await().atMost(WAIT).until(() -> inbox.seqs(TrafficClass.APPEND).equals(List.of(1L, 2L)));
    assertThrows(NullPointerException.class, () -> a.updateLimits(null));
  }

  @Test
  void rejectsProgrammingErrors() {
    RaftTransport a = harness.start(S1, SMALL);
    a.register(RangeId.of(1), new Inbox());
    assertThrows(IllegalStateException.class, () -> a.register(RangeId.of(1), new Inbox()));
    assertThrows(NullPointerException.class, () -> a.send(null));
    assertThrows(NullPointerException.class, () -> a.register(RangeId.of(2), null));
    assertEquals(S1, a.localStore());
  }
}
