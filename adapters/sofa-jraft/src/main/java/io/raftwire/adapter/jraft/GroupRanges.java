package io.raftwire.adapter.jraft;

import io.raftwire.topology.RangeId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Objects;

/**
 * How a jraft group id (a string) maps to a raftwire {@link RangeId}. Every store of a deployment
 * must use the same mapping, and two groups hosted together should not share a range (they would
 * share its fairness turn, queues and credits; the adapter counts such collisions under {@code
 * raftwire.<store>.jraft.group_collisions}).
 *
 * <p>{@link #SERVICE_RANGE} is reserved for the calls that belong to no group (pings, file reads):
 * a mapping must never return it. Implementations must be thread-safe, fast and side-effect free.
 */
@FunctionalInterface
public interface GroupRanges {
  /** The range of calls without a group; registered on every store. */
  RangeId SERVICE_RANGE = RangeId.of(1);

  /**
   * {@return the range of {@code groupId}; never {@link #SERVICE_RANGE}} The same group id must
   * give the same range on every store, every time.
   *
   * @param groupId a jraft group id; not null
   */
  RangeId rangeOf(String groupId);

  /**
   * The default: the first 63 bits of the group id's SHA-256 (UTF-8), moved past {@link
   * #SERVICE_RANGE}. Needs no configuration and agrees across processes; two given groups collide
   * with probability about 2<sup>-63</sup>.
   *
   * @return the hashing mapping; stateless and thread-safe
   */
  static GroupRanges hashed() {
    return groupId -> {
      try {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(groupId.getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
          v = (v << 8) | (d[i] & 0xff);
        }
        v &= Long.MAX_VALUE;
        return RangeId.of(v < 2 ? v + 2 : v);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    };
  }

  /**
   * An explicit table, for deployments that number their groups; groups missing from it are
   * {@link #hashed()}.
   *
   * @param table the range of each numbered group; copied, without null keys or values
   * @return a mapping that looks groups up in the copy first; it throws {@link
   *     NullPointerException} for a null group id
   * @throws NullPointerException if the table, a key or a value is null
   * @throws IllegalArgumentException if the table maps a group to {@link #SERVICE_RANGE} or two
   *     groups to one range
   */
  static GroupRanges of(Map<String, RangeId> table) {
    Map<String, RangeId> copy = Map.copyOf(table);
    if (copy.containsValue(SERVICE_RANGE)) {
      throw new IllegalArgumentException(SERVICE_RANGE + " is reserved for calls without a group");
    }
    if (copy.values().stream().distinct().count() != copy.size()) {
      throw new IllegalArgumentException("two groups map to one range: " + copy);
    }
    GroupRanges fallback = hashed();
    return groupId -> {
      RangeId range = copy.get(Objects.requireNonNull(groupId, "groupId"));
      return range != null ? range : fallback.rangeOf(groupId);
    };
  }
}
