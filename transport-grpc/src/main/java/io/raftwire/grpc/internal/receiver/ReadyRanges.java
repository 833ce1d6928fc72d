package io.raftwire.grpc.internal.receiver;

import java.util.ArrayList;
import java.util.List;

/**
 * Ranges made ready while one frame (or any batch of admissions) was taken, handed to the
 * scheduler together by {@link Intake#schedule}: one lock and at most one wake-up per batch
 * instead of one per range. Owned by one thread at a time (a stream's frames are taken one at a
 * time); reusable, {@link #clear()} after each batch.
 */
public final class ReadyRanges {
  final List<RangeInbox> inboxes = new ArrayList<>();
  final List<Turn> turns = new ArrayList<>();

  void add(RangeInbox inbox, Turn turn) {
    inboxes.add(inbox);
    turns.add(turn);
  }

  int size() {
    return inboxes.size();
  }

  boolean isEmpty() {
    return inboxes.isEmpty();
  }

  void clear() {
    inboxes.clear();
    turns.clear();
  }
}
