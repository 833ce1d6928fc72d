package io.raftwire.flow;

import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A follower's record of the appends it received and has not yet persisted, per range, so that it
 * can tell each leader which of its entries became durable ({@link FlowControl#entriesDurable}).
 * The follower side of logical admission, shared by the adapters: an adapter calls {@link
 * #received} for each append with entries before its Raft library handles it, and {@link
 * #durableThrough} once the library has persisted up to an index.
 *
 * <p>Bounded: at most {@code maxPerRange} appends per range are remembered; beyond that the oldest
 * is forgotten (counted in {@link #forgotten()}), and its leader's credits return with a later
 * admission notice or when its stream ends. Thread-safe; a range's record is locked only for the
 * moment of adding or taking.
 */
public final class ReceivedAppends {
  private final int maxPerRange;
  private final Map<RangeId, ArrayDeque<DurableEntries>> received = new ConcurrentHashMap<>(); // each bounded
  private final AtomicLong forgotten = new AtomicLong();

  /**
   * An empty record.
   *
   * @param maxPerRange most appends remembered per range, {@code >= 1}
   * @throws IllegalArgumentException if {@code maxPerRange < 1}
   */
  public ReceivedAppends(int maxPerRange) {
    if (maxPerRange < 1) {
      throw new IllegalArgumentException("maxPerRange must be >= 1, was " + maxPerRange);
    }
    this.maxPerRange = maxPerRange;
  }

  /**
   * Remembers the entries of {@code envelope}, an append from its leader; an envelope without
   * entries is ignored.
   *
   * @param envelope a received append; not null
   * @return true if the range's oldest record was forgotten to make room
   */
  public boolean received(RaftEnvelope envelope) {
    List<LogEntry> entries = envelope.entries();
    if (entries.isEmpty()) {
      return false;
    }
    DurableEntries record = DurableEntries.of(envelope.range(), envelope.from().store(), envelope.priority(),
        entries.get(0).index(), entries.get(entries.size() - 1).index(), envelope.sizeBytes());
    ArrayDeque<DurableEntries> pending = received.computeIfAbsent(envelope.range(), r -> new ArrayDeque<>());
    synchronized (pending) {
      pending.addLast(record);
      if (pending.size() > maxPerRange) {
        pending.pollFirst();
        forgotten.incrementAndGet();
        return true;
      }
    }
    return false;
  }

  /**
   * Takes the appends of {@code range} whose last entry is at or before {@code index}: they are
   * durable now.
   *
   * @param range a range
   * @param index the highest index persisted (raftwire's numbering, as in the envelopes' entries)
   * @return the durable appends, oldest first, one per received append; empty if none
   */
  public List<DurableEntries> durableThrough(RangeId range, long index) {
    ArrayDeque<DurableEntries> pending = received.get(range);
    if (pending == null) {
      return List.of();
    }
    List<DurableEntries> done = new ArrayList<>();
    synchronized (pending) {
      while (!pending.isEmpty() && pending.peekFirst().lastIndex() <= index) {
        done.add(pending.pollFirst());
      }
    }
    return done;
  }

  /**
   * Forgets the appends of {@code range} from {@code firstIndex} on: the log was truncated there, so
   * they never become durable.
   *
   * @param range a range
   * @param firstIndex the first truncated index
   */
  public void truncatedFrom(RangeId range, long firstIndex) {
    ArrayDeque<DurableEntries> pending = received.get(range);
    if (pending != null) {
      synchronized (pending) {
        pending.removeIf(r -> r.firstIndex() >= firstIndex);
      }
    }
  }

  /**
   * Forgets everything of {@code range} (it is no longer served here).
   *
   * @param range a range
   */
  public void forget(RangeId range) {
    received.remove(range);
  }

  /** {@return how many appends were forgotten because their range's record was full} */
  public long forgotten() {
    return forgotten.get();
  }
}
