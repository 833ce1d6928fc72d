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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code RaftNode}s of one store, one per range, and the routing of inbound batches to them.
 * Ranges can be added and removed at runtime. Thread-safe.
 *
 * <p>Inbound messages are decoded on the transport's worker thread (serially per range) and handed
 * to {@link RaftNode#handle}, which only enqueues them on the node's own thread. A message that
 * does not decode is logged and counted ({@link #decodeFailures()}); the rest of its batch is
 * delivered.
 */
public final class RangeRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RangeRegistry.class);

  private final RaftTransport transport;
  private final MicroRaftCodec codec;
  private final Consumer<RaftEnvelope> onAppend;
  private final BiConsumer<RaftEnvelope, RaftMessage> onMessage;
  private final Map<RangeId, Entry> ranges = new ConcurrentHashMap<>();
  private final AtomicLong decodeFailures = new AtomicLong();

  /** A registry whose nodes receive through {@code transport}. */
  public RangeRegistry(RaftTransport transport, MicroRaftCodec codec) {
    this(transport, codec, envelope -> {});
  }

  /**
   * @param onAppend told of every APPEND envelope before its node handles it, on the transport's
   *     worker thread (used by {@link AdmissionHooks} to learn which leader sent which entries)
   */
  public RangeRegistry(RaftTransport transport, MicroRaftCodec codec, Consumer<RaftEnvelope> onAppend) {
    this(transport, codec, onAppend, (envelope, message) -> {});
  }

  /**
   * @param onMessage told of every decoded message before its node handles it, on the transport's
   *     worker thread (used by {@link MicroRaftSnapshots} to learn which snapshots a follower was
   *     offered)
   */
  RangeRegistry(RaftTransport transport, MicroRaftCodec codec, Consumer<RaftEnvelope> onAppend,
      BiConsumer<RaftEnvelope, RaftMessage> onMessage) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.onAppend = Objects.requireNonNull(onAppend, "onAppend");
    this.onMessage = Objects.requireNonNull(onMessage, "onMessage");
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
      } catch (MalformedMessageException e) {
        decodeFailures.incrementAndGet();
        log.warn("{}: dropping undecodable message: {}", transport.localStore(), e.getMessage());
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

  /** Messages dropped because they did not decode. */
  public long decodeFailures() {
    return decodeFailures.get();
  }

  /** Removes every range (the nodes are not terminated). */
  @Override
  public void close() {
    for (RangeId range : ranges()) {
      remove(range);
    }
  }

  private static final class Entry {
    final RaftNode node;
    volatile Registration registration;

    Entry(RaftNode node) {
      this.node = node;
    }
  }
}
