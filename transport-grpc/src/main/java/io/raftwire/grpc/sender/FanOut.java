package io.raftwire.grpc.sender;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.grpc.wire.WireCodec;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Zone fan-out, sending side: APPENDs of one range to two or more followers in one remote zone
 * cross the zone boundary once, as a bundle to an agent store in that zone, which relays them.
 *
 * <p><b>Which APPENDs.</b> Only APPENDs with entries to a store whose zone is known and differs from
 * this store's. Of those, only APPENDs to a follower in <em>steady replication</em>: its entries
 * continue exactly where the previous APPEND this sender accepted for that (range, follower) ended.
 * A first APPEND, a retry or probe (which starts at or before entries already sent), the first
 * APPEND after a snapshot, and any APPEND after a drop reported for that follower is sent directly
 * ({@code fallbacks.NOT_STEADY}); the follower is steady again from its next continuing APPEND.
 *
 * <p><b>Bundling.</b> A steady APPEND is charged to its own destination's lane and global budgets and
 * its credits are deducted for its own follower, exactly as a direct send, then it waits in the
 * pending bundle of its (range, zone, priority, sending replica). The bundle is sent as soon as no
 * other follower of that zone is <em>in step</em> with it: steady, sent an APPEND within the last
 * second, and sent exactly up to the entry before the bundle's first, so that its next APPEND
 * carries the same entries (a library that broadcasts hands it over microseconds later). An in-step
 * follower is awaited at most {@code fanOutLingerNanos}. An APPEND to a follower already in the
 * bundle, or whose entries do not overlap the bundle's, sends the pending bundle first and starts a
 * new one (requiring overlap, not mere adjacency, lets followers that fell out of step join the
 * same bundles again after one round). A bundle of one member is sent directly ({@code
 * fallbacks.ALONE}).
 *
 * <p><b>Waiting backs off.</b> Libraries that replicate to each follower on its own response (one
 * APPEND in flight per follower) keep followers out of step under load; a wait that expires with
 * nobody joining makes the group skip waiting for its next 1, 2, 4 .. 64 bundles, and a bundle that
 * fills resets that. So the wait costs at most about one linger in every 64 APPENDs when bundling
 * does not work out, and bundles form whenever the followers' APPENDs do meet.
 *
 * <p><b>The agent</b> of a zone is sticky: it stays while its breaker lets traffic through. When its
 * breaker opens, the zone's new agent is the lowest-id other store of that zone this sender
 * replicates to whose breaker lets traffic through; when there is none (or no agent yet), the
 * next bundle's agent is its member with the lowest store id whose breaker lets traffic through. It is never in this store's zone, since only
 * remote zones are bundled. With no eligible agent the members go directly ({@code
 * fallbacks.NO_AGENT}); so they do if the agent refuses the bundle ({@code AGENT_REFUSED}), if the
 * bundle would exceed the message size limit ({@code TOO_LARGE}), or if the members disagree about
 * an entry ({@code INCONSISTENT}).
 *
 * <p><b>Failures.</b> A bundle lost with the agent's stream drops every member as {@code
 * UNREACHABLE}; a member the agent could not relay, or that its follower refused, comes back as
 * that member's refusal. Either way the member's credits return and the library hears of the
 * drop, and the follower stops being steady, so the library's retry goes directly. A member
 * relayed and then lost with the agent is recovered by the library's own retry: Raft tolerates
 * loss and duplication, so the worst case is a retry. To get its followers' credit returns, which
 * ride on this store's own DATA stream to each follower, that stream is opened (a hello only) for
 * every member that is not the agent.
 *
 * <p>Thread-safe; lock order: this, then a destination, then its queue. Metrics under {@code
 * <prefix>.fanout}: {@code batches}, {@code members}, {@code entries_deduplicated}, {@code
 * bytes_saved}, {@code lingered} (bundles sent by the linger timer), {@code fallbacks.<reason>},
 * {@code agent_changes}, {@code agent.<zone>} (the agent's store id, 0 for none), {@code
 * tracked_followers}, {@code pending_bundles}.
 */
final class FanOut {
  /** A follower counts as expected in a bundle if it was steady within this time. */
  static final long STEADY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** A follower's replication track is forgotten after this long without APPENDs. */
  static final long FORGET_AFTER_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** Why a steady-looking APPEND was sent directly after all. */
  enum Fallback {
    NOT_STEADY,
    ALONE,
    NO_AGENT,
    AGENT_REFUSED,
    TOO_LARGE,
    INCONSISTENT
  }

  private final Sender sender;
  private final String localZone;
  private final long lingerNanos;
  private final MetricRegistry metrics;
  private final String prefix;

  private final Map<RangeId, Map<StoreId, Track>> tracks = new HashMap<>(); // @GuardedBy("this")
  private final Map<GroupKey, Pending> pending = new HashMap<>(); // @GuardedBy("this")
  private final Map<String, StoreId> agents = new HashMap<>(); // @GuardedBy("this")
  private final Map<GroupKey, GroupState> groups = new HashMap<>(); // @GuardedBy("this")

  private final Counter batches;
  private final Counter members;
  private final Counter entriesDeduplicated;
  private final Counter bytesSaved;
  private final Counter lingered;
  private final Counter agentChanges;
  private final Map<Fallback, Counter> fallbacks = new EnumMap<>(Fallback.class);

  /** Fan-out for {@code sender}; {@code localZone} null turns it off. */
  FanOut(Sender sender, String localZone, long lingerNanos, MetricRegistry metrics, String prefix) {
    this.sender = sender;
    this.localZone = localZone;
    this.lingerNanos = lingerNanos;
    this.metrics = metrics;
    this.prefix = MetricRegistry.name(prefix, "fanout");
    this.batches = metrics.counter(MetricRegistry.name(this.prefix, "batches"));
    this.members = metrics.counter(MetricRegistry.name(this.prefix, "members"));
    this.entriesDeduplicated = metrics.counter(MetricRegistry.name(this.prefix, "entries_deduplicated"));
    this.bytesSaved = metrics.counter(MetricRegistry.name(this.prefix, "bytes_saved"));
    this.lingered = metrics.counter(MetricRegistry.name(this.prefix, "lingered"));
    this.agentChanges = metrics.counter(MetricRegistry.name(this.prefix, "agent_changes"));
    for (Fallback f : Fallback.values()) {
      fallbacks.put(f, metrics.counter(MetricRegistry.name(this.prefix, "fallbacks", f.name())));
    }
    metrics.register(MetricRegistry.name(this.prefix, "tracked_followers"), (Gauge<Integer>) this::trackedFollowers);
    metrics.register(MetricRegistry.name(this.prefix, "pending_bundles"), (Gauge<Integer>) this::pendingBundles);
  }

  /** True if {@code envelope} to {@code destination} may travel in a bundle. */
  boolean applies(RaftEnvelope envelope, Destination destination) {
    return localZone != null
        && destination.zone != null
        && !destination.zone.equals(localZone)
        && !envelope.entries().isEmpty();
  }

  /**
   * Accepts an APPEND for which {@link #applies} holds: bundles it, or sends it directly. Returns
   * the refusal reason, or null if accepted; never blocks.
   */
  DropReason offer(Outbound message, Destination home) {
    RaftEnvelope envelope = message.envelope;
    List<LogEntry> entries = envelope.entries();
    long first = entries.get(0).index();
    long last = entries.get(entries.size() - 1).index();
    long now = sender.nanoTime();
    boolean steady;
    synchronized (this) {
      steady = observe(envelope.range(), home, first, last, now);
    }
    if (!steady) {
      fallbacks.get(Fallback.NOT_STEADY).inc();
      return home.offer(message);
    }
    DropReason refused = home.reserve(message);
    if (refused != null) {
      forget(envelope.range(), home.store);
      return refused;
    }
    List<Failed> failed = new ArrayList<>();
    List<Outbound> opened = new ArrayList<>();
    synchronized (this) {
      GroupKey key = new GroupKey(envelope.range(), home.zone, envelope.priority(), envelope.from());
      Pending bundle = pending.get(key);
      if (bundle != null && !bundle.accepts(home.store, first, last)) {
        pending.remove(key);
        bundle.cancelTimer();
        seal(bundle, failed, opened);
        bundle = null;
      }
      if (bundle == null) {
        bundle = new Pending(key);
        pending.put(key, bundle);
      }
      bundle.add(message, first, last);
      if (bundle.members.size() > 1) {
        groups.computeIfAbsent(key, k -> new GroupState()).misses = 0; // waiting pays off again
      }
      if (lingerNanos == 0 || !awaitsSibling(bundle, now)) {
        pending.remove(key);
        bundle.cancelTimer();
        seal(bundle, failed, opened);
      } else if (bundle.timer == null) {
        Pending waiting = bundle;
        bundle.timer = sender.scheduler().schedule(() -> expire(waiting), lingerNanos, TimeUnit.NANOSECONDS);
      }
    }
    finish(failed, opened);
    return null;
  }

  private void expire(Pending bundle) {
    List<Failed> failed = new ArrayList<>();
    List<Outbound> opened = new ArrayList<>();
    synchronized (this) {
      if (pending.get(bundle.key) != bundle) {
        return;
      }
      pending.remove(bundle.key);
      lingered.inc();
      GroupState group = groups.computeIfAbsent(bundle.key, k -> new GroupState());
      if (bundle.members.size() == 1) {
        // Nobody joined: the followers are out of step (e.g. one has an APPEND in flight). Skip
        // the wait for the next 1, 2, 4 .. 64 bundles of this group rather than delay each.
        group.misses = Math.min(group.misses + 1, 6);
        group.skipWaits = 1 << (group.misses - 1);
      }
      seal(bundle, failed, opened);
    }
    finish(failed, opened);
  }

  /** Outside the lock: reports members that could not be queued, opens members' DATA streams. */
  private void finish(List<Failed> failed, List<Outbound> opened) {
    for (Failed f : failed) {
      f.message.home.fail(List.of(f.message), f.reason);
    }
    for (Outbound m : opened) {
      m.home.data.ensureOpen();
    }
  }

  // @GuardedBy("this"): queues under the lock so that bundles of one range leave in order.
  private void seal(Pending bundle, List<Failed> failed, List<Outbound> opened) {
    List<Outbound> all = bundle.members;
    if (all.size() == 1) {
      direct(all, Fallback.ALONE, failed);
      return;
    }
    List<RaftEnvelope> envelopes = new ArrayList<>(all.size());
    long memberBytes = 0;
    int memberEntries = 0;
    for (Outbound m : all) {
      envelopes.add(m.envelope);
      memberBytes += m.sizeBytes;
      memberEntries += m.envelope.entries().size();
    }
    List<LogEntry> union;
    try {
      union = WireCodec.unionOfEntries(envelopes);
    } catch (IllegalArgumentException e) {
      direct(all, Fallback.INCONSISTENT, failed);
      return;
    }
    Outbound out = Outbound.bundle(all, union, sender.nanoTime());
    if (out.sizeBytes > sender.limits().maxMessageBytes()) {
      direct(all, Fallback.TOO_LARGE, failed);
      return;
    }
    Destination agent = agentFor(bundle.key.zone, all);
    if (agent == null) {
      direct(all, Fallback.NO_AGENT, failed);
      return;
    }
    if (agent.enqueueCharged(out) != null) {
      direct(all, Fallback.AGENT_REFUSED, failed);
      return;
    }
    batches.inc();
    members.inc(all.size());
    entriesDeduplicated.inc(memberEntries - union.size());
    bytesSaved.inc(memberBytes - out.sizeBytes);
    for (Outbound m : all) {
      if (m.home != agent) {
        opened.add(m);
      }
    }
  }

  // @GuardedBy("this")
  private void direct(List<Outbound> all, Fallback reason, List<Failed> failed) {
    fallbacks.get(reason).inc();
    for (Outbound m : all) {
      DropReason refused = m.home.enqueueCharged(m);
      if (refused != null) {
        failed.add(new Failed(m, refused));
      }
    }
  }

  // @GuardedBy("this")
  private Destination agentFor(String zone, List<Outbound> candidates) {
    StoreId current = agents.get(zone);
    if (current != null) {
      Destination d = sender.existingDestination(current);
      if (d != null && d.allowsTraffic()) {
        return d;
      }
    }
    Destination best = null;
    for (Outbound m : candidates) {
      if (m.home.allowsTraffic() && (best == null || m.home.store.value() < best.store.value())) {
        best = m.home;
      }
    }
    if (best != null && !best.store.equals(current)) {
      if (current != null) {
        agentChanges.inc();
      } else {
        metrics.gauge(MetricRegistry.name(prefix, "agent", zone), () -> (Gauge<Long>) () -> agentId(zone));
      }
      agents.put(zone, best.store);
    }
    return best;
  }

  /**
   * {@code down}'s breaker opened: if it was its zone's agent, the zone's next agent is the
   * lowest-id store of that zone this sender replicates to whose breaker lets traffic through
   * (none if there is no such store: the next bundle chooses among its members).
   */
  synchronized void destinationDown(Destination down) {
    if (down.zone == null || !down.store.equals(agents.get(down.zone))) {
      return;
    }
    Destination next = null;
    for (Map<StoreId, Track> followers : tracks.values()) {
      for (Map.Entry<StoreId, Track> e : followers.entrySet()) {
        if (!down.zone.equals(e.getValue().zone) || e.getKey().equals(down.store)) {
          continue;
        }
        Destination d = sender.existingDestination(e.getKey());
        if (d != null && d.allowsTraffic() && (next == null || d.store.value() < next.store.value())) {
          next = d;
        }
      }
    }
    if (next == null) {
      agents.remove(down.zone);
    } else {
      agents.put(down.zone, next.store);
      agentChanges.inc();
    }
  }

  private synchronized long agentId(String zone) {
    StoreId agent = agents.get(zone);
    return agent == null ? 0 : agent.value();
  }

  /** The current agent of {@code zone}, if there is one. */
  synchronized java.util.Optional<StoreId> agent(String zone) {
    return java.util.Optional.ofNullable(agents.get(zone));
  }

  // @GuardedBy("this"): records the APPEND; true if it continues the previous one to that follower.
  private boolean observe(RangeId range, Destination to, long first, long last, long now) {
    Map<StoreId, Track> followers = tracks.computeIfAbsent(range, r -> new HashMap<>());
    Track track = followers.get(to.store);
    if (track == null) {
      track = new Track(to.zone);
      followers.put(to.store, track);
    }
    boolean steady = track.lastIndex > 0 && first == track.lastIndex + 1;
    track.steady = steady;
    track.lastIndex = last;
    track.lastNanos = now;
    return steady;
  }

  /**
   * True if the bundle should wait for another follower of its zone: one that is steady, had an
   * APPEND within {@link #STEADY_WINDOW_NANOS}, and was sent exactly up to where the bundle's
   * entries begin, so that its next APPEND carries the same entries; and the group is not backing
   * off from waits that went unrewarded.
   */
  // @GuardedBy("this")
  private boolean awaitsSibling(Pending bundle, long now) {
    GroupState group = groups.computeIfAbsent(bundle.key, k -> new GroupState());
    if (group.skipWaits > 0) {
      group.skipWaits--;
      return false;
    }
    for (Map.Entry<StoreId, Track> e : tracks.getOrDefault(bundle.key.range, Map.of()).entrySet()) {
      Track t = e.getValue();
      if (t.steady
          && t.zone.equals(bundle.key.zone)
          && now - t.lastNanos <= STEADY_WINDOW_NANOS
          && t.lastIndex == bundle.low - 1
          && !bundle.has(e.getKey())) {
        return true;
      }
    }
    return false;
  }

  /** A message to {@code store} of {@code range} was dropped: its next APPEND goes directly. */
  synchronized void forget(RangeId range, StoreId store) {
    Map<StoreId, Track> followers = tracks.get(range);
    Track track = followers == null ? null : followers.get(store);
    if (track != null) {
      track.steady = false;
      track.lastIndex = -1;
    }
  }

  /** Upkeep: forgets followers that have had no APPEND for {@link #FORGET_AFTER_NANOS}. */
  synchronized void prune(long nowNanos) {
    Iterator<Map<StoreId, Track>> ranges = tracks.values().iterator();
    while (ranges.hasNext()) {
      Map<StoreId, Track> followers = ranges.next();
      followers.values().removeIf(t -> nowNanos - t.lastNanos > FORGET_AFTER_NANOS);
      if (followers.isEmpty()) {
        ranges.remove();
      }
    }
    groups.keySet().removeIf(k -> !tracks.containsKey(k.range) && !pending.containsKey(k));
  }

  /** Sends every pending bundle's members directly: the sender is closing. */
  void close() {
    List<Failed> failed = new ArrayList<>();
    synchronized (this) {
      for (Pending bundle : pending.values()) {
        bundle.cancelTimer();
        direct(bundle.members, Fallback.NO_AGENT, failed);
      }
      pending.clear();
    }
    finish(failed, List.of());
  }

  private synchronized int trackedFollowers() {
    int n = 0;
    for (Map<StoreId, Track> followers : tracks.values()) {
      n += followers.size();
    }
    return n;
  }

  private synchronized int pendingBundles() {
    return pending.size();
  }

  /** A member that could not be queued directly, to be reported outside the lock. */
  private static final class Failed {
    final Outbound message;
    final DropReason reason;

    Failed(Outbound message, DropReason reason) {
      this.message = message;
      this.reason = reason;
    }
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

  /** Which APPENDs may share a bundle. */
  private static final class GroupKey {
    final RangeId range;
    final String zone;
    final Priority priority;
    final ReplicaAddress from;

    GroupKey(RangeId range, String zone, Priority priority, ReplicaAddress from) {
      this.range = range;
      this.zone = zone;
      this.priority = priority;
      this.from = from;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof GroupKey)) {
        return false;
      }
      GroupKey k = (GroupKey) o;
      return range.equals(k.range) && zone.equals(k.zone) && priority == k.priority && from.equals(k.from);
    }

    @Override
    public int hashCode() {
      return Objects.hash(range, zone, priority, from);
    }
  }

  /** A bundle being filled. */
  private static final class Pending {
    final GroupKey key;
    final List<Outbound> members = new ArrayList<>(4);
    long low = Long.MAX_VALUE;
    long high = Long.MIN_VALUE;
    ScheduledFuture<?> timer;

    Pending(GroupKey key) {
      this.key = key;
    }

    /** True if an APPEND to {@code store} with entries {@code first..last} may join. */
    boolean accepts(StoreId store, long first, long last) {
      return !has(store) && first <= high && last >= low;
    }

    boolean has(StoreId store) {
      for (Outbound m : members) {
        if (m.home.store.equals(store)) {
          return true;
        }
      }
      return false;
    }

    void add(Outbound message, long first, long last) {
      members.add(message);
      low = Math.min(low, first);
      high = Math.max(high, last);
    }

    void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }
}
