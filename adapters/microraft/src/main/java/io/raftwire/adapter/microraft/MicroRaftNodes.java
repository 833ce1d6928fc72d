package io.raftwire.adapter.microraft;

import com.codahale.metrics.MetricRegistry;
import io.microraft.Ordered;
import io.microraft.RaftNode;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.flow.FlowControl;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The MicroRaft nodes of one store on one raftwire transport, wired in one place: the {@link
 * MicroRaftTransport} every node sends through, the {@link RangeRegistry} that routes inbound
 * batches, and, when enabled, flow control ({@link AdmissionHooks}: proposals wait for credits,
 * followers report durable entries) and snapshot transfers ({@link MicroRaftSnapshots}).
 *
 * <pre>{@code
 * MicroRaftSnapshots snapshots = new MicroRaftSnapshots(codec); // the transport's snapshot source and sink
 * RaftTransport transport = ...;                               // started with them
 * MicroRaftNodes nodes = MicroRaftNodes.builder(transport, codec).snapshots(snapshots).build();
 * RaftNode node = nodes.start(range, RaftNode.newBuilder().setGroupId(range)..., store);
 * nodes.replicate(node, operation, bytes);
 * }</pre>
 *
 * <p>Admission needs the transport's flow control with {@code libraryReportsDurability(true)} in
 * its admission config: each follower's {@code RaftStore} reports what its flushes made durable.
 * Snapshots need the transport's snapshot transfers, configured with the same {@link
 * MicroRaftSnapshots} as source and sink.
 *
 * <p>Inbound messages whose sender, group or destination is not their envelope's, and messages that
 * do not decode, never reach a node: they are counted ({@link #refused}) and reported through a
 * rate-limited problem log ({@link Builder#problemLines}, {@link Builder#problemTimebase}); see
 * {@link RangeRegistry}.
 *
 * <p>Refusals of the transport reach MicroRaft as heartbeats (see {@link MicroRaftTransport}): the
 * nodes' transport listens for the transport's drops, and a follower whose appends are refused
 * keeps hearing its leader ({@link Builder#refusalFeedback}). Its counters are in {@link
 * #metricRegistry()}.
 *
 * <p>A leader watchdog ({@link Builder#leaderWatchdog}, on by default) makes a follower that still
 * names a leader it has not heard from for longer than MicroRaft allows start an election: MicroRaft
 * 0.7 can leave a follower in that state for ever, and a range whose survivors all are in it
 * leaderless (see {@link #watchdogElections()}).
 *
 * <p><b>Coalesced heartbeats</b> ({@link Builder#coalescedHeartbeats}, on by default when the
 * transport offers them): MicroRaft's appends without entries and all append responses travel as
 * the transport's coalesced heartbeats, one wire message per destination store per flush and one
 * handler call per wire message on the receiving store, instead of one envelope each. Every store
 * of a cluster must make the same choice: a store that registers no heartbeat handler refuses the
 * heartbeats of one that sends them (they are counted undelivered, and its ranges lose their
 * leaders). <b>Quiescence:</b> MicroRaft 0.7 cannot let an idle range stop heartbeating: a leader
 * sends every follower an append each heartbeat period from a timer of its own, and a follower
 * that misses them for its heartbeat timeout starts an election; neither can be paused from
 * outside. So the transport's store liveness ({@code Heartbeats.liveness()}) feeds only {@code
 * isReachable} here, and the cost of an idle MicroRaft range stays one small record per follower
 * per heartbeat period, coalesced.
 *
 * <p>Thread-safe. {@link #close()} stops routing to every node and stops listening for drops and
 * heartbeats; it does not terminate the nodes.
 */
public final class MicroRaftNodes implements AutoCloseable {
  /** The default of {@link Builder#leaderWatchdogIntervalNanos}: 500 ms. */
  public static final long DEFAULT_WATCHDOG_INTERVAL_NANOS = 500_000_000L;

  private final RaftTransport transport;
  private final RangeRegistry registry;
  private final MicroRaftTransport raftTransport;
  private final Optional<AdmissionHooks> hooks;
  private final Optional<MicroRaftSnapshots> snapshots;
  private final MetricRegistry metrics;
  private final Registration dropListener;
  private final Optional<Registration> heartbeatHandler;
  private final Optional<LeaderWatchdog> watchdog;

  private MicroRaftNodes(Builder b) {
    this.transport = b.transport;
    this.metrics = b.metrics != null ? b.metrics : new MetricRegistry();
    this.hooks = b.admission
        ? Optional.of(new AdmissionHooks(flowControl(b.transport), b.transport.localStore(), b.codec))
        : Optional.empty();
    this.snapshots = b.snapshots;
    // A follower's snapshot requests (its leader's offers) are learnt from the messages delivered
    // (those that passed the identity check: a forged offer teaches nothing).
    this.registry = new RangeRegistry(b.transport, b.codec,
        hooks.isPresent() ? hooks.get().onAppend() : envelope -> {},
        snapshots.isPresent() ? snapshots.get()::received : (envelope, message) -> {},
        new InboundProblems(b.transport.localStore(), b.problemTimebase, b.problemLines),
        b.watchdogTimebase::nanoTime);
    if (snapshots.isPresent()) {
      SnapshotTransfers transfers = b.transport.snapshots().orElseThrow(() -> new IllegalArgumentException(
          "snapshots need a transport with snapshot transfers (its SnapshotConfig's source and sink)"));
      snapshots.get().attach(registry, transfers);
    }
    Heartbeats heartbeats = b.coalescedHeartbeats
        ? b.transport.heartbeats().orElseThrow(() -> new IllegalArgumentException(
            "coalesced heartbeats need a transport that offers them (" + b.transport + " does not)"))
        : null;
    this.raftTransport = new MicroRaftTransport(b.transport, b.codec, snapshots.orElse(null), metrics,
        b.feedbackTimebase, b.feedbackIntervalNanos, b.feedback, heartbeats);
    this.heartbeatHandler = heartbeats == null ? Optional.empty() : Optional.of(heartbeats.register(
        new HeartbeatRouting(registry, raftTransport, b.transport.localStore(), metrics)));
    this.dropListener = b.transport.addDropListener(raftTransport::onDropped);
    this.watchdog = b.watchdog
        ? Optional.of(new LeaderWatchdog(b.transport.localStore(), registry, b.codec.modelFactory(),
            b.watchdogTimebase, b.watchdogIntervalNanos, metrics))
        : Optional.empty();
  }

  private static FlowControl flowControl(RaftTransport transport) {
    return transport.flowControl().orElseThrow(() -> new IllegalArgumentException(
        "admission needs a transport with flow control (" + transport + " has none)"));
  }

  /**
   * A builder for the nodes of {@code transport}'s store, encoding with {@code codec}.
   *
   * @param transport the store's raftwire transport; admission defaults to on if it has flow
   *     control; not null
   * @param codec the codec every node's messages go through; not null
   * @return a new builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(RaftTransport transport, MicroRaftCodec codec) {
    return new Builder(transport, codec);
  }

  /**
   * Builds, registers and starts the node of {@code range}: the builder gets the raftwire
   * transport and {@code store} (wrapped to capture snapshots and to report durable entries, as
   * enabled); everything else (group id, endpoints, state machine, config) is the caller's.
   *
   * @param range the node's range; must equal the group id set on {@code builder}
   * @param builder a MicroRaft node builder with everything but transport and store set; its
   *     transport and store are overwritten
   * @param store the node's persistence; not null
   * @return the started node, already routed to; its leader is known later
   * @throws NullPointerException if {@code range} or {@code store} is null
   * @throws IllegalArgumentException if the node's group id is not a {@link RangeId}
   * @throws IllegalStateException if the range has a node here already
   */
  public RaftNode start(RangeId range, RaftNode.RaftNodeBuilder builder, RaftStore store) {
    return start(range, builder, store, Optional.empty());
  }

  /**
   * As {@link #start(RangeId, RaftNode.RaftNodeBuilder, RaftStore)}, for a node restored from
   * {@code restored} (set on the builder here; its snapshot, if any, is what this store sends).
   *
   * @param range the node's range; must equal the group id set on {@code builder}
   * @param builder a MicroRaft node builder with everything but transport, store and restored
   *     state set; those are overwritten
   * @param store the node's persistence; not null
   * @param restored the state read back from {@code store}, or empty for a new node
   * @return the started node, already routed to; its leader is known later
   * @throws NullPointerException if {@code range} or {@code store} is null
   * @throws IllegalArgumentException if the node's group id is not a {@link RangeId}
   * @throws IllegalStateException if the range has a node here already
   */
  public RaftNode start(RangeId range, RaftNode.RaftNodeBuilder builder, RaftStore store,
      Optional<RestoredRaftState> restored) {
    Objects.requireNonNull(range, "range");
    RaftStore wrapped = Objects.requireNonNull(store, "store");
    if (snapshots.isPresent()) {
      wrapped = snapshots.get().capturingStore(range, wrapped);
    }
    if (hooks.isPresent()) {
      wrapped = hooks.get().reportingStore(range, wrapped);
    }
    builder.setTransport(raftTransport).setStore(wrapped);
    if (restored.isPresent()) {
      builder.setRestoredState(restored.get());
      if (snapshots.isPresent() && restored.get().getSnapshotEntry() != null) {
        snapshots.get().restored(range, restored.get().getSnapshotEntry());
      }
    }
    RaftNode node = builder.build();
    registry.add(node);
    var unused = node.start(); // completes once the node runs; its leader is known later
    return node;
  }

  /**
   * Replicates {@code operation} on {@code node}: with admission once the followers' credits (and
   * for elastic work this store's IO tokens) admit it, without it at once. Never blocks.
   *
   * @param <T> the type of the operation's result
   * @param node a node started here
   * @param operation the operation to replicate
   * @param bytes the operation's encoded size (an estimate is fine: it orders waiting, the real
   *     bytes are deducted when sent); ignored without admission
   * @return the future of {@link RaftNode#replicate}, completed once the operation commits; with
   *     admission it fails with {@link IllegalStateException} if flow control closes while waiting
   */
  public <T> CompletableFuture<Ordered<T>> replicate(RaftNode node, Object operation, long bytes) {
    return hooks.isPresent() ? hooks.get().replicate(node, operation, bytes) : node.replicate(operation);
  }

  /**
   * {@return the node of {@code range}, or empty if this store has none}
   *
   * @param range the range to look up
   */
  public Optional<RaftNode> node(RangeId range) {
    return registry.node(range);
  }

  /** {@return the ranges with a node here, as an immutable copy} */
  public Set<RangeId> ranges() {
    return registry.ranges();
  }

  /**
   * Stops routing to the node of {@code range} (it is not terminated); see {@link
   * RangeRegistry#remove}.
   *
   * @param range the range whose node to remove
   * @return the node, or empty if the range had none here
   */
  public Optional<RaftNode> remove(RangeId range) {
    raftTransport.forget(range);
    return registry.remove(range);
  }

  /**
   * {@return the registry of the adapter's counters} The one given to {@link
   * Builder#metricRegistry}, or the nodes' own; see {@link MicroRaftTransport} for the names.
   */
  public MetricRegistry metricRegistry() {
    return metrics;
  }

  /**
   * {@return the transport every node sends through} It holds the counters of refused and
   * unencodable outbound messages and of refusal feedback.
   */
  public MicroRaftTransport raftTransport() {
    return raftTransport;
  }

  /** {@return the number of inbound messages dropped because they did not decode} */
  public long decodeFailures() {
    return registry.decodeFailures();
  }

  /**
   * Inbound messages never handed to a node because of {@code problem} (undecodable, or a sender,
   * group or destination that is not its envelope's), since start; see {@link RangeRegistry}.
   *
   * @param problem the reason to count
   * @return the number of such messages
   */
  public long refused(MalformedMessageException.Problem problem) {
    return registry.refused(problem);
  }

  /**
   * {@return the elections the leader watchdog started since these nodes were built} 0 if it is
   * off; see {@link Builder#leaderWatchdog}.
   */
  public long watchdogElections() {
    return watchdog.map(LeaderWatchdog::electionsTriggered).orElse(0L);
  }

  /**
   * Stops routing to every node (they are not terminated), listening for drops and the leader
   * watchdog.
   */
  @Override
  public void close() {
    watchdog.ifPresent(LeaderWatchdog::close);
    heartbeatHandler.ifPresent(Registration::close);
    dropListener.close();
    registry.close();
  }

  @Override
  public String toString() {
    return "MicroRaftNodes{" + transport.localStore() + ", " + registry.ranges().size() + " ranges}";
  }

  /** Builds {@link MicroRaftNodes}. Not thread-safe. */
  public static final class Builder {
    private final RaftTransport transport;
    private final MicroRaftCodec codec;
    private boolean admission;
    private Optional<MicroRaftSnapshots> snapshots = Optional.empty();
    private Timebase problemTimebase = InboundProblems.defaultTimebase();
    private Consumer<String> problemLines = LoggerFactory.getLogger(RangeRegistry.class)::warn;
    private MetricRegistry metrics;
    private boolean feedback = true;
    private long feedbackIntervalNanos = MicroRaftTransport.DEFAULT_FEEDBACK_INTERVAL_NANOS;
    private Timebase feedbackTimebase = InboundProblems.defaultTimebase();
    private boolean watchdog = true;
    private long watchdogIntervalNanos = DEFAULT_WATCHDOG_INTERVAL_NANOS;
    private Timebase watchdogTimebase = InboundProblems.defaultTimebase();
    private boolean coalescedHeartbeats;

    private Builder(RaftTransport transport, MicroRaftCodec codec) {
      this.transport = Objects.requireNonNull(transport, "transport");
      this.codec = Objects.requireNonNull(codec, "codec");
      this.admission = transport.flowControl().isPresent();
      this.coalescedHeartbeats = transport.heartbeats().isPresent();
    }

    /**
     * Default: on if the transport offers coalesced heartbeats ({@code RaftTransport.heartbeats()}).
     * Sends MicroRaft's appends without entries and its append responses as coalesced heartbeats,
     * and registers this store's heartbeat handler (so the transport must have none yet). Every
     * store of a cluster must make the same choice (see the class documentation).
     *
     * @param on whether to use them
     * @return this builder
     */
    public Builder coalescedHeartbeats(boolean on) {
      this.coalescedHeartbeats = on;
      return this;
    }

    /**
     * Default: on if the transport has flow control. On, proposals through {@link #replicate} wait
     * for credits and followers report durable entries; off replicates at once.
     *
     * @param on true for admission, which then needs the transport's flow control (checked by
     *     {@link #build()})
     * @return this builder
     */
    public Builder admission(boolean on) {
      this.admission = on;
      return this;
    }

    /**
     * Default none: snapshots travel as MicroRaft's own chunk messages. Given, they travel as
     * raftwire snapshot transfers; {@code snapshots} must be the transport's snapshot source and
     * sink.
     *
     * @param snapshots the bridge configured as the transport's snapshot source and sink; not null
     * @return this builder
     * @throws NullPointerException if {@code snapshots} is null
     */
    public Builder snapshots(MicroRaftSnapshots snapshots) {
      this.snapshots = Optional.of(snapshots);
      return this;
    }

    /**
     * Default: the system clock, with one daemon timer thread per process that starts with the first
     * refused message. The clock of the problem log's intervals (one line per sending store and
     * problem per {@link ProblemLog#DEFAULT_INTERVAL_NANOS}) and the timer that flushes it; a test
     * gives a fake timebase, an application may give its transport's.
     *
     * @param timebase the clock and timer of the problem log; not null
     * @return this builder
     * @throws NullPointerException if {@code timebase} is null
     */
    public Builder problemTimebase(Timebase timebase) {
      this.problemTimebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * Default: {@link RangeRegistry}'s SLF4J logger at WARN. Where the problem log's lines about
     * refused inbound messages go; called on transport and timer threads, it must not block.
     *
     * @param lines receives one complete line per report; not null
     * @return this builder
     * @throws NullPointerException if {@code lines} is null
     */
    public Builder problemLines(Consumer<String> lines) {
      this.problemLines = Objects.requireNonNull(lines, "lines");
      return this;
    }

    /**
     * Default: a registry of the nodes' own ({@link MicroRaftNodes#metricRegistry()}). Where the
     * adapter's counters go, under {@code raftwire.<store>.microraft.}; give the transport's
     * registry to see them with its metrics.
     *
     * @param registry the registry; not null
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     */
    public Builder metricRegistry(MetricRegistry registry) {
      this.metrics = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Default on. On, an append the transport refuses (or drops after accepting it) for a reason a
     * heartbeat can still pass is answered with a heartbeat to its follower, so that the follower
     * keeps hearing its leader and the leader's back-off ends with the follower's answer (see
     * {@link MicroRaftTransport}). Off is a diagnostics option: refusals are only counted, and a
     * follower whose appends are refused hears nothing from its leader for one to two seconds
     * (MicroRaft's back-off), which the refusal-cliff benchmark (S8) measures.
     *
     * @param on whether refusals are answered with heartbeats
     * @return this builder
     */
    public Builder refusalFeedback(boolean on) {
      this.feedback = on;
      return this;
    }

    /**
     * Default {@link MicroRaftTransport#DEFAULT_FEEDBACK_INTERVAL_NANOS}. The shortest time between
     * two heartbeats sent in place of refused appends to one follower of one range; refusals in
     * between are counted ({@code feedback.coalesced}) and left to MicroRaft's own back-off.
     *
     * @param nanos the interval in nanoseconds; positive
     * @return this builder
     * @throws IllegalArgumentException if {@code nanos} is not positive
     */
    public Builder refusalFeedbackIntervalNanos(long nanos) {
      if (nanos <= 0) {
        throw new IllegalArgumentException("refusalFeedbackIntervalNanos must be > 0, was " + nanos);
      }
      this.feedbackIntervalNanos = nanos;
      return this;
    }

    /**
     * Default: the system clock. The clock of the refusal feedback's interval (only its {@code
     * nanoTime} is read); a test gives a fake one.
     *
     * @param timebase the clock; not null
     * @return this builder
     * @throws NullPointerException if {@code timebase} is null
     */
    public Builder feedbackTimebase(Timebase timebase) {
      this.feedbackTimebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * Default on. On, a follower that still names a leader it has not heard from for longer than
     * MicroRaft's heartbeat timeout plus one heartbeat period (plus one check interval) is made to
     * start an election, through MicroRaft's {@code TriggerLeaderElectionRequest} in that leader's
     * name. MicroRaft 0.7 can leave a follower in that state for ever (a pre-vote that a message
     * from the leader of the same term interrupted disables its heartbeat check), and a range whose
     * every survivor is in it stays leaderless until its dead leader returns. A healthy follower is
     * never touched. Elections it starts are counted in {@code
     * raftwire.<store>.microraft.watchdog.elections_triggered} ({@link #watchdogElections()}).
     *
     * @param on whether the watchdog runs
     * @return this builder
     */
    public Builder leaderWatchdog(boolean on) {
      this.watchdog = on;
      return this;
    }

    /**
     * Default {@link #DEFAULT_WATCHDOG_INTERVAL_NANOS}. How often the watchdog looks at every node;
     * it acts at most one interval after MicroRaft's own limit.
     *
     * @param nanos the interval in nanoseconds; positive
     * @return this builder
     * @throws IllegalArgumentException if {@code nanos} is not positive
     */
    public Builder leaderWatchdogIntervalNanos(long nanos) {
      if (nanos <= 0) {
        throw new IllegalArgumentException("leaderWatchdogIntervalNanos must be > 0, was " + nanos);
      }
      this.watchdogIntervalNanos = nanos;
      return this;
    }

    /**
     * Default: the system clock, with the process's one shared daemon timer thread. The clock and
     * timer of the leader watchdog (and of the time each node last heard its leader); a test gives
     * a fake one, which must then also drive the nodes' MicroRaft clock.
     *
     * @param timebase the clock and timer; not null
     * @return this builder
     * @throws NullPointerException if {@code timebase} is null
     */
    public Builder watchdogTimebase(Timebase timebase) {
      this.watchdogTimebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * Wires the nodes' parts.
     *
     * @return the nodes of the transport's store, none started yet
     * @throws IllegalArgumentException if admission, snapshots or coalesced heartbeats are asked of
     *     a transport without them
     * @throws IllegalStateException if coalesced heartbeats are on and the transport has a heartbeat
     *     handler already
     */
    public MicroRaftNodes build() {
      return new MicroRaftNodes(this);
    }
  }
}
