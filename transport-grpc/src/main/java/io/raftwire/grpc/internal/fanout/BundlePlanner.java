package io.raftwire.grpc.internal.fanout;

import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The rules of zone fan-out, without I/O: which APPENDs are steady, which wait in which bundle,
 * when a bundle leaves, and which store is a zone's agent. Time is passed in by the caller (from
 * its timebase), so every rule is a deterministic function of the calls; {@link Bundler} does the
 * sending. Not thread-safe: the bundler calls it under its lock.
 *
 * <p><b>Steady.</b> An APPEND is steady if its entries continue exactly where the previous APPEND
 * to that (range, follower) ended; a first APPEND, a retry or probe (starting at or before entries
 * already sent), or the first after {@link #forget} is not.
 *
 * <p><b>Waiting.</b> A bundle waits as long as another follower of its zone is <em>in step</em>:
 * steady, sent an APPEND within {@link #STEADY_WINDOW_NANOS}, and sent exactly up to the entry
 * before the bundle's first, so that its next APPEND carries the same entries; at most the linger
 * time. An APPEND to a follower already in the bundle, or whose entries do not overlap the
 * bundle's, seals the pending bundle first and starts a new one. A wait that expires with nobody
 * joining makes the group skip waiting for its next 1, 2, 4 .. 64 bundles; a bundle of two or more
 * resets that.
 *
 * <p><b>Agents.</b> A zone's agent is sticky while its breaker lets traffic through; when it goes
 * down, the next is the lowest-id other tracked store of that zone that lets traffic through, else
 * the next bundle's lowest-id member that does.
 *
 * @param <M> a member: whatever the caller needs to send it
 */
final class BundlePlanner<M> {
  /** A follower counts as in step with a bundle if it was steady within this time. */
  static final long STEADY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** A follower's replication track is forgotten after this long without APPENDs. */
  static final long FORGET_AFTER_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** The longest run of skipped waits after unrewarded ones: 2^6 = 64 bundles. */
  private static final int MAX_MISSES = 6;

  private final long lingerNanos;
  private final Map<RangeId, Map<StoreId, Track>> tracks = new HashMap<>();
  private final Map<GroupKey, Pending<M>> pending = new HashMap<>();
  private final Map<GroupKey, GroupState> groups = new HashMap<>();
  private final Map<String, StoreId> agents = new HashMap<>();

  BundlePlanner(long lingerNanos) {
    this.lingerNanos = lingerNanos;
  }

  /** A bundle being filled, or one to send now. */
  static final class Pending<M> {
    final GroupKey key;
    final List<M> members = new ArrayList<>(4);
    private final List<StoreId> stores = new ArrayList<>(4);
    private long low = Long.MAX_VALUE;
    private long high = Long.MIN_VALUE;
    private Timebase.@Nullable Cancellable timer;

    Pending(GroupKey key) {
      this.key = key;
    }

    /** True if an APPEND to {@code store} with entries {@code first..last} may join. */
    boolean accepts(StoreId store, long first, long last) {
      return !stores.contains(store) && first <= high && last >= low;
    }

    void add(StoreId store, M member, long first, long last) {
      stores.add(store);
      members.add(member);
      low = Math.min(low, first);
      high = Math.max(high, last);
    }

    /** Sets the linger timer that will call {@link #expire}. */
    void timer(Timebase.Cancellable t) {
      this.timer = t;
    }

    private void cancelTimer() {
      if (timer != null) {
        timer.cancel();
      }
    }
  }

  /**
   * What {@link #add} decided.
   *
   * @param seal bundles to send now, in this order
   * @param linger a bundle that now waits: the caller sets its timer, which calls {@link #expire}
   *     after {@link #lingerNanos()}
   */
  record Decision<M>(List<Pending<M>> seal, @Nullable Pending<M> linger) {}

  long lingerNanos() {
    return lingerNanos;
  }

  /**
   * Records an APPEND to {@code follower} of {@code range} with entries {@code first..last}.
   *
   * @return true if it is steady (it continues exactly where the previous one ended)
   */
  boolean observe(RangeId range, StoreId follower, String zone, long first, long last, long now) {
    Map<StoreId, Track> followers = tracks.computeIfAbsent(range, r -> new HashMap<>());
    Track track = followers.computeIfAbsent(follower, f -> new Track(zone));
    boolean steady = track.lastIndex > 0 && first == track.lastIndex + 1;
    track.steady = steady;
    track.lastIndex = last;
    track.lastNanos = now;
    return steady;
  }

  /** Adds a steady APPEND to its group's bundle; says which bundles leave now and which waits. */
  Decision<M> add(GroupKey key, StoreId follower, long first, long last, M member, long now) {
    List<Pending<M>> seal = new ArrayList<>(2);
    Pending<M> bundle = pending.get(key);
    if (bundle != null && !bundle.accepts(follower, first, last)) {
      pending.remove(key);
      bundle.cancelTimer();
      seal.add(bundle);
      bundle = null;
    }
    if (bundle == null) {
      bundle = new Pending<>(key);
      pending.put(key, bundle);
    }
    bundle.add(follower, member, first, last);
    GroupState group = groups.computeIfAbsent(key, k -> new GroupState());
    if (bundle.members.size() > 1) {
      group.misses = 0; // waiting pays off again
    }
    if (lingerNanos == 0 || !awaitsSibling(bundle, group, now)) {
      pending.remove(key);
      bundle.cancelTimer();
      seal.add(bundle);
      return new Decision<>(seal, null);
    }
    return new Decision<>(seal, bundle.timer == null ? bundle : null);
  }

  /**
   * The linger timer of {@code bundle} fired.
   *
   * @return true if it must be sent now (it was still waiting)
   */
  boolean expire(Pending<M> bundle) {
    if (pending.get(bundle.key) != bundle) {
      return false;
    }
    pending.remove(bundle.key);
    if (bundle.members.size() == 1) {
      // Nobody joined: the followers are out of step (e.g. one has an APPEND in flight). Skip the
      // wait for the next 1, 2, 4 .. 64 bundles of this group rather than delay each.
      GroupState group = groups.computeIfAbsent(bundle.key, k -> new GroupState());
      group.misses = Math.min(group.misses + 1, MAX_MISSES);
      group.skipWaits = 1 << (group.misses - 1);
    }
    return true;
  }

  private boolean awaitsSibling(Pending<M> bundle, GroupState group, long now) {
    if (group.skipWaits > 0) {
      group.skipWaits--;
      return false;
    }
    for (Map.Entry<StoreId, Track> e : tracks.getOrDefault(bundle.key.range(), Map.of()).entrySet()) {
      Track t = e.getValue();
      if (t.steady
          && t.zone.equals(bundle.key.zone())
          && now - t.lastNanos <= STEADY_WINDOW_NANOS
          && t.lastIndex == bundle.low - 1
          && !bundle.stores.contains(e.getKey())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The agent of {@code zone} for a bundle of {@code candidates} (its members' stores): the
   * current agent if it lets traffic through, else the lowest-id candidate that does, which then
   * becomes the agent. Null if none does.
   */
  @Nullable StoreId agentFor(String zone, List<StoreId> candidates, Predicate<StoreId> allowsTraffic) {
    StoreId current = agents.get(zone);
    if (current != null && allowsTraffic.test(current)) {
      return current;
    }
    StoreId best = null;
    for (StoreId s : candidates) {
      if (allowsTraffic.test(s) && (best == null || s.value() < best.value())) {
        best = s;
      }
    }
    if (best != null) {
      agents.put(zone, best);
    }
    return best;
  }

  /**
   * {@code down}'s breaker opened. If it was its zone's agent, the agent becomes the lowest-id
   * other tracked store of that zone that lets traffic through, or none.
   */
  void agentDown(StoreId down, String zone, Predicate<StoreId> allowsTraffic) {
    if (!down.equals(agents.get(zone))) {
      return;
    }
    StoreId next = null;
    for (Map<StoreId, Track> followers : tracks.values()) {
      for (Map.Entry<StoreId, Track> e : followers.entrySet()) {
        StoreId s = e.getKey();
        if (zone.equals(e.getValue().zone) && !s.equals(down) && allowsTraffic.test(s)
            && (next == null || s.value() < next.value())) {
          next = s;
        }
      }
    }
    if (next == null) {
      agents.remove(zone);
    } else {
      agents.put(zone, next);
    }
  }

  /** The current agent of {@code zone}, if there is one. */
  Optional<StoreId> agent(String zone) {
    return Optional.ofNullable(agents.get(zone));
  }

  /** A message to {@code follower} of {@code range} was dropped: its next APPEND is not steady. */
  void forget(RangeId range, StoreId follower) {
    Map<StoreId, Track> followers = tracks.get(range);
    Track track = followers == null ? null : followers.get(follower);
    if (track != null) {
      track.steady = false;
      track.lastIndex = -1;
    }
  }

  /** Forgets followers that had no APPEND for {@link #FORGET_AFTER_NANOS}, and their groups. */
  void prune(long now) {
    Iterator<Map<StoreId, Track>> ranges = tracks.values().iterator();
    while (ranges.hasNext()) {
      Map<StoreId, Track> followers = ranges.next();
      followers.values().removeIf(t -> now - t.lastNanos > FORGET_AFTER_NANOS);
      if (followers.isEmpty()) {
        ranges.remove();
      }
    }
    groups.keySet().removeIf(k -> !tracks.containsKey(k.range()) && !pending.containsKey(k));
  }

  /** Removes every waiting bundle (closing): their members must be sent directly. */
  List<Pending<M>> drain() {
    List<Pending<M>> all = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending<M> p : all) {
      p.cancelTimer();
    }
    return all;
  }

  int trackedFollowers() {
    int n = 0;
    for (Map<StoreId, Track> followers : tracks.values()) {
      n += followers.size();
    }
    return n;
  }

  int pendingBundles() {
    return pending.size();
  }

  /** How waiting for siblings fared in one group: exponential backoff of unrewarded waits. */
  private static final class GroupState {
    int misses;
    int skipWaits;
  }

  /** What this sender last sent one follower of one range. */
  private static final class Track {
    final String zone;
    long lastIndex = -1;
    long lastNanos;
    boolean steady;

    Track(String zone) {
      this.zone = zone;
    }
  }
}
