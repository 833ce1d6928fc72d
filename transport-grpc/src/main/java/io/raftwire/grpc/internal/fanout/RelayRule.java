package io.raftwire.grpc.internal.fanout;

import io.raftwire.topology.StoreId;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Which relays zone fan-out allows, so that neither a hostile agent nor a hostile writer can use
 * it to reach stores it could not reach itself. A zone's agent receives a bundle from a writer in
 * another zone and relays the members to the other stores of its own zone. Hence:
 *
 * <ul>
 *   <li>an agent relays members only to stores of its own zone, never to itself again or back to
 *       the writer ({@link #mayRelayTo});
 *   <li>a store accepts a message written by another store from the store at the other end of the
 *       stream only if that store is of its own zone and the writer is not ({@link #mayAccept}).
 * </ul>
 *
 * Stores whose zone is unknown take part in neither. Immutable; thread-safe if the zone lookup is.
 */
public final class RelayRule {
  private final StoreId local;
  private final @Nullable String localZone;
  private final Function<StoreId, @Nullable String> zones;

  /**
   * @param localZone this store's zone; null: unknown (no relay either way)
   * @param zones the zone of a store, null if unknown; must be quick and must not throw
   */
  public RelayRule(StoreId local, @Nullable String localZone, Function<StoreId, @Nullable String> zones) {
    this.local = local;
    this.localZone = localZone;
    this.zones = zones;
  }

  /** Whether this store, as its zone's agent, may relay a member written by {@code writer} to {@code to}. */
  public boolean mayRelayTo(StoreId to, StoreId writer) {
    return localZone != null && !to.equals(local) && !to.equals(writer) && localZone.equals(zones.apply(to));
  }

  /** Whether this store may take a message written by {@code writer} from the stream of {@code relay}. */
  public boolean mayAccept(StoreId relay, StoreId writer) {
    return localZone != null && !writer.equals(local) && !writer.equals(relay)
        && localZone.equals(zones.apply(relay)) && !Objects.equals(localZone, zones.apply(writer));
  }
}
