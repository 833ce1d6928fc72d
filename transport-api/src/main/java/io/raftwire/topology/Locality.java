package io.raftwire.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a store runs, as ordered {@code key=value} tiers from the widest to the narrowest, for
 * example {@code region=eu,zone=eu-1a,rack=r7}.
 *
 * <p>Two localities are as close as the number of leading tiers they share ({@link
 * #closeness(Locality)}): stores in the same zone of the same region score 2 in the example above,
 * stores in different regions score 0. Immutable.
 */
public final class Locality {
  /** The locality of a store that declared none. It is equally far from every locality. */
  public static final Locality UNKNOWN = new Locality(List.of());

  private final List<Map.Entry<String, String>> tiers;

  private Locality(List<Map.Entry<String, String>> tiers) {
    this.tiers = tiers;
  }

  /**
   * Parses {@code key=value} tiers separated by commas; white space around keys and values is
   * ignored. The empty string yields {@link #UNKNOWN}.
   *
   * @param text tiers such as {@code region=eu,zone=eu-1a}, widest first; empty or blank for none
   * @return the locality; {@link #UNKNOWN} for blank text
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if a tier is not {@code key=value}, a key or value is empty,
   *     or a key repeats
   */
  public static Locality parse(String text) {
    if (text.isBlank()) {
      return UNKNOWN;
    }
    List<Map.Entry<String, String>> parsed = new ArrayList<>();
    for (String tier : text.split(",", -1)) {
      int eq = tier.indexOf('=');
      if (eq < 0 || tier.indexOf('=', eq + 1) >= 0) {
        throw new IllegalArgumentException(
            "locality tier '" + tier.strip() + "' in '" + text + "' is not key=value");
      }
      parsed.add(Map.entry(tier.substring(0, eq).strip(), tier.substring(eq + 1).strip()));
    }
    return of(parsed);
  }

  /**
   * Returns the locality with the given tiers, widest first.
   *
   * @param tiers (key, value) pairs, widest first; copied
   * @return the locality; {@link #UNKNOWN} if {@code tiers} is empty
   * @throws NullPointerException if {@code tiers} or one of its entries is null
   * @throws IllegalArgumentException if a key or value is empty or contains {@code ,} or {@code
   *     =}, or a key repeats
   */
  public static Locality of(List<Map.Entry<String, String>> tiers) {
    Set<String> keys = new HashSet<>();
    List<Map.Entry<String, String>> copy = new ArrayList<>(tiers.size());
    for (Map.Entry<String, String> tier : tiers) {
      String key = checkPart("key", tier.getKey());
      String value = checkPart("value", tier.getValue());
      if (!keys.add(key)) {
        throw new IllegalArgumentException("locality key '" + key + "' appears twice");
      }
      copy.add(Map.entry(key, value));
    }
    return copy.isEmpty() ? UNKNOWN : new Locality(Collections.unmodifiableList(copy));
  }

  private static String checkPart(String what, String part) {
    if (part == null || part.isBlank()) {
      throw new IllegalArgumentException("locality " + what + " must not be empty");
    }
    if (part.indexOf(',') >= 0 || part.indexOf('=') >= 0) {
      throw new IllegalArgumentException(
          "locality " + what + " '" + part + "' must not contain ',' or '='");
    }
    return part;
  }

  /** {@return the tiers, widest first; unmodifiable, empty for {@link #UNKNOWN}} */
  public List<Map.Entry<String, String>> tiers() {
    return tiers;
  }

  /**
   * Looks up one tier.
   *
   * @param key the tier's key, such as {@code zone}
   * @return the value of tier {@code key}, or empty if this locality has no such tier
   */
  public Optional<String> value(String key) {
    for (Map.Entry<String, String> tier : tiers) {
      if (tier.getKey().equals(key)) {
        return Optional.of(tier.getValue());
      }
    }
    return Optional.empty();
  }

  /**
   * How close {@code other} is: the number of leading tiers whose keys and values are equal in
   * both. Higher is closer; {@link #UNKNOWN} scores 0 against everything.
   *
   * @param other the locality to compare with; not null
   * @return the number of shared leading tiers, from 0 to the smaller tier count of the two
   * @throws NullPointerException if {@code other} is null
   */
  public int closeness(Locality other) {
    int n = Math.min(tiers.size(), other.tiers.size());
    int shared = 0;
    while (shared < n && tiers.get(shared).equals(other.tiers.get(shared))) {
      shared++;
    }
    return shared;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Locality && ((Locality) o).tiers.equals(tiers);
  }

  @Override
  public int hashCode() {
    return tiers.hashCode();
  }

  /** Renders in the form {@link #parse} reads, for example {@code region=eu,zone=eu-1a}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> tier : tiers) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(tier.getKey()).append('=').append(tier.getValue());
    }
    return sb.toString();
  }
}
