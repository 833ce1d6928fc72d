package io.raftwire.snapshot;

import io.raftwire.topology.StoreId;
import java.util.Objects;
import java.util.Set;

/**
 * A replica's view of its range at one moment: the term and membership generation it knows, the
 * members, the first index its log still holds (entries before it were compacted into a snapshot)
 * and the last index it applied. Immutable.
 */
public final class ReplicaState {
  private final long term;
  private final long configGeneration;
  private final Set<StoreId> members;
  private final long firstLogIndex;
  private final long appliedIndex;

  private ReplicaState(long term, long configGeneration, Set<StoreId> members, long firstLogIndex, long appliedIndex) {
    this.term = term;
    this.configGeneration = configGeneration;
    this.members = members;
    this.firstLogIndex = firstLogIndex;
    this.appliedIndex = appliedIndex;
  }

  /**
   * A replica's state.
   *
   * @param term the current term the replica knows, {@code >= 0}
   * @param configGeneration the membership generation the replica knows (the library's own
   *     counter), {@code >= 0}
   * @param members the stores of the range's members in that generation; copied
   * @param firstLogIndex the first index the log still holds, {@code >= 1}
   * @param appliedIndex the last index the replica applied, {@code >= 0}
   * @return an immutable state
   * @throws IllegalArgumentException if a number is negative or {@code firstLogIndex < 1}
   * @throws NullPointerException if {@code members} is null or holds null
   */
  public static ReplicaState of(long term, long configGeneration, Set<StoreId> members, long firstLogIndex, long appliedIndex) {
    if (term < 0 || configGeneration < 0 || firstLogIndex < 1 || appliedIndex < 0) {
      throw new IllegalArgumentException(String.format(
          "need term, configGeneration, appliedIndex >= 0 and firstLogIndex >= 1; were %d, %d, %d, %d",
          term, configGeneration, appliedIndex, firstLogIndex));
    }
    return new ReplicaState(term, configGeneration, Set.copyOf(Objects.requireNonNull(members, "members")),
        firstLogIndex, appliedIndex);
  }

  /** {@return the current term the replica knows, at least 0} */
  public long term() {
    return term;
  }

  /** {@return the membership generation the replica knows, at least 0} */
  public long configGeneration() {
    return configGeneration;
  }

  /** {@return the stores of the range's members; unmodifiable} */
  public Set<StoreId> members() {
    return members;
  }

  /**
   * {@return the first index the log still holds, at least 1} A snapshot older than {@code
   * firstLogIndex - 1} is useless.
   */
  public long firstLogIndex() {
    return firstLogIndex;
  }

  /** {@return the last index the replica applied, at least 0} */
  public long appliedIndex() {
    return appliedIndex;
  }

  @Override
  public String toString() {
    return "term " + term + ", config " + configGeneration + ", members " + members + ", log from " + firstLogIndex
        + ", applied " + appliedIndex;
  }
}
