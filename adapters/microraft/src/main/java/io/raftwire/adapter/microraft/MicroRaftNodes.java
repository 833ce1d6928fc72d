package io.raftwire.adapter.microraft;

import io.microraft.Ordered;
import io.microraft.RaftNode;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.flow.FlowControl;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.RaftTransport;
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
 * <p>Thread-safe. {@link #close()} stops routing to every node; it does not terminate them.
 */
public final class MicroRaftNodes implements AutoCloseable {
  private final RaftTransport transport;
  private final RangeRegistry registry;
  private final MicroRaftTransport raftTransport;
  private final Optional<AdmissionHooks> hooks;
  private final Optional<MicroRaftSnapshots> snapshots;

  private MicroRaftNodes(Builder b) {
    this.transport = b.transport;
    this.hooks = b.admission
        ? Optional.of(new AdmissionHooks(flowControl(b.transport), b.transport.localStore(), b.codec))
        : Optional.empty();
    this.snapshots = b.snapshots;
    // A follower's snapshot requests (its leader's offers) are learnt from the messages delivered
    // (those that passed the identity check: a forged offer teaches nothing).
    this.registry = new RangeRegistry(b.transport, b.codec,
        hooks.isPresent() ? hooks.get().onAppend() : envelope -> {},
        snapshots.isPresent() ? snapshots.get()::received : (envelope, message) -> {},
        new InboundProblems(b.transport.localStore(), b.problemTimebase, b.problemLines));
    if (snapshots.isPresent()) {
      SnapshotTransfers transfers = b.transport.snapshots().orElseThrow(() -> new IllegalArgumentException(
          "snapshots need a transport with snapshot transfers (its SnapshotConfig's source and sink)"));
      snapshots.get().attach(registry, transfers);
      this.raftTransport = new MicroRaftTransport(b.transport, b.codec, snapshots.get());
    } else {
      this.raftTransport = new MicroRaftTransport(b.transport, b.codec);
    }
  }

  private static FlowControl flowControl(RaftTransport transport) {
    return transport.flowControl().orElseThrow(() -> new IllegalArgumentException(
        "admission needs a transport with flow control (" + transport + " has none)"));
  }

  /** A builder for the nodes of {@code transport}'s store, encoding with {@code codec}. */
  public static Builder builder(RaftTransport transport, MicroRaftCodec codec) {
    return new Builder(transport, codec);
  }

  /**
   * Builds, registers and starts the node of {@code range}: the builder gets the raftwire
   * transport and {@code store} (wrapped to capture snapshots and to report durable entries, as
   * enabled); everything else (group id, endpoints, state machine, config) is the caller's.
   *
   * @throws IllegalStateException if the range has a node here already
   */
  public RaftNode start(RangeId range, RaftNode.RaftNodeBuilder builder, RaftStore store) {
    return start(range, builder, store, Optional.empty());
  }

  /**
   * As {@link #start(RangeId, RaftNode.RaftNodeBuilder, RaftStore)}, for a node restored from
   * {@code restored} (set on the builder here; its snapshot, if any, is what this store sends).
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
   * for elastic work this store's IO tokens) admit it, without it at once.
   *
   * @param bytes the operation's encoded size (an estimate is fine: it orders waiting, the real
   *     bytes are deducted when sent)
   */
  public <T> CompletableFuture<Ordered<T>> replicate(RaftNode node, Object operation, long bytes) {
    return hooks.isPresent() ? hooks.get().replicate(node, operation, bytes) : node.replicate(operation);
  }

  /** The node of {@code range}, if this store has one. */
  public Optional<RaftNode> node(RangeId range) {
    return registry.node(range);
  }

  /** The ranges with a node here. */
  public Set<RangeId> ranges() {
    return registry.ranges();
  }

  /**
   * Stops routing to the node of {@code range} (it is not terminated); see {@link
   * RangeRegistry#remove}.
   */
  public Optional<RaftNode> remove(RangeId range) {
    return registry.remove(range);
  }

  /** The transport every node sends through (its counters of refused and unencodable messages). */
  public MicroRaftTransport raftTransport() {
    return raftTransport;
  }

  /** Messages dropped because they did not decode. */
  public long decodeFailures() {
    return registry.decodeFailures();
  }

  /**
   * Inbound messages never handed to a node because of {@code problem} (undecodable, or a sender,
   * group or destination that is not its envelope's), since start; see {@link RangeRegistry}.
   */
  public long refused(MalformedMessageException.Problem problem) {
    return registry.refused(problem);
  }

  /** Stops routing to every node (they are not terminated). */
  @Override
  public void close() {
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

    private Builder(RaftTransport transport, MicroRaftCodec codec) {
      this.transport = Objects.requireNonNull(transport, "transport");
      this.codec = Objects.requireNonNull(codec, "codec");
      this.admission = transport.flowControl().isPresent();
    }

    /**
     * Default: on if the transport has flow control. On, proposals through {@link #replicate} wait
     * for credits and followers report durable entries; off replicates at once.
     */
    public Builder admission(boolean on) {
      this.admission = on;
      return this;
    }

    /**
     * Default none: snapshots travel as MicroRaft's own chunk messages. Given, they travel as
     * raftwire snapshot transfers; {@code snapshots} must be the transport's snapshot source and
     * sink.
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
     */
    public Builder problemTimebase(Timebase timebase) {
      this.problemTimebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * Default: {@link RangeRegistry}'s SLF4J logger at WARN. Where the problem log's lines about
     * refused inbound messages go; called on transport and timer threads, it must not block.
     */
    public Builder problemLines(Consumer<String> lines) {
      this.problemLines = Objects.requireNonNull(lines, "lines");
      return this;
    }

    /**
     * Wires the nodes' parts.
     *
     * @throws IllegalArgumentException if admission or snapshots are asked of a transport without
     *     them
     */
    public MicroRaftNodes build() {
      return new MicroRaftNodes(this);
    }
  }
}
