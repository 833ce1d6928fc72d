package io.raftwire.grpc.internal.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.topology.RangeId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler's weights, turn by turn, without threads or a clock. */
class RunQueueTest {

  private static RangeInbox inbox(long range) {
    ByteBudget unlimited = ByteBudget.root("test", () -> Long.MAX_VALUE);
    return new RangeInbox(RangeId.of(range), (r, batch) -> {}, unlimited.child("control", () -> Long.MAX_VALUE),
        unlimited.child("append", () -> Long.MAX_VALUE), ByteBudget.root("elastic", () -> Long.MAX_VALUE),
        ByteBudget.root("control.elastic", () -> Long.MAX_VALUE));
  }

  /** Serves {@code turns} turns, putting every served range back at once: each queue stays saturated. */
  private static List<Turn> serveSaturated(RunQueue queue, int turns) {
    List<Turn> served = new ArrayList<>();
    for (int i = 0; i < turns; i++) {
      Turn turn = queue.next();
      served.add(turn);
      queue.add(queue.take(turn), turn); // always ready again
    }
    return served;
  }

  private static void fill(RunQueue queue, Turn turn, int ranges, long firstRange) {
    for (int i = 0; i < ranges; i++) {
      queue.add(inbox(firstRange + i), turn);
    }
  }

  @Test
  void appendTurnsAreNeverStarvedWhileControlIsSaturated() {
    RunQueue queue = new RunQueue();
    fill(queue, Turn.URGENT, 1000, 1); // every idle range has a heartbeat waiting, always
    fill(queue, Turn.REGULAR, 3, 5000); // a few active ranges with appends
    int window = RunQueue.MAX_URGENT_TURNS_PER_OTHER + 1;
    List<Turn> served = serveSaturated(queue, 100 * window);
    for (int start = 0; start + window <= served.size(); start++) {
      assertTrue(served.subList(start, start + window).contains(Turn.REGULAR),
          "an APPEND turn within every " + window + " turns, from turn " + start + ": " + served);
    }
    Map<Turn, Integer> counts = count(served);
    assertEquals(100, counts.get(Turn.REGULAR), "exactly one turn in " + window);
    assertEquals(100 * RunQueue.MAX_URGENT_TURNS_PER_OTHER, counts.get(Turn.URGENT), "CONTROL keeps most turns");
  }

  @Test
  void elasticWorkKeepsItsShareUnderSaturatedControlAndRegularWork() {
    RunQueue queue = new RunQueue();
    fill(queue, Turn.URGENT, 100, 1);
    fill(queue, Turn.REGULAR, 10, 1000);
    fill(queue, Turn.ELASTIC, 10, 2000);
    int window = (RunQueue.MAX_URGENT_TURNS_PER_OTHER + 1) * (RunQueue.REGULAR_TURNS_PER_ELASTIC + 1);
    List<Turn> served = serveSaturated(queue, 20 * window);
    for (int start = 0; start + window <= served.size(); start++) {
      assertTrue(served.subList(start, start + window).contains(Turn.ELASTIC),
          "an elastic turn within every " + window + " turns, from turn " + start);
    }
    Map<Turn, Integer> counts = count(served);
    assertEquals(20, counts.get(Turn.ELASTIC));
    assertEquals(20 * RunQueue.REGULAR_TURNS_PER_ELASTIC, counts.get(Turn.REGULAR));
    assertEquals(20 * window - 20 * (RunQueue.REGULAR_TURNS_PER_ELASTIC + 1), counts.get(Turn.URGENT));
  }

  @Test
  void controlGoesFirstWhenItIsAloneOrNothingElseWaits() {
    RunQueue queue = new RunQueue();
    fill(queue, Turn.REGULAR, 2, 100);
    fill(queue, Turn.URGENT, 2, 1);
    assertEquals(Turn.URGENT, queue.next(), "a heartbeat that arrives behind appends is served first");
    assertEquals(RangeId.of(1), queue.take(Turn.URGENT).range);
    assertEquals(Turn.URGENT, queue.next());
    queue.take(Turn.URGENT);
    assertEquals(Turn.REGULAR, queue.next());
    queue.take(Turn.REGULAR);
    fill(queue, Turn.URGENT, 2, 10);
    for (int i = 0; i < RunQueue.URGENT_TURNS_PER_OTHER - 2; i++) {
      assertEquals(Turn.URGENT, queue.next());
      queue.take(Turn.URGENT);
    }
    fill(queue, Turn.URGENT, 10, 20); // come during the round: they wait for the next one
    for (int i = 0; i < 2; i++) {
      assertEquals(Turn.URGENT, queue.next(), "a round is at least four CONTROL turns");
      queue.take(Turn.URGENT);
    }
    assertEquals(Turn.REGULAR, queue.next(), "after four CONTROL turns the waiting APPEND range gets one");
    queue.take(Turn.REGULAR);
    for (int i = 0; i < 8; i++) {
      assertEquals(Turn.URGENT, queue.next(), "nothing else waits: CONTROL takes every turn");
      queue.take(Turn.URGENT);
    }
    assertNull(queue.next());
    assertTrue(queue.isEmpty());
  }

  @Test
  void everyRangeWithControlWaitingIsServedBeforeTheNextAppendTurn() {
    // 64 busy ranges, each with appends queued and a heartbeat come: a slowed handler makes an
    // APPEND turn cost milliseconds, so four heartbeats per APPEND turn would fall behind.
    RunQueue queue = new RunQueue();
    fill(queue, Turn.REGULAR, 64, 1000);
    fill(queue, Turn.URGENT, 64, 1);
    for (int i = 0; i < 64; i++) {
      assertEquals(Turn.URGENT, queue.next(), "urgent turn " + i + " of the round");
      assertEquals(RangeId.of(1 + i), queue.take(Turn.URGENT).range);
    }
    assertEquals(Turn.REGULAR, queue.next());
    queue.take(Turn.REGULAR);
    fill(queue, Turn.URGENT, 200, 100); // more than a round may serve
    List<Turn> served = new ArrayList<>();
    for (int i = 0; i <= RunQueue.MAX_URGENT_TURNS_PER_OTHER; i++) {
      Turn turn = queue.next();
      served.add(turn);
      queue.take(turn);
    }
    assertEquals(Turn.REGULAR, served.get(RunQueue.MAX_URGENT_TURNS_PER_OTHER),
        "a round is at most " + RunQueue.MAX_URGENT_TURNS_PER_OTHER + " CONTROL turns: " + served);
  }

  private static Map<Turn, Integer> count(List<Turn> served) {
    Map<Turn, Integer> counts = new EnumMap<>(Turn.class);
    for (Turn t : Turn.values()) {
      counts.put(t, 0);
    }
    for (Turn t : served) {
      counts.merge(t, 1, Integer::sum);
    }
    return counts;
  }
}
