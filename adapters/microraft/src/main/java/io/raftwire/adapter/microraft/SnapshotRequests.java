package io.raftwire.adapter.microraft;

import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The snapshots this store's MicroRaft replicas asked for, and whether a raftwire transfer matches
 * one. A follower "asks" when its leader's snapshot offer (an {@code InstallSnapshotRequest}
 * without a chunk, on the Raft message stream) reaches it; a transfer is then accepted only if it
 * is sent for that leader, the replica still follows that leader in the same term, the snapshot's
 * term is not ahead of the replica's and its index is not below the offered one, and it comes from
 * the leader or a member of the range.
 *
 * <p>Bounded: one record per range (the latest offer replaces the one before), for ranges with a
 * replica here; a record older than {@code ttlNanos} is ignored and dropped, and an install
 * forgets it. Time comes from the injected clock. Thread-safe.
 */
final class SnapshotRequests {
  /** The leader's latest offer to a replica: who, in which term, and the snapshot index offered. */
  record Asked(StoreId leader, int term, long snapshotIndex, long atNanos) {
    @Override
    public String toString() {
      return leader + " in term " + term + " offered a snapshot at " + snapshotIndex;
    }
  }

  /** What a replica knows now: its term, the leader it follows in it (null: none known), the members. */
  record Replica(int term, StoreId leader, Set<StoreId> members) {
    Replica {
      members = Set.copyOf(members);
    }
  }

  private final LongSupplier clock;
  private final long ttlNanos;
  private final Map<RangeId, Asked> asked = new ConcurrentHashMap<>();

  /**
   * @param ttlNanos how long an offer counts as asked for ({@code > 0}); MicroRaft repeats its
   *     offer while the follower lags, which renews it
   */
  SnapshotRequests(LongSupplier nanoClock, long ttlNanos) {
    if (ttlNanos <= 0) {
      throw new IllegalArgumentException("ttlNanos must be > 0, was " + ttlNanos);
    }
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.ttlNanos = ttlNanos;
  }

  /** {@code leader} offered the replica of {@code range} a snapshot at {@code snapshotIndex} in {@code term}. */
  void asked(RangeId range, StoreId leader, int term, long snapshotIndex) {
    asked.put(range, new Asked(leader, term, snapshotIndex, clock.getAsLong()));
  }

  /** The range's latest offer still within its time, if any (an expired one is dropped). */
  Optional<Asked> current(RangeId range) {
    Asked a = asked.get(range);
    if (a != null && clock.getAsLong() - a.atNanos() >= ttlNanos) {
      asked.remove(range, a);
      return Optional.empty();
    }
    return Optional.ofNullable(a);
  }

  /** Forgets {@code record} (the snapshot was installed); a newer record of the range stays. */
  void forget(RangeId range, Asked record) {
    asked.remove(range, record);
  }

  /** Ranges with a record (expired ones included until looked at). */
  int size() {
    return asked.size();
  }

  /**
   * Why {@code offer} does not match what {@code replica} asked for ({@code record}, null if it
   * asked nothing), or empty if it does.
   */
  static Optional<String> mismatch(SnapshotOffer offer, Asked record, Replica replica) {
    SnapshotMeta meta = offer.meta();
    if (record == null) {
      return Optional.of("no leader offered the replica a snapshot lately");
    }
    if (!offer.leader().equals(record.leader())) {
      return Optional.of("sent for " + offer.leader() + ", but " + record);
    }
    if (replica.term() != record.term()) {
      return Optional.of(record + ", the replica is in term " + replica.term() + " now");
    }
    if (!record.leader().equals(replica.leader())) {
      return Optional.of(record + ", the replica follows " + replica.leader() + " now");
    }
    if (meta.term() > replica.term()) {
      return Optional.of("the snapshot's term " + meta.term() + " is ahead of the replica's " + replica.term());
    }
    if (meta.index() < record.snapshotIndex()) {
      return Optional.of("the snapshot ends at " + meta.index() + ", but " + record);
    }
    if (!offer.sender().equals(record.leader()) && !replica.members().contains(offer.sender())) {
      return Optional.of(offer.sender() + " is neither the leader nor a member");
    }
    return Optional.empty();
  }
}
