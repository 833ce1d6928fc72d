package io.raftwire.adapter.ratis;

import io.raftwire.topology.RangeId;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * How a Ratis {@link RaftGroupId} (a UUID) maps to a raftwire {@link RangeId}. Every server of a
 * deployment must use the same mapping, and two groups hosted together should not share a range
 * (they would share its fairness turn, queues and credits; the adapter counts such collisions under
 * {@code raftwire.<store>.ratis.group_collisions}). Implementations must be thread-safe, fast and
 * free of side effects.
 */
@FunctionalInterface
public interface RatisGroupRanges {
  /**
   * {@return the range of {@code group}} The same group must give the same range on every server,
   * every time.
   *
   * @param group a Ratis group id; not null
   */
  RangeId rangeOf(RaftGroupId group);

  /**
   * The default: the group's UUID hashed to 63 bits (both halves through a 64-bit mixing function,
   * the sign bit cleared; 0 becomes 1). Needs no configuration and agrees across processes. Random
   * UUIDs and structured ones alike (sequential, or differing in one half only) spread over the
   * whole range space: among 100,000 groups a collision has probability about 2<sup>-29</sup>.
   *
   * @return the hashing mapping; stateless and thread-safe
   */
  static RatisGroupRanges hashed() {
    return group -> {
      UUID uuid = group.getUuid();
      long v = mix(mix(uuid.getMostSignificantBits()) ^ uuid.getLeastSignificantBits()) & Long.MAX_VALUE;
      return RangeId.of(v == 0 ? 1 : v);
    };
  }

  /** A bijective 64-bit finalizer (SplitMix64's): every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * An explicit table, for deployments that number their groups; groups missing from it are
   * {@link #hashed()}.
   *
   * @param table the range of each numbered group; copied, without null keys or values
   * @return a mapping that looks groups up in the copy first
   * @throws NullPointerException if the table, a key or a value is null
   * @throws IllegalArgumentException if the table maps two groups to one range
   */
  static RatisGroupRanges of(Map<RaftGroupId, RangeId> table) {
    Map<RaftGroupId, RangeId> copy = Map.copyOf(table);
    if (copy.values().stream().distinct().count() != copy.size()) {
      throw new IllegalArgumentException("two groups map to one range: " + copy);
    }
    RatisGroupRanges fallback = hashed();
    return group -> {
      RangeId range = copy.get(Objects.requireNonNull(group, "group"));
      return range != null ? range : fallback.rangeOf(group);
    };
  }
}
