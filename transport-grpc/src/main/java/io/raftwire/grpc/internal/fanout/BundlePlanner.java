package io.raftwire.grpc.internal.fanout;

import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.HashMap;
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
 * <p><b>Forgetting.</b> A follower without APPENDs for {@link #FORGET_AFTER_NANOS} is forgotten by
 * the next {@link #prune}, and with the last follower of a range go the range's group states that
 * wait for no bundle. Tracks are kept in a list ordered by their last APPEND, so a prune visits the
 * expired tracks and one more, never every tracked follower; an APPEND moves its track to the end.
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
  /** Ranges with tracked followers, or with group states still waiting to be forgotten. */
  private final Map<RangeId, RangeTracks> tracks = new HashMap<>();
  private final Map<GroupKey, Pending<M>> pending = new HashMap<>();
  private final Map<String, StoreId> agents = new HashMap<>();
  /** Per zone, the tracked stores and how many ranges track each: whom {@link #agentDown} picks from. */
  private final Map<String, Map<StoreId, int[]>> zoneStores = new HashMap<>();
  /** Every track, oldest APPEND first: the head expires first. */
  private @Nullable Track oldest;
  private @Nullable Track newest;
  private int trackedFollowers;
  /** Ranges in {@link #tracks} without followers: their group states go once no bundle waits. */
  private List<RangeTracks> followerless = new ArrayList<>();
  /** Tracks a prune looked at, since creation: the expired ones and the first that was not. */
  private long pruneVisits;

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
    RangeTracks followers = tracks.get(range);
    if (followers == null) {
      followers = new RangeTracks(range);
      tracks.put(range, followers);
    }
    Track track = followers.followers.get(follower);
    if (track == null) {
      track = new Track(followers, follower, zone);
      followers.followers.put(follower, track);
      zoneStores.computeIfAbsent(zone, z -> new HashMap<>()).computeIfAbsent(follower, f -> new int[1])[0]++;
      trackedFollowers++;
    } else {
      unlink(track);
    }
    boolean steady = track.lastIndex > 0 && first == track.lastIndex + 1;
    track.steady = steady;
    track.lastIndex = last;
    track.lastNanos = now;
    link(track);
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
    GroupState group = group(key);
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
      GroupState group = group(bundle.key);
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
    RangeTracks followers = tracks.get(bundle.key.range());
    if (followers == null) {
      return false;
    }
    for (Map.Entry<StoreId, Track> e : followers.followers.entrySet()) {
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

  /** The state of {@code key}'s group, created if new; its range gets an entry if it had none. */
  private GroupState group(GroupKey key) {
    RangeTracks range = tracks.get(key.range());
    if (range == null) {
      range = new RangeTracks(key.range());
      tracks.put(key.range(), range);
      listFollowerless(range);
    }
    return range.groups.computeIfAbsent(key, k -> new GroupState());
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
    for (StoreId s : zoneStores.getOrDefault(zone, Map.of()).keySet()) {
      if (!s.equals(down) && allowsTraffic.test(s) && (next == null || s.value() < next.value())) {
        next = s;
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
    RangeTracks followers = tracks.get(range);
    Track track = followers == null ? null : followers.followers.get(follower);
    if (track != null) {
      track.steady = false;
      track.lastIndex = -1;
    }
  }

  /**
   * Forgets followers that had no APPEND for {@link #FORGET_AFTER_NANOS}, and the group states of
   * ranges left without followers that wait for no bundle. Visits only what expired (and the first
   * track that did not), at most {@code maxExpirations} of them per call, so the caller can let go
   * of its lock between calls.
   *
   * @return true if more may have expired: call again with the same {@code now}
   */
  boolean prune(long now, int maxExpirations) {
    int expired = 0;
    while (oldest != null) {
      Track track = oldest;
      if (now - track.lastNanos <= FORGET_AFTER_NANOS) {
        pruneVisits++;
        break;
      }
      if (expired == maxExpirations) {
        return true;
      }
      pruneVisits++;
      expired++;
      unlink(track);
      RangeTracks range = track.range;
      range.followers.remove(track.store);
      trackedFollowers--;
      Map<StoreId, int[]> stores = zoneStores.get(track.zone);
      if (stores != null) {
        int[] count = stores.get(track.store);
        if (count != null && --count[0] == 0) {
          stores.remove(track.store);
          if (stores.isEmpty()) {
            zoneStores.remove(track.zone);
          }
        }
      }
      if (range.followers.isEmpty()) {
        listFollowerless(range);
      }
    }
    forgetIdleGroups();
    return false;
  }

  /** Forgets everything {@link #FORGET_AFTER_NANOS} old at {@code now}, in one call. */
  void prune(long now) {
    while (prune(now, Integer.MAX_VALUE)) {
      // one call does it all
    }
  }

  private void forgetIdleGroups() {
    if (followerless.isEmpty()) {
      return;
    }
    List<RangeTracks> still = new ArrayList<>(0);
    for (RangeTracks range : followerless) {
      range.listed = false;
      if (!range.followers.isEmpty() || tracks.get(range.range) != range) {
        continue; // it has followers again, or was forgotten already
      }
      range.groups.keySet().removeIf(k -> !pending.containsKey(k));
      if (range.groups.isEmpty()) {
        tracks.remove(range.range);
      } else {
        range.listed = true; // a bundle of it still waits: look again next time
        still.add(range);
      }
    }
    followerless = still;
  }

  private void listFollowerless(RangeTracks range) {
    if (!range.listed) {
      range.listed = true;
      followerless.add(range);
    }
  }

  /** Appends {@code track} to the expiry list, after every track with an APPEND no later than its. */
  private void link(Track track) {
    Track before = newest;
    while (before != null && before.lastNanos > track.lastNanos) {
      before = before.older; // an APPEND whose clock reading came before another's lock: rare, short
    }
    Track after = before == null ? oldest : before.newer;
    track.older = before;
    track.newer = after;
    if (before == null) {
      oldest = track;
    } else {
      before.newer = track;
    }
    if (after == null) {
      newest = track;
    } else {
      after.older = track;
    }
  }

  private void unlink(Track track) {
    if (track.older == null) {
      oldest = track.newer;
    } else {
      track.older.newer = track.newer;
    }
    if (track.newer == null) {
      newest = track.older;
    } else {
      track.newer.older = track.older;
    }
    track.older = null;
    track.newer = null;
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
    return trackedFollowers;
  }

  /** Tracks looked at by every prune so far: what expired, and one more per prune that stopped. */
  long pruneVisits() {
    return pruneVisits;
  }

  /** Ranges with an entry: tracked followers or group states (for tests). */
  int trackedRanges() {
    return tracks.size();
  }

  /** Group states kept, over all ranges (for tests). */
  int groupStates() {
    int n = 0;
    for (RangeTracks range : tracks.values()) {
      n += range.groups.size();
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

  /** One range's tracked followers and the states of its groups. */
  private static final class RangeTracks {
    final RangeId range;
    final Map<StoreId, Track> followers = new HashMap<>(4);
    final Map<GroupKey, GroupState> groups = new HashMap<>(2);
    /** In {@link #followerless}. */
    boolean listed;

    RangeTracks(RangeId range) {
      this.range = range;
    }
  }

  /** What this sender last sent one follower of one range; a link of the expiry list. */
  private static final class Track {
    final RangeTracks range;
    final StoreId store;
    final String zone;
    long lastIndex = -1;
    long lastNanos;
    boolean steady;
    @Nullable Track older;
    @Nullable Track newer;

    Track(RangeTracks range, StoreId store, String zone) {
      this.range = range;
      this.store = store;
      this.zone = zone;
    }
  }
}
