package io.raftwire.admission.credits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The controller's indexes by destination store and by range: a disconnect returns exactly that
 * store's credits, a leadership loss exactly that range's, a replica removal exactly that pair's,
 * and {@code hasOutstanding} answers from the index, checked against a plain model after every step
 * of a seeded mix of operations.
 */
class CreditIndexTest {
  private static final long KiB = 1024;
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final StoreId S4 = StoreId.of(4);
  private static final List<StoreId> STORES = List.of(S2, S3, S4);
  private static final Priority[] PRIORITIES = Priority.values();

  private final CreditController credits =
      new CreditController(
          AdmissionConfig.builder().regularCreditBytes(1024 * KiB).elasticCreditBytes(512 * KiB).build(),
          () -> 0L,
          (priority, nanos) -> {});

  /** What the controller should hold: every deduction not yet returned. */
  private final List<Deduction> model = new ArrayList<>();

  private record Deduction(RangeId range, StoreId store, Priority priority, long lastIndex, long bytes) {}

  @AfterEach
  void consistent() {
    assertEquals(0, credits.unaccountedBytes(), "credits leaked or were returned twice");
    assertEquals("", credits.indexProblems());
  }

  private void accept(RangeId range, StoreId store, Priority priority, long lastIndex, long bytes) {
    credits.onAppendAccepted(range, store, priority, lastIndex, bytes);
    model.add(new Deduction(range, store, priority, lastIndex, bytes));
  }

  private long modelBytes(Predicate<Deduction> which) {
    return model.stream().filter(which).mapToLong(Deduction::bytes).sum();
  }

  private long elasticMissing(StoreId store) {
    CreditStats stats = credits.stats(store);
    return stats.elasticLimit() - stats.elasticAvailable();
  }

  private long regularMissing(StoreId store) {
    CreditStats stats = credits.stats(store);
    return stats.regularLimit() - stats.regularAvailable();
  }

  /** Every stream lacks exactly what the model says is deducted for it, and nothing else is tracked. */
  private void matchesModel(String after) {
    assertEquals(modelBytes(d -> true), credits.trackedBytes(), after);
    for (StoreId store : STORES) {
      assertEquals(modelBytes(d -> d.store().equals(store)), elasticMissing(store), after + ": " + store);
      assertEquals(modelBytes(d -> d.store().equals(store) && d.priority() == Priority.REGULAR),
          regularMissing(store), after + ": regular of " + store);
      assertEquals(model.stream().anyMatch(d -> d.store().equals(store)), credits.hasOutstanding(store),
          after + ": hasOutstanding(" + store + ")");
    }
    assertEquals("", credits.indexProblems(), after);
  }

  /** Ten ranges, each with deductions on every store at both priorities. */
  private void fill() {
    for (long r = 1; r <= 10; r++) {
      for (StoreId store : STORES) {
        for (long index = 1; index <= 3; index++) {
          accept(RangeId.of(r), store, index % 2 == 0 ? Priority.ELASTIC : Priority.REGULAR, index, r * KiB);
        }
      }
    }
    matchesModel("filled");
  }

  @Test
  void aDisconnectReturnsExactlyThatStoresCreditsOverAllRanges() {
    fill();
    credits.onDisconnect(S3);
    model.removeIf(d -> d.store().equals(S3));
    matchesModel("S3 disconnected");
    assertFalse(credits.hasOutstanding(S3));
    assertTrue(credits.hasOutstanding(S2) && credits.hasOutstanding(S4));
    assertEquals(0, elasticMissing(S3), "all of S3's credits are back");

    credits.onAdmitted(RangeId.of(4), S3, Priority.REGULAR, 3); // late: nothing to return
    credits.onDisconnect(S3); // again: nothing to return
    matchesModel("late notices for S3");

    accept(RangeId.of(4), S3, Priority.REGULAR, 4, KiB);
    assertTrue(credits.hasOutstanding(S3), "a new deduction after the reconnect is tracked again");
    matchesModel("S3 used again");
  }

  @Test
  void aLeadershipLossReturnsExactlyThatRangesCreditsOnEveryStream() {
    fill();
    RangeId lost = RangeId.of(7);
    credits.onLeadershipLost(lost);
    model.removeIf(d -> d.range().equals(lost));
    matchesModel("range 7 lost");

    credits.onAdmitted(lost, S2, Priority.REGULAR, 3); // late notice: ignored
    matchesModel("late notice for range 7");
    credits.onAdmitted(RangeId.of(6), S2, Priority.REGULAR, 3);
    model.removeIf(d -> d.range().equals(RangeId.of(6)) && d.store().equals(S2) && d.priority() == Priority.REGULAR);
    matchesModel("range 6 admitted on S2");
  }

  @Test
  void aReplicaRemovalReturnsExactlyThatPairsCredits() {
    fill();
    credits.onReplicaRemoved(RangeId.of(3), S4);
    model.removeIf(d -> d.range().equals(RangeId.of(3)) && d.store().equals(S4));
    matchesModel("S4 removed from range 3");
    assertTrue(credits.hasOutstanding(S4), "other ranges still wait on S4");
  }

  @Test
  void hasOutstandingFollowsTheLastDeductionOfAStoreAcrossRangesAndPriorities() {
    assertFalse(credits.hasOutstanding(S2));
    accept(RangeId.of(1), S2, Priority.REGULAR, 1, KiB);
    accept(RangeId.of(2), S2, Priority.ELASTIC, 5, KiB);
    credits.onAdmitted(RangeId.of(1), S2, Priority.REGULAR, 1);
    assertTrue(credits.hasOutstanding(S2), "range 2's elastic deduction still waits");
    credits.onDropped(RangeId.of(2), S2, Priority.ELASTIC, 5, KiB);
    assertFalse(credits.hasOutstanding(S2), "the last one returned by its drop");
    model.clear();
    matchesModel("all returned");
  }

  @Test
  void theIndexesMatchAModelThroughASeededMixOfOperations() {
    Random random = new Random(20);
    long[] nextIndex = new long[8 * STORES.size() * PRIORITIES.length];
    for (int step = 0; step < 5_000; step++) {
      RangeId range = RangeId.of(1 + random.nextInt(8));
      int s = random.nextInt(STORES.size());
      StoreId store = STORES.get(s);
      int p = random.nextInt(PRIORITIES.length);
      Priority priority = PRIORITIES[p];
      int slot = (((int) range.value() - 1) * STORES.size() + s) * PRIORITIES.length + p;
      int op = random.nextInt(100);
      String what;
      if (op < 50) {
        long index = ++nextIndex[slot];
        long bytes = 1L + random.nextInt(4 * (int) KiB);
        accept(range, store, priority, index, bytes);
        what = "accept " + range + " " + store + " " + priority + " " + index;
      } else if (op < 75) {
        long upTo = nextIndex[slot] - random.nextInt(3);
        credits.onAdmitted(range, store, priority, upTo);
        model.removeIf(d -> d.range().equals(range) && d.store().equals(store) && d.priority() == priority
            && d.lastIndex() <= upTo);
        what = "admitted " + range + " " + store + " " + priority + " " + upTo;
      } else if (op < 85) {
        Deduction victim = null;
        for (Deduction d : model) {
          if (d.range().equals(range) && d.store().equals(store) && d.priority() == priority) {
            victim = d;
          }
        }
        if (victim == null) {
          continue;
        }
        credits.onDropped(range, store, priority, victim.lastIndex(), victim.bytes());
        model.remove(victim);
        what = "dropped " + victim;
      } else if (op < 90) {
        credits.onDisconnect(store);
        model.removeIf(d -> d.store().equals(store));
        what = "disconnect " + store;
      } else if (op < 96) {
        credits.onLeadershipLost(range);
        model.removeIf(d -> d.range().equals(range));
        what = "leadership lost " + range;
      } else {
        credits.onReplicaRemoved(range, store);
        model.removeIf(d -> d.range().equals(range) && d.store().equals(store));
        what = "replica removed " + range + " " + store;
      }
      matchesModel("step " + step + " (" + what + ")");
    }
    credits.close();
    model.clear();
    matchesModel("closed");
  }
}
