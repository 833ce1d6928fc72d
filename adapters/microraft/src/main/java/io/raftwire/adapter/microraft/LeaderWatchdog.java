package io.raftwire.adapter.microraft;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.RaftRole;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.message.TriggerLeaderElectionRequest;
import io.microraft.report.RaftNodeReport;
import io.microraft.report.RaftTerm;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an election on a follower that MicroRaft leaves waiting for a leader that has gone quiet.
 *
 * <p>MicroRaft 0.7 checks its leader's heartbeats once per heartbeat period and forgets a leader it
 * has not heard from within the leader heartbeat timeout; from then on the follower runs pre-votes
 * until some node leads. A follower that started a pre-vote and then heard from its leader again in
 * the same term keeps its pre-candidate state, and while that state is set its heartbeat check does
 * nothing: when that leader then dies, the follower keeps it as its leader for ever and never
 * starts an election. If every survivor of a range is in that state the range stays leaderless
 * until the dead store returns.
 *
 * <p>The watchdog reads, every {@code intervalNanos}, each node's leader and the time the node here
 * last received a message only a leader sends ({@link RangeRegistry#lastLeaderMessage}). A follower
 * that still names a leader it has not heard from for longer than MicroRaft could ever keep it
 * (its heartbeat timeout plus one heartbeat period, plus one watchdog interval) is a follower whose
 * check did not run. The watchdog then confirms with the node's own report (still a follower, same
 * leader, same term) and hands the node a {@code TriggerLeaderElectionRequest} in that leader's
 * name, which MicroRaft's public API accepts from the current leader of the current term with the
 * follower's own last log entry: the follower starts an election of the next term at once, as in a
 * leadership transfer. A healthy follower is never touched: it hears its leader every heartbeat
 * period, and one that has lost its leader the normal way no longer names one.
 *
 * <p>Thread contract: {@link #check()} runs on the timebase's timer; it reads nodes' terms
 * (volatile in MicroRaft), asks for reports (answered on each node's own thread) and enqueues the
 * request with {@link RaftNode#handle}; it never blocks. Elections it triggers are counted in
 * {@code raftwire.<store>.microraft.watchdog.elections_triggered} and logged at WARN, one line each.
 */
final class LeaderWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderWatchdog.class);

  private final StoreId store;
  private final RangeRegistry registry;
  private final RaftModelFactory factory;
  private final long intervalNanos;
  private final Counter triggered;
  private final Timebase.Cancellable task;
  /** Per range: the leader and term it was last seen following, and since when. */
  private final Map<RangeId, Watch> watches = new ConcurrentHashMap<>();
  /** Ranges whose report is being read: at most one confirmation in flight per range. */
  private final Set<RangeId> confirming = ConcurrentHashMap.newKeySet();

  /** What a follower was seen following, from when (on the registry's clock). */
  private record Watch(RaftEndpoint leader, int term, long sinceNanos) {}

  LeaderWatchdog(StoreId store, RangeRegistry registry, RaftModelFactory factory, Timebase timebase,
      long intervalNanos, MetricRegistry metrics) {
    this.store = Objects.requireNonNull(store, "store");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.factory = Objects.requireNonNull(factory, "factory");
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("watchdog interval must be > 0 ns, was " + intervalNanos);
    }
    this.intervalNanos = intervalNanos;
    this.triggered = metrics.counter(
        MetricRegistry.name("raftwire", store.toString(), "microraft", "watchdog", "elections_triggered"));
    this.task = timebase.scheduleWithFixedDelay(this::check, intervalNanos, intervalNanos);
  }

  /** {@return the elections this watchdog has started, since it was created} */
  long electionsTriggered() {
    return triggered.getCount();
  }

  /** Looks at every node once; see the class comment. */
  void check() {
    long now = registry.nanoTime();
    Map<RangeId, RaftNode> nodes = registry.nodes();
    watches.keySet().retainAll(nodes.keySet());
    nodes.forEach((range, node) -> {
      try {
        check(range, node, now);
      } catch (RuntimeException e) {
        log.warn("{}: leader watchdog could not check {}", store, range, e);
      }
    });
  }

  private void check(RangeId range, RaftNode node, long now) {
    RaftTerm term = node.getTerm();
    RaftEndpoint leader = term.getLeaderEndpoint();
    if (leader == null || leader.equals(node.getLocalEndpoint()) || node.getStatus() != RaftNodeStatus.ACTIVE) {
      watches.remove(range);
      return;
    }
    Watch watch = watches.get(range);
    if (watch == null || !watch.leader().equals(leader) || watch.term() != term.getTerm()) {
      watch = new Watch(leader, term.getTerm(), now);
      watches.put(range, watch);
    }
    long heard = watch.sinceNanos();
    Optional<RangeRegistry.LeaderContact> contact = registry.lastLeaderMessage(range);
    if (contact.isPresent() && leader instanceof StoreEndpoint
        && contact.get().from().equals(StoreEndpoint.storeOf(leader))) {
      heard = Math.max(heard, contact.get().nanos());
    }
    if (now - heard <= quietLimitNanos(node) || !confirming.add(range)) {
      return;
    }
    int silentTerm = term.getTerm();
    long silentNanos = now - heard;
    var unused = node.getReport().whenComplete((ordered, failure) -> {
      confirming.remove(range);
      if (failure != null) {
        return; // the node is terminating or gone; nothing to do
      }
      RaftNodeReport report = ordered.getResult();
      if (report.getRole() != RaftRole.FOLLOWER || !leader.equals(report.getTerm().getLeaderEndpoint())
          || report.getTerm().getTerm() != silentTerm) {
        return; // it moved on between the check and the report
      }
      TriggerLeaderElectionRequest request = factory.createTriggerLeaderElectionRequestBuilder()
          .setGroupId(range).setSender(leader).setTerm(silentTerm)
          .setLastLogTerm(report.getLog().getLastLogOrSnapshotTerm())
          .setLastLogIndex(report.getLog().getLastLogOrSnapshotIndex()).build();
      node.handle(request);
      watches.remove(range);
      triggered.inc();
      log.warn("{}: {} still follows {} in term {} after {} ms without a message from it; MicroRaft's own "
          + "heartbeat check did not act, so the watchdog started an election", store, range, leader.getId(),
          silentTerm, TimeUnit.NANOSECONDS.toMillis(silentNanos));
    });
  }

  /** The longest a healthy MicroRaft follower keeps a leader it does not hear from, plus a check. */
  private long quietLimitNanos(RaftNode node) {
    long secs = node.getConfig().getLeaderHeartbeatTimeoutSecs() + node.getConfig().getLeaderHeartbeatPeriodSecs();
    return TimeUnit.SECONDS.toNanos(secs) + intervalNanos;
  }

  /** Stops checking; an election already handed to a node still runs. */
  @Override
  public void close() {
    task.cancel();
    watches.clear();
  }
}
