package io.raftwire.grpc.internal.receiver;

import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The ranges waiting for a worker, one FIFO per {@link Turn}, and the weighted choice of the next
 * turn. CONTROL first, in rounds: while other ranges wait, a streak of urgent turns serves as many
 * ranges as had CONTROL waiting when it began (at least {@link #URGENT_TURNS_PER_OTHER}, at most
 * {@link #MAX_URGENT_TURNS_PER_OTHER}), then one regular or elastic turn. So a heartbeat waits for
 * about one APPEND batch per worker plus a round of cheap CONTROL deliveries, and APPEND work keeps
 * at least one turn in {@code MAX_URGENT_TURNS_PER_OTHER + 1} however many ranges have CONTROL
 * waiting. Among the others regular goes first within the same kind of bound: after {@link
 * #REGULAR_TURNS_PER_ELASTIC} regular turns in a row while elastic ranges wait, one elastic turn.
 *
 * <p>The weights count turns, not bytes: an urgent turn delivers a range's CONTROL messages alone
 * (a few small messages, one handler call) while a regular turn delivers up to a batch of APPENDs.
 * A fixed ratio of turns is not enough: with a slow handler an APPEND turn takes milliseconds, and
 * four urgent turns per APPEND turn serve fewer heartbeats a second than 64 busy ranges send, so
 * they queued for a hundred milliseconds and more (S1's heartbeat p99 went from about 30 ms to 290
 * ms). A round sized by what waits keeps up with any number of ranges up to the cap; counting turns
 * needs no size bookkeeping on the hot path.
 *
 * <p>Not thread-safe: {@link RangeScheduler} holds its lock around every call. Pure logic with no
 * threads or clock, so the weights are tested turn by turn.
 */
final class RunQueue {
  /** Fewest urgent turns in a row, with other ranges waiting, before one of them gets a turn. */
  static final int URGENT_TURNS_PER_OTHER = 4;

  /** Most urgent turns in a row, with other ranges waiting, before one of them gets a turn. */
  static final int MAX_URGENT_TURNS_PER_OTHER = 64;

  /** Regular turns in a row, with elastic ranges waiting, before an elastic range gets one. */
  static final int REGULAR_TURNS_PER_ELASTIC = 8;

  private final ArrayDeque<RangeInbox> urgent = new ArrayDeque<>();
  private final ArrayDeque<RangeInbox> regular = new ArrayDeque<>();
  private final ArrayDeque<RangeInbox> elastic = new ArrayDeque<>();

  /** Urgent turns taken in a row while other ranges waited. */
  private int urgentStreak;

  /** How long the current urgent streak may grow: the urgent ranges waiting when it began, bounded. */
  private int urgentRound;

  /** Regular turns taken in a row while elastic ranges waited. */
  private int regularStreak;

  void add(RangeInbox inbox, Turn turn) {
    queue(turn).addLast(inbox);
  }

  private ArrayDeque<RangeInbox> queue(Turn turn) {
    switch (turn) {
      case URGENT:
        return urgent;
      case REGULAR:
        return regular;
      case ELASTIC:
        return elastic;
    }
    throw new AssertionError(turn);
  }

  /** Ranges waiting. */
  int size() {
    return urgent.size() + regular.size() + elastic.size();
  }

  boolean isEmpty() {
    return urgent.isEmpty() && regular.isEmpty() && elastic.isEmpty();
  }

  /** The turn to serve next, or null if nothing waits; {@link #take} must follow with it. */
  @Nullable Turn next() {
    boolean others = !regular.isEmpty() || !elastic.isEmpty();
    if (!urgent.isEmpty()) {
      if (!others) {
        urgentStreak = 0;
        return Turn.URGENT;
      }
      if (urgentStreak == 0) {
        urgentRound = Math.max(URGENT_TURNS_PER_OTHER, Math.min(urgent.size(), MAX_URGENT_TURNS_PER_OTHER));
      }
      if (urgentStreak < urgentRound) {
        urgentStreak++;
        return Turn.URGENT;
      }
    }
    urgentStreak = 0;
    if (!regular.isEmpty() && (elastic.isEmpty() || regularStreak < REGULAR_TURNS_PER_ELASTIC)) {
      regularStreak = elastic.isEmpty() ? 0 : regularStreak + 1;
      return Turn.REGULAR;
    }
    regularStreak = 0;
    return elastic.isEmpty() ? null : Turn.ELASTIC;
  }

  /** Removes the range at the head of {@code turn}'s queue (which {@link #next} found waiting). */
  RangeInbox take(Turn turn) {
    RangeInbox inbox = queue(turn).pollFirst();
    if (inbox == null) {
      throw new IllegalStateException("nothing waits for a " + turn + " turn");
    }
    return inbox;
  }
}
