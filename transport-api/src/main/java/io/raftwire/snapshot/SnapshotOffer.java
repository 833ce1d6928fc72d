package io.raftwire.snapshot;

import io.raftwire.topology.StoreId;
import java.util.Objects;

/**
 * A snapshot another store offers to send here, as the recipient's library sees it before a byte
 * is staged: who sends it, on whose behalf, why, and which snapshot it is. With delegation a
 * replica nearer the recipient sends in the leader's place, so {@link #sender()} and {@link
 * #leader()} may differ. Both are what the sending store claims; the transport does not
 * authenticate them. Immutable.
 */
public final class SnapshotOffer {
  private final StoreId sender;
  private final StoreId leader;
  private final SnapshotPurpose purpose;
  private final SnapshotMeta meta;

  private SnapshotOffer(StoreId sender, StoreId leader, SnapshotPurpose purpose, SnapshotMeta meta) {
    this.sender = sender;
    this.leader = leader;
    this.purpose = purpose;
    this.meta = meta;
  }

  /**
   * An offer of {@code meta} from {@code sender}, sent on behalf of {@code leader}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static SnapshotOffer of(StoreId sender, StoreId leader, SnapshotPurpose purpose, SnapshotMeta meta) {
    return new SnapshotOffer(Objects.requireNonNull(sender, "sender"), Objects.requireNonNull(leader, "leader"),
        Objects.requireNonNull(purpose, "purpose"), Objects.requireNonNull(meta, "meta"));
  }

  /** The store that sends the bytes: the leader itself, or a delegate. */
  public StoreId sender() {
    return sender;
  }

  /** The leader on whose behalf the snapshot is sent. */
  public StoreId leader() {
    return leader;
  }

  public SnapshotPurpose purpose() {
    return purpose;
  }

  /** The snapshot offered (its range is {@code meta().range()}). */
  public SnapshotMeta meta() {
    return meta;
  }

  /** True if a store other than the leader sends it. */
  public boolean delegated() {
    return !sender.equals(leader);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SnapshotOffer)) {
      return false;
    }
    SnapshotOffer other = (SnapshotOffer) o;
    return sender.equals(other.sender) && leader.equals(other.leader) && purpose == other.purpose
        && meta.equals(other.meta);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sender, leader, purpose, meta);
  }

  @Override
  public String toString() {
    return meta + " from " + sender + (delegated() ? " for leader " + leader : " (the leader)") + ", "
        + purpose.name().toLowerCase(java.util.Locale.ROOT);
  }
}
