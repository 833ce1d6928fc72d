package io.raftwire.admission.credits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CreditControllerTest {
  private static final long KiB = 1024;
  private static final RangeId R1 = RangeId.of(1);
  private static final RangeId R2 = RangeId.of(2);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final Priority REGULAR = Priority.REGULAR;
  private static final Priority ELASTIC = Priority.ELASTIC;

  private long now;
  private final List<Long> waits = new CopyOnWriteArrayList<>();
  private final CreditController credits =
      new CreditController(
          AdmissionConfig.builder().regularCreditBytes(1024 * KiB).elasticCreditBytes(512 * KiB).build(),
          () -> now,
          (priority, nanos) -> waits.add(nanos));

  @AfterEach
  void nothingUnaccounted() {
    assertEquals(0, credits.unaccountedBytes(), "credits leaked or were returned twice");
  }

  @Test
  void slowFollowerMakesProposalsWaitUntilItAdmits() {
    List<StoreId> followers = List.of(S2, S3);
    assertTrue(credits.admitProposal(R1, followers, REGULAR, 256 * KiB).isDone());
    for (long index = 1; index <= 4; index++) {
      credits.onAppendAccepted(R1, S2, REGULAR, index, 256 * KiB);
      credits.onAppendAccepted(R1, S3, REGULAR, index, 256 * KiB);
    }
    credits.onAdmitted(R1, S3, REGULAR, 4); // the fast follower admitted everything
    now = 5_000;
    CompletableFuture<Void> waiting = credits.admitProposal(R1, followers, REGULAR, 256 * KiB);
    assertFalse(waiting.isDone(), "S2 has no credits left");
    assertEquals(1, credits.stats(S2).waiters());
    assertEquals(1024 * KiB, credits.trackedBytes());

    now = 9_000;
    credits.onAdmitted(R1, S2, REGULAR, 1);
    assertTrue(waiting.isDone(), "credits returned: the proposal flows");
    assertEquals(List.of(0L, 4_000L), waits, "wait times observed");
    assertEquals(768 * KiB, credits.trackedBytes());
    credits.onAdmitted(R1, S2, REGULAR, 4);
    assertEquals(0, credits.trackedBytes());
    assertEquals(1024 * KiB, credits.stats(S2).regularAvailable());
  }

  @Test
  void elasticFloodCannotDelayRegularWork() {
    for (long index = 1; index <= 10; index++) {
      credits.onAppendAccepted(R1, S2, ELASTIC, index, 100 * KiB);
    }
    assertTrue(credits.stats(S2).elasticAvailable() < 0, "elastic credits in debt");
    assertTrue(credits.admitProposal(R2, List.of(S2), REGULAR, 64 * KiB).isDone(), "regular unaffected");
    assertFalse(credits.admitProposal(R2, List.of(S2), ELASTIC, 64 * KiB).isDone(), "elastic waits");
    credits.onLeadershipLost(R1);
  }

  @Test
  void regularFloodStarvesElasticByDesign() {
    for (long index = 1; index <= 6; index++) {
      credits.onAppendAccepted(R1, S2, REGULAR, index, 100 * KiB);
    }
    CreditStats stats = credits.stats(S2);
    assertTrue(stats.regularAvailable() > 0 && stats.elasticAvailable() <= 0, stats.toString());
    assertTrue(credits.admitProposal(R1, List.of(S2), REGULAR, 1).isDone());
    assertFalse(credits.admitProposal(R1, List.of(S2), ELASTIC, 1).isDone());
    credits.onAdmitted(R1, S2, REGULAR, 6);
  }

  @Test
  void waitersWakeInPriorityThenArrivalOrder() {
    credits.onAppendAccepted(R1, S2, REGULAR, 1, 1024 * KiB);
    List<String> order = new ArrayList<>();
    var unusedelastic1 = credits.admitProposal(R1, List.of(S2), ELASTIC, 1).thenRun(() -> order.add("elastic-1"));
    var unusedregular1 = credits.admitProposal(R1, List.of(S2), REGULAR, 1).thenRun(() -> order.add("regular-1"));
    var unusedelastic2 = credits.admitProposal(R1, List.of(S2), ELASTIC, 1).thenRun(() -> order.add("elastic-2"));
    var unusedregular2 = credits.admitProposal(R1, List.of(S2), REGULAR, 1).thenRun(() -> order.add("regular-2"));
    assertEquals(List.of(), order);
    credits.onAdmitted(R1, S2, REGULAR, 1);
    assertEquals(List.of("regular-1", "regular-2", "elastic-1", "elastic-2"), order);
  }

  @Test
  void aLargeEntryMayTakeTheStreamIntoDebtButCannotDeadlock() {
    assertTrue(credits.admitProposal(R1, List.of(S2), REGULAR, 4096 * KiB).isDone());
    credits.onAppendAccepted(R1, S2, REGULAR, 1, 4096 * KiB);
    assertEquals(-3072 * KiB, credits.stats(S2).regularAvailable());
    CompletableFuture<Void> next = credits.admitProposal(R1, List.of(S2), REGULAR, 1);
    assertFalse(next.isDone());
    credits.onAdmitted(R1, S2, REGULAR, 1);
    assertTrue(next.isDone());
  }

  @Test
  void disconnectLeadershipLossAndRemovalReturnEveryCredit() {
    for (long index = 1; index <= 3; index++) {
      credits.onAppendAccepted(R1, S2, REGULAR, index, 100 * KiB);
      credits.onAppendAccepted(R2, S2, ELASTIC, index, 100 * KiB);
      credits.onAppendAccepted(R1, S3, REGULAR, index, 100 * KiB);
      credits.onAppendAccepted(R2, S3, REGULAR, index, 100 * KiB);
    }
    assertTrue(credits.hasOutstanding(S2));
    credits.onDisconnect(S2);
    assertFalse(credits.hasOutstanding(S2));
    assertEquals(1024 * KiB, credits.stats(S2).regularAvailable());
    assertEquals(512 * KiB, credits.stats(S2).elasticAvailable());
    credits.onAdmitted(R1, S2, REGULAR, 3); // a late notice finds nothing to return

    credits.onLeadershipLost(R1);
    assertEquals(300 * KiB, credits.trackedBytes(), "only r2 on s3 is left");
    credits.onReplicaRemoved(R2, S3);
    assertEquals(0, credits.trackedBytes());
    assertEquals(1024 * KiB, credits.stats(S3).regularAvailable());
  }

  @Test
  void aDroppedMessageReturnsExactlyItsOwnDeduction() {
    credits.onAppendAccepted(R1, S2, REGULAR, 1, 100 * KiB);
    credits.onAppendAccepted(R1, S2, REGULAR, 2, 100 * KiB);
    credits.onAppendAccepted(R1, S2, REGULAR, 2, 100 * KiB); // a retransmission of index 2
    credits.onDropped(R1, S2, REGULAR, 2, 100 * KiB);
    assertEquals(200 * KiB, credits.trackedBytes(), "one copy of index 2 returned");
    credits.onDropped(R1, S2, REGULAR, 7, 100 * KiB); // unknown: nothing happens
    credits.onAdmitted(R1, S2, REGULAR, 2);
    credits.onDropped(R1, S2, REGULAR, 1, 100 * KiB); // already returned by the notice
    assertEquals(0, credits.trackedBytes());
    assertEquals(1024 * KiB, credits.stats(S2).regularAvailable());
  }

  @Test
  void deductionsReturnInLogOrderAcrossManyWrapsAndDropsFromTheMiddle() {
    // Deductions are admitted a few at a time while more arrive, so the track's ring wraps and
    // grows many times; drops take single deductions out of its middle. A plain list is the model.
    List<long[]> model = new ArrayList<>();
    long next = 1;
    for (int step = 0; step < 100; step++) {
      for (int i = 0; i < 5; i++) {
        credits.onAppendAccepted(R1, S2, REGULAR, next, next);
        model.add(new long[] {next, next});
        next++;
      }
      long[] middle = model.get(model.size() / 2);
      credits.onDropped(R1, S2, REGULAR, middle[0], middle[1]);
      credits.onDropped(R1, S2, REGULAR, middle[0], middle[1]); // already returned: nothing happens
      model.remove(middle);
      long through = next - 4; // the last few stay outstanding
      credits.onAdmitted(R1, S2, REGULAR, through);
      model.removeIf(d -> d[0] <= through);
      assertEquals(model.stream().mapToLong(d -> d[1]).sum(), credits.trackedBytes(), "after step " + step);
    }
    credits.onAdmitted(R1, S2, REGULAR, next);
    assertEquals(0, credits.trackedBytes());
    assertEquals(1024 * KiB, credits.stats(S2).regularAvailable());
  }

  @Test
  void returningTokensTwiceFailsLoudly() {
    FlowTokens tokens = new FlowTokens(S2, 100, 50);
    tokens.deduct(REGULAR, 10);
    tokens.giveBack(REGULAR, 10);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> tokens.giveBack(REGULAR, 10));
    assertTrue(e.getMessage().contains("returned twice"), e.getMessage());
  }

  @Test
  void cancelledProposalsStopWaitingAndCloseFailsTheRest() {
    credits.onAppendAccepted(R1, S2, REGULAR, 1, 1024 * KiB);
    CompletableFuture<Void> cancelled = credits.admitProposal(R1, List.of(S2), REGULAR, 1);
    CompletableFuture<Void> pending = credits.admitProposal(R1, List.of(S2), REGULAR, 1);
    assertEquals(2, credits.stats(S2).waiters());
    cancelled.cancel(false);
    assertEquals(1, credits.stats(S2).waiters());

    credits.close();
    CompletionException e = assertThrows(CompletionException.class, pending::join);
    assertTrue(e.getCause() instanceof IllegalStateException);
    assertEquals(1024 * KiB, credits.stats(S2).regularAvailable(), "close returned everything");
    assertTrue(credits.admitProposal(R1, List.of(S2), REGULAR, 1).isCompletedExceptionally());
  }

  @Test
  void proposalsWaitForEveryFollowerStream() {
    credits.onAppendAccepted(R1, S2, REGULAR, 1, 1024 * KiB);
    credits.onAppendAccepted(R1, S3, REGULAR, 1, 1024 * KiB);
    CompletableFuture<Void> waiting = credits.admitProposal(R1, List.of(S2, S3), REGULAR, 1);
    credits.onAdmitted(R1, S2, REGULAR, 1);
    assertFalse(waiting.isDone(), "s3 still has none");
    credits.onAdmitted(R1, S3, REGULAR, 1);
    assertTrue(waiting.isDone());
  }

  @Test
  void theLeakCheckSeesCreditsMissingFromAStreamThatNothingTracks() {
    CreditStats leaky = new CreditStats(S2, 1024 * KiB, 512 * KiB - 100, 1024 * KiB, 512 * KiB, 100, 0, 0, 0, 0);
    assertEquals(100, CreditController.unaccounted(List.of(leaky), 0), "100 bytes deducted, none tracked");
    assertEquals(0, CreditController.unaccounted(List.of(leaky), 100), "explained by a tracked deduction");
    assertEquals(-50, CreditController.unaccounted(List.of(leaky), 150), "tracked more than is missing: returned twice");
  }

  @Test
  void shrinkingTheWindowsBelowWhatIsInUseDrainsInsteadOfDropping() {
    for (long index = 1; index <= 3; index++) {
      credits.onAppendAccepted(R1, S2, REGULAR, index, 256 * KiB);
    }
    credits.updateWindows(io.raftwire.admission.CreditWindows.of(512 * KiB, 256 * KiB));
    CreditStats shrunk = credits.stats(S2);
    assertEquals(512 * KiB, shrunk.regularLimit());
    assertEquals(-256 * KiB, shrunk.regularAvailable(), "what is in use stays in use: the stream is in debt");
    assertEquals(768 * KiB, credits.trackedBytes(), "nothing sent was returned early");
    CompletableFuture<Void> waiting = credits.admitProposal(R1, List.of(S2), REGULAR, 1);
    assertFalse(waiting.isDone(), "proposals wait until the debt is paid");
    credits.onAdmitted(R1, S2, REGULAR, 1);
    assertFalse(waiting.isDone(), "still 0 credits");
    credits.onAdmitted(R1, S2, REGULAR, 2);
    assertTrue(waiting.isDone());
    credits.onAdmitted(R1, S2, REGULAR, 3);
    assertEquals(512 * KiB, credits.stats(S2).regularAvailable(), "every return lands within the new limit");
    assertEquals(256 * KiB, credits.stats(S3).elasticLimit(), "a stream used later starts with the new windows");
  }

  @Test
  void growingTheWindowsLetsWaitingProposalsProceedAtOnce() {
    credits.onAppendAccepted(R1, S2, ELASTIC, 1, 512 * KiB);
    CompletableFuture<Void> waiting = credits.admitProposal(R1, List.of(S2), ELASTIC, 1);
    assertFalse(waiting.isDone());
    credits.updateWindows(io.raftwire.admission.CreditWindows.of(2048 * KiB, 1024 * KiB));
    assertTrue(waiting.isDone(), "the larger window has room");
    assertEquals(1, credits.stats(S2).elasticWaits());
    credits.onAdmitted(R1, S2, ELASTIC, 1);
    assertEquals(1024 * KiB, credits.stats(S2).elasticAvailable());
  }
}
