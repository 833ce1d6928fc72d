package io.raftwire.adapter.microraft;

import io.microraft.RaftNode;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.RaftMessage;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The {@code RaftNode}s of one store, one per range, and the routing of inbound batches to them.
 * Ranges can be added and removed at runtime. Thread-safe.
 *
 * <p>Inbound messages are decoded on the transport's worker thread (serially per range), checked
 * against their envelope ({@link InboundCheck}: the sender must be the store the envelope came from,
 * the group its range, the destination this store) and handed to {@link RaftNode#handle}, which
 * only enqueues them on the node's own thread. A message that does not decode or claims what its
 * envelope does not say is never handed to the node: it is counted by problem ({@link
 * #refused(MalformedMessageException.Problem)}) and reported through a rate-limited problem log
 * (one line per sending store and problem per interval, with a count of the rest); the rest of its
 * batch is delivered. Nothing is thrown into the transport or the node for it. Coalesced
 * heartbeats ({@link MicroRaftNodes.Builder#coalescedHeartbeats}) get the same decoding, check and
 * refusal, on the transport's heartbeat thread.
 */
public final class RangeRegistry implements AutoCloseable {
  private final RaftTransport transport;
  private final MicroRaftCodec codec;
  private final Consumer<RaftEnvelope> onAppend;
  private final BiConsumer<RaftEnvelope, RaftMessage> onMessage;
  private final InboundCheck check;
  private final InboundProblems problems;
  private final LongSupplier nanoClock;
  private final Map<RangeId, Entry> ranges = new ConcurrentHashMap<>();

  /**
   * A registry whose nodes receive through {@code transport}; it reports refused messages to this
   * package's SLF4J logger at WARN, on the system clock ({@link MicroRaftNodes.Builder} chooses
   * otherwise).
   *
   * @param transport the transport of this store; nodes added here are registered with it; not
   *     null
   * @param codec decodes inbound envelopes; not null
   * @throws NullPointerException if an argument is null
   */
  public RangeRegistry(RaftTransport transport, MicroRaftCodec codec) {
    this(transport, codec, envelope -> {});
  }

  /**
   * As {@link #RangeRegistry(RaftTransport, MicroRaftCodec)}, telling {@code onAppend} of appends.
   *
   * @param transport the transport of this store; nodes added here are registered with it; not
   *     null
   * @param codec decodes inbound envelopes; not null
   * @param onAppend told of every APPEND envelope that decoded and passed the check, before its
   *     node handles it, on the transport's worker thread (used by {@link AdmissionHooks} to learn
   *     which leader sent which entries); must not block or throw; not null
   * @throws NullPointerException if an argument is null
   */
  public RangeRegistry(RaftTransport transport, MicroRaftCodec codec, Consumer<RaftEnvelope> onAppend) {
    this(transport, codec, onAppend, (envelope, message) -> {}, InboundProblems.logging(transport.localStore()));
  }

  /**
   * As above, reporting refusals to {@code problems} (which {@link #close()} closes).
   *
   * @param onMessage told of every message that decoded and passed the check, before its node
   *     handles it, on the transport's worker thread (used by {@link MicroRaftSnapshots} to learn
   *     which snapshots a follower was offered)
   */
  RangeRegistry(RaftTransport transport, MicroRaftCodec codec, Consumer<RaftEnvelope> onAppend,
      BiConsumer<RaftEnvelope, RaftMessage> onMessage, InboundProblems problems) {
    this(transport, codec, onAppend, onMessage, problems, System::nanoTime);
  }

  /**
   * As above, reading the time of each range's last message from its leader ({@link
   * #lastLeaderMessage}) from {@code nanoClock}.
   */
  RangeRegistry(RaftTransport transport, MicroRaftCodec codec, Consumer<RaftEnvelope> onAppend,
      BiConsumer<RaftEnvelope, RaftMessage> onMessage, InboundProblems problems, LongSupplier nanoClock) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.onAppend = Objects.requireNonNull(onAppend, "onAppend");
    this.onMessage = Objects.requireNonNull(onMessage, "onMessage");
    this.check = new InboundCheck(transport.localStore());
    this.problems = Objects.requireNonNull(problems, "problems");
  }

  /**
   * Routes the inbound messages of {@code node}'s range (its group id) to it.
   *
   * @param node the node to route to; its group id must be a {@link RangeId}; started or not
   * @throws RuntimeException whatever the transport's {@code register} throws; the range is then
   *     not added
   * @throws IllegalArgumentException if the node's group id is not a {@link RangeId}
   * @throws IllegalStateException if the range already has a node here
   */
  public void add(RaftNode node) {
    if (!(node.getGroupId() instanceof RangeId)) {
      throw new IllegalArgumentException("group id " + node.getGroupId() + " of " + node + " is not a RangeId");
    }
    RangeId range = (RangeId) node.getGroupId();
    Entry entry = new Entry(node);
    if (ranges.putIfAbsent(range, entry) != null) {
      throw new IllegalStateException(range + " already has a node on " + transport.localStore());
    }
    try {
      entry.registration = transport.register(range, (r, batch) -> deliver(entry, batch));
    } catch (RuntimeException e) {
      ranges.remove(range, entry);
      throw e;
    }
  }

  private void deliver(Entry entry, List<RaftEnvelope> batch) {
    StoreId leaderFrom = null; // the sender of the batch's last leader-only message, if any
    for (RaftEnvelope envelope : batch) {
      RaftMessage message;
      try {
        message = codec.decode(envelope);
        check.check(envelope, message);
      } catch (MalformedMessageException e) {
        problems.refused(envelope, e);
        continue;
      }
      if (envelope.trafficClass() == TrafficClass.APPEND) {
        onAppend.accept(envelope);
      }
      onMessage.accept(envelope, message);
      if (message instanceof AppendEntriesRequest || message instanceof InstallSnapshotRequest) {
        leaderFrom = envelope.from().store();
      }
      entry.node.handle(message);
    }
    if (leaderFrom != null) { // one clock read and record per batch, not per message
      entry.lastLeaderMessage = new LeaderContact(leaderFrom, nanoClock.getAsLong());
    }
  }

  /**
   * Hands the MicroRaft message in {@code heartbeat} to its range's node, after the same decoding
   * and check as an envelope's. Called on the transport's heartbeat thread; a heartbeat racing the
   * removal of its range may still reach the removed node, which ignores it once terminated.
   *
   * @param heartbeat a coalesced heartbeat received from the transport
   * @param nowNanos the registry's clock, read once per delivered batch
   * @return false if no node of the heartbeat's range is here (the heartbeat is not looked at)
   */
  boolean deliver(Heartbeat heartbeat, long nowNanos) {
    Entry entry = ranges.get(heartbeat.range());
    if (entry == null) {
      return false;
    }
    RaftMessage message;
    try {
      message = codec.decode(heartbeat);
      check.check(heartbeat, message);
    } catch (MalformedMessageException e) {
      problems.refused(heartbeat.from().store(), heartbeat.range(), e);
      return true;
    }
    if (message instanceof AppendEntriesRequest) {
      entry.lastLeaderMessage = new LeaderContact(heartbeat.from().store(), nowNanos);
    }
    entry.node.handle(message);
    return true;
  }

  /**
   * {@return the node of {@code range}, or empty if this store has none}
   *
   * @param range the range to look up
   */
  public Optional<RaftNode> node(RangeId range) {
    Entry entry = ranges.get(range);
    return entry == null ? Optional.empty() : Optional.of(entry.node);
  }

  /** {@return the ranges with a node here, as an immutable copy} */
  public Set<RangeId> ranges() {
    return Set.copyOf(ranges.keySet());
  }

  /** {@return the nodes here by range, as an immutable copy} */
  Map<RangeId, RaftNode> nodes() {
    Map<RangeId, RaftNode> copy = new HashMap<>();
    ranges.forEach((range, entry) -> copy.put(range, entry.node));
    return Map.copyOf(copy);
  }

  /**
   * {@return the last message only a leader sends (an append or a snapshot request) that reached
   * {@code range}'s node here, or empty if none did} Messages that failed the inbound check do not
   * count.
   *
   * @param range the range to look up
   */
  Optional<LeaderContact> lastLeaderMessage(RangeId range) {
    Entry entry = ranges.get(range);
    return entry == null ? Optional.empty() : Optional.ofNullable(entry.lastLeaderMessage);
  }

  /** {@return the clock {@link #lastLeaderMessage} is read on, in nanoseconds} */
  long nanoTime() {
    return nanoClock.getAsLong();
  }

  /**
   * A message from a range's leader, handed to its node.
   *
   * @param from the store it came from (checked against its envelope)
   * @param nanos when it was handed to the node, on the registry's clock
   */
  record LeaderContact(StoreId from, long nanos) {
    LeaderContact {
      Objects.requireNonNull(from, "from");
    }
  }

  /**
   * Stops routing messages to the node of {@code range} (it is not terminated: that is the
   * caller's). When this returns, no delivery to the node is in progress.
   *
   * @param range the range whose node to remove
   * @return the node, or empty if the range had none here
   */
  public Optional<RaftNode> remove(RangeId range) {
    Entry entry = ranges.remove(range);
    if (entry == null) {
      return Optional.empty();
    }
    entry.registration.close();
    return Optional.of(entry.node);
  }

  /** {@return the number of messages dropped because they did not decode: {@code refused(UNDECODABLE)}} */
  public long decodeFailures() {
    return refused(MalformedMessageException.Problem.UNDECODABLE);
  }

  /**
   * {@return the number of messages never handed to a node because of {@code problem}, since this
   * registry was created}
   *
   * @param problem the reason to count
   */
  public long refused(MalformedMessageException.Problem problem) {
    return problems.count(problem);
  }

  /** Removes every range (the nodes are not terminated) and stops flushing the problem log. */
  @Override
  public void close() {
    for (RangeId range : ranges()) {
      remove(range);
    }
    problems.close();
  }

  private static final class Entry {
    final RaftNode node;
    volatile Registration registration;
    // Written by the range's delivery (serial per range), read by the watchdog's timer.
    volatile LeaderContact lastLeaderMessage;

    Entry(RaftNode node) {
      this.node = node;
    }
  }
}
