package io.raftwire.adapter.microraft;

import io.microraft.RaftNode;
import io.microraft.model.message.RaftMessage;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

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
 * batch is delivered. Nothing is thrown into the transport or the node for it.
 */
public final class RangeRegistry implements AutoCloseable {
  private final RaftTransport transport;
  private final MicroRaftCodec codec;
  private final Consumer<RaftEnvelope> onAppend;
  private final BiConsumer<RaftEnvelope, RaftMessage> onMessage;
  private final InboundCheck check;
  private final InboundProblems problems;
  private final Map<RangeId, Entry> ranges = new ConcurrentHashMap<>();

  /**
   * A registry whose nodes receive through {@code transport}; it reports refused messages to this
   * package's SLF4J logger at WARN, on the system clock ({@link MicroRaftNodes.Builder} chooses
   * otherwise).
   */
  public RangeRegistry(RaftTransport transport, MicroRaftCodec codec) {
    this(transport, codec, envelope -> {});
  }

  /**
   * As {@link #RangeRegistry(RaftTransport, MicroRaftCodec)}, telling {@code onAppend} of appends.
   *
   * @param onAppend told of every APPEND envelope before its node handles it, on the transport's
   *     worker thread (used by {@link AdmissionHooks} to learn which leader sent which entries)
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
      entry.registration = transport.register(range, (r, batch) -> deliver(node, batch));
    } catch (RuntimeException e) {
      ranges.remove(range, entry);
      throw e;
    }
  }

  private void deliver(RaftNode node, List<RaftEnvelope> batch) {
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
      node.handle(message);
    }
  }

  /** The node of {@code range}, if this store has one. */
  public Optional<RaftNode> node(RangeId range) {
    Entry entry = ranges.get(range);
    return entry == null ? Optional.empty() : Optional.of(entry.node);
  }

  /** The ranges with a node here. */
  public Set<RangeId> ranges() {
    return Set.copyOf(ranges.keySet());
  }

  /**
   * Stops routing messages to the node of {@code range} (it is not terminated: that is the
   * caller's). When this returns, no delivery to the node is in progress.
   *
   * @return the node, if there was one
   */
  public Optional<RaftNode> remove(RangeId range) {
    Entry entry = ranges.remove(range);
    if (entry == null) {
      return Optional.empty();
    }
    entry.registration.close();
    return Optional.of(entry.node);
  }

  /** Messages dropped because they did not decode: {@code refused(UNDECODABLE)}. */
  public long decodeFailures() {
    return refused(MalformedMessageException.Problem.UNDECODABLE);
  }

  /** Messages never handed to a node because of {@code problem}, since start. */
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

    Entry(RaftNode node) {
      this.node = node;
    }
  }
}
