package io.raftwire.flow;

import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Objects;

/**
 * Entries a follower has persisted: the consecutive log indexes {@code [firstIndex, lastIndex]} of
 * one range, received from the leader on {@code leaderStore}, of one priority, taking {@code bytes}
 * (as counted by {@code RaftEnvelope#sizeBytes()} for the entries). Immutable.
 */
public final class DurableEntries {
  private final RangeId range;
  private final StoreId leaderStore;
  private final Priority priority;
  private final long firstIndex;
  private final long lastIndex;
  private final long bytes;

  private DurableEntries(
      RangeId range, StoreId leaderStore, Priority priority, long firstIndex, long lastIndex, long bytes) {
    this.range = range;
    this.leaderStore = leaderStore;
    this.priority = priority;
    this.firstIndex = firstIndex;
    this.lastIndex = lastIndex;
    this.bytes = bytes;
  }

  /**
   * Returns a report of persisted entries.
   *
   * @param range the range whose log holds the entries
   * @param leaderStore the store of the leader that sent the entries; its credits are the ones
   *     returned once the entries are admitted
   * @param priority the priority the entries were sent at (the envelopes' {@link
   *     io.raftwire.message.RaftEnvelope#priority()})
   * @param firstIndex the first persisted log index, {@code >= 1}
   * @param lastIndex the last persisted log index, {@code >= firstIndex}
   * @param bytes the entries' size in bytes, as {@code RaftEnvelope#sizeBytes()} counts it for the
   *     entries, {@code >= 0}
   * @return an immutable report
   * @throws NullPointerException if an object argument is null
   * @throws IllegalArgumentException if {@code firstIndex < 1}, {@code lastIndex < firstIndex} or
   *     {@code bytes < 0}
   */
  public static DurableEntries of(
      RangeId range, StoreId leaderStore, Priority priority, long firstIndex, long lastIndex, long bytes) {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(leaderStore, "leaderStore");
    Objects.requireNonNull(priority, "priority");
    if (firstIndex < 1 || lastIndex < firstIndex) {
      throw new IllegalArgumentException(
          "index range [" + firstIndex + ", " + lastIndex + "] is empty or starts below 1");
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
    return new DurableEntries(range, leaderStore, priority, firstIndex, lastIndex, bytes);
  }

  /** {@return the range whose log holds the entries} */
  public RangeId range() {
    return range;
  }

  /** {@return the store of the leader that sent the entries} */
  public StoreId leaderStore() {
    return leaderStore;
  }

  /** {@return the priority the entries were sent at} */
  public Priority priority() {
    return priority;
  }

  /** {@return the first persisted log index, at least 1} */
  public long firstIndex() {
    return firstIndex;
  }

  /** {@return the last persisted log index, at least {@link #firstIndex()}} */
  public long lastIndex() {
    return lastIndex;
  }

  /** {@return the entries' size in bytes as counted for credits, at least 0} */
  public long bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DurableEntries)) {
      return false;
    }
    DurableEntries d = (DurableEntries) o;
    return range.equals(d.range) && leaderStore.equals(d.leaderStore) && priority == d.priority
        && firstIndex == d.firstIndex && lastIndex == d.lastIndex && bytes == d.bytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(range, leaderStore, priority, firstIndex, lastIndex, bytes);
  }

  @Override
  public String toString() {
    return "DurableEntries{" + range + " from " + leaderStore + " " + priority + " [" + firstIndex
        + ".." + lastIndex + "] " + bytes + "B}";
  }
}
