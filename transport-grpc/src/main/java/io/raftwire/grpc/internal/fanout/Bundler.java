package io.raftwire.grpc.internal.fanout;

import com.codahale.metrics.Counter;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.sender.AppendPolicy;
import io.raftwire.grpc.internal.sender.AppendRoute;
import io.raftwire.grpc.internal.sender.EnvelopeMessage;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Zone fan-out, sending side: the {@link AppendPolicy} that bundles steady APPENDs of one range to
 * two or more followers in one remote zone into one message to an agent store of that zone. The
 * rules are {@link BundlePlanner}'s; this class applies them to the sender's destinations.
 *
 * <p><b>Which APPENDs.</b> APPENDs with entries to a store whose zone is known and differs from
 * this store's. Those that are not steady go directly ({@code fallbacks.NOT_STEADY}).
 *
 * <p><b>Members.</b> A steady APPEND is reserved at its own follower's destination (its lane and
 * global budgets charged, its credits deducted, exactly as a direct send) and waits in its group's
 * bundle. A bundle of one is sent directly ({@code ALONE}); so are the members of a bundle with no
 * agent that lets traffic through ({@code NO_AGENT}), that the agent's destination refuses ({@code
 * AGENT_REFUSED}), that would exceed the message size limit ({@code TOO_LARGE}) or whose members
 * disagree about an entry ({@code INCONSISTENT}).
 *
 * <p><b>Failures.</b> A bundle lost with the agent's stream drops every member as {@code
 * UNREACHABLE}; a member the agent could not relay, or that its follower refused, comes back as
 * that member's drop. Either way the member's credits return, the library hears, and the follower
 * stops being steady, so the library's retry goes directly. Each member's follower keeps its own
 * DATA stream open (a hello only): its credit returns ride there.
 *
 * <p>Thread-safe; lock order: this, then a destination. Bundles are queued under this lock, so
 * bundles of one range leave in order; drops are reported outside it.
 */
public final class Bundler implements AppendPolicy {
  /** Why a steady-looking APPEND was sent directly after all. */
  enum Fallback {
    NOT_STEADY,
    ALONE,
    NO_AGENT,
    AGENT_REFUSED,
    TOO_LARGE,
    INCONSISTENT
  }

  /** The most followers one hold of this lock forgets in {@link #upkeep}. */
  static final int PRUNE_BATCH = 1024;

  private final String localZone;
  private final Supplier<TransportLimits> limits;
  private final Timebase timebase;
  private final StoreMetrics metrics;
  private final Counter batches;
  private final Counter members;
  private final Counter entriesDeduplicated;
  private final Counter bytesSaved;
  private final Counter bytesAdded;
  private final Counter lingered;
  private final Counter agentChanges;
  private final Map<Fallback, Counter> fallbacks;

  @GuardedBy("this")
  private final BundlePlanner<Member> planner;

  @GuardedBy("this")
  private final Map<StoreId, AppendRoute> routes = new HashMap<>();

  @GuardedBy("this")
  private final Set<String> agentGauges = new HashSet<>();

  /**
   * @param localZone this store's zone
   * @param lingerNanos the longest a bundle waits for in-step followers (0: never waits)
   * @param limits read for the message size limit a bundle must keep
   */
  public Bundler(String localZone, long lingerNanos, Supplier<TransportLimits> limits, Timebase timebase,
      StoreMetrics metrics) {
    this.localZone = localZone;
    this.limits = limits;
    this.timebase = timebase;
    this.metrics = metrics;
    this.planner = new BundlePlanner<>(lingerNanos);
    this.batches = metrics.counter(GrpcMetrics.FANOUT_BATCHES);
    this.members = metrics.counter(GrpcMetrics.FANOUT_MEMBERS);
    this.entriesDeduplicated = metrics.counter(GrpcMetrics.FANOUT_ENTRIES_DEDUPLICATED);
    this.bytesSaved = metrics.counter(GrpcMetrics.FANOUT_BYTES_SAVED);
    this.bytesAdded = metrics.counter(GrpcMetrics.FANOUT_BYTES_ADDED);
    this.lingered = metrics.counter(GrpcMetrics.FANOUT_LINGERED);
    this.agentChanges = metrics.counter(GrpcMetrics.FANOUT_AGENT_CHANGES);
    this.fallbacks = metrics.counters(GrpcMetrics.FANOUT_FALLBACKS, Fallback.class);
    metrics.gauge(GrpcMetrics.FANOUT_TRACKED_FOLLOWERS, this::trackedFollowers);
    metrics.gauge(GrpcMetrics.FANOUT_PENDING_BUNDLES, this::pendingBundles);
  }

  /** One member of a bundle: the message and its follower's destination. */
  private record Member(EnvelopeMessage message, AppendRoute route) {}

  @Override
  public boolean applies(RaftEnvelope append, AppendRoute route) {
    String zone = route.zone();
    return zone != null && !zone.equals(localZone);
  }

  @Override
  public @Nullable DropReason accept(EnvelopeMessage append, AppendRoute route) {
    RaftEnvelope envelope = append.envelope();
    List<LogEntry> entries = envelope.entries();
    long first = entries.get(0).index();
    long last = entries.get(entries.size() - 1).index();
    String zone = route.zone();
    if (zone == null) {
      return route.offer(append); // not an applicable route after all
    }
    long now = timebase.nanoTime();
    boolean steady;
    synchronized (this) {
      routes.put(route.store(), route);
      steady = planner.observe(envelope.range(), route.store(), zone, first, last, now);
    }
    if (!steady) {
      fallbacks.get(Fallback.NOT_STEADY).inc();
      return route.offer(append);
    }
    DropReason refused = route.reserve(append);
    if (refused != null) {
      dropped(envelope.range(), route.store());
      return refused;
    }
    Outcome outcome = new Outcome();
    synchronized (this) {
      GroupKey key = new GroupKey(envelope.range(), zone, envelope.priority(), envelope.from());
      BundlePlanner.Decision<Member> decision = planner.add(key, route.store(), first, last, new Member(append, route), now);
      for (BundlePlanner.Pending<Member> bundle : decision.seal()) {
        seal(bundle, outcome);
      }
      BundlePlanner.Pending<Member> waiting = decision.linger();
      if (waiting != null) {
        waiting.timer(timebase.schedule(() -> expire(waiting), planner.lingerNanos()));
      }
    }
    outcome.finish();
    return null;
  }

  private void expire(BundlePlanner.Pending<Member> bundle) {
    Outcome outcome = new Outcome();
    synchronized (this) {
      if (!planner.expire(bundle)) {
        return;
      }
      lingered.inc();
      seal(bundle, outcome);
    }
    outcome.finish();
  }

  @GuardedBy("this")
  private void seal(BundlePlanner.Pending<Member> bundle, Outcome outcome) {
    List<Member> all = bundle.members;
    if (all.size() == 1) {
      direct(all, Fallback.ALONE, outcome);
      return;
    }
    List<EnvelopeMessage> messages = new ArrayList<>(all.size());
    List<StoreId> stores = new ArrayList<>(all.size());
    for (Member m : all) {
      messages.add(m.message());
      stores.add(m.route().store());
    }
    Bundle out;
    try {
      out = Bundle.of(messages);
    } catch (IllegalArgumentException inconsistent) {
      direct(all, Fallback.INCONSISTENT, outcome);
      return;
    }
    if (out.sizeBytes() > limits.get().maxMessageBytes()) {
      direct(all, Fallback.TOO_LARGE, outcome);
      return;
    }
    String zone = bundle.key.zone();
    StoreId previous = planner.agent(zone).orElse(null);
    StoreId agentStore = planner.agentFor(zone, stores, this::allowsTraffic);
    if (agentStore != null && !agentStore.equals(previous)) {
      agentChosen(zone, previous);
    }
    AppendRoute agent = agentStore == null ? null : routes.get(agentStore);
    if (agent == null) {
      direct(all, Fallback.NO_AGENT, outcome);
      return;
    }
    if (agent.enqueueReserved(out) != null) {
      direct(all, Fallback.AGENT_REFUSED, outcome);
      return;
    }
    batches.inc();
    members.inc(all.size());
    entriesDeduplicated.inc(out.entriesDeduplicated());
    // A bundle whose members share few entries is larger than they are: counted apart, so that
    // both counters only grow (a Prometheus counter never decreases; a negative one fails the scrape).
    long saved = out.bytesSaved();
    if (saved >= 0) {
      bytesSaved.inc(saved);
    } else {
      bytesAdded.inc(-saved);
    }
    for (Member m : all) {
      if (m.route() != agent) {
        outcome.open(m.route());
      }
    }
  }

  @GuardedBy("this")
  private void agentChosen(String zone, @Nullable StoreId previous) {
    if (previous != null) {
      agentChanges.inc();
    }
    if (agentGauges.add(zone)) {
      metrics.gauge(GrpcMetrics.FANOUT_AGENT, () -> agentId(zone), zone);
    }
  }

  @GuardedBy("this")
  private void direct(List<Member> all, Fallback reason, Outcome outcome) {
    fallbacks.get(reason).inc();
    for (Member m : all) {
      DropReason refused = m.route().enqueueReserved(m.message());
      if (refused != null) {
        outcome.fail(m, refused);
      }
    }
  }

  private synchronized boolean allowsTraffic(StoreId store) {
    AppendRoute route = routes.get(store);
    return route != null && route.allowsTraffic();
  }

  @Override
  public void routeDown(AppendRoute route) {
    String zone = route.zone();
    if (zone == null) {
      return;
    }
    synchronized (this) {
      Optional<StoreId> previous = planner.agent(zone);
      planner.agentDown(route.store(), zone, this::allowsTraffic);
      Optional<StoreId> now = planner.agent(zone);
      if (now.isPresent() && !now.equals(previous)) {
        agentChanges.inc();
      }
    }
  }

  @Override
  public synchronized void dropped(io.raftwire.topology.RangeId range, StoreId store) {
    planner.forget(range, store);
  }

  /**
   * Forgets idle followers, at most {@link #PRUNE_BATCH} per hold of the lock that APPENDs take, so
   * a mass expiry (a store restart that moved many leaderships) does not hold them up; the work is
   * proportional to what expired.
   */
  @Override
  public void upkeep(long nowNanos) {
    boolean more;
    do {
      synchronized (this) {
        more = planner.prune(nowNanos, PRUNE_BATCH);
      }
    } while (more);
  }

  /** Sends every waiting bundle's members directly: the sender is closing. */
  @Override
  public void close() {
    Outcome outcome = new Outcome();
    synchronized (this) {
      for (BundlePlanner.Pending<Member> bundle : planner.drain()) {
        direct(bundle.members, Fallback.NO_AGENT, outcome);
      }
    }
    outcome.finish();
  }

  /** The current agent of {@code zone}, if there is one. */
  public synchronized Optional<StoreId> agent(String zone) {
    return planner.agent(zone);
  }

  private synchronized long agentId(String zone) {
    return planner.agent(zone).map(StoreId::value).orElse(0L);
  }

  private synchronized int trackedFollowers() {
    return planner.trackedFollowers();
  }

  private synchronized int pendingBundles() {
    return planner.pendingBundles();
  }

  /** What sealing decided that must happen outside the lock: failed members, streams to open. */
  private static final class Outcome {
    private final List<Member> failed = new ArrayList<>(0);
    private final List<DropReason> reasons = new ArrayList<>(0);
    private final List<AppendRoute> open = new ArrayList<>(0);

    void fail(Member m, DropReason reason) {
      failed.add(m);
      reasons.add(reason);
    }

    void open(AppendRoute route) {
      open.add(route);
    }

    void finish() {
      for (int i = 0; i < failed.size(); i++) {
        Member m = failed.get(i);
        m.route().fail(List.of(m.message()), reasons.get(i));
      }
      for (AppendRoute route : open) {
        route.keepDataStreamOpen();
      }
    }
  }
}
