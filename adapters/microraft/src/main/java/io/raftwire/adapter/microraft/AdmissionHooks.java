package io.raftwire.adapter.microraft;

import io.microraft.Ordered;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.persistence.RaftStore;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.ReceivedAppends;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Binds MicroRaft to raftwire's flow control. Where each hook sits:
 *
 * <ul>
 *   <li><b>Leader, before {@code replicate}:</b> {@link #replicate} waits (without blocking a
 *       thread) for the credits of every follower store of the range, and for elastic work also
 *       for this store's own IO tokens, then calls {@link RaftNode#replicate}. The Raft node's own
 *       thread never waits on credits.
 *   <li><b>Follower, on receipt:</b> the {@link RangeRegistry} built with {@link #onAppend()}
 *       remembers which leader sent which entries at which priority, before the node handles them.
 *   <li><b>After persisting:</b> the {@code RaftStore} returned by {@link #reportingStore} reports
 *       the entries a follower persisted by each {@code flush()} as durable, and every flush's bytes
 *       (the leader's own proposals included) and latency to the store's health signal, after the
 *       delegate returned. It never blocks the node's thread beyond the
 *       delegate's own work: reporting only queues the entries for logical admission.
 * </ul>
 *
 * <p>Use with a transport whose admission config sets {@code libraryReportsDurability(true)}.
 * Thread-safe. The per-range record of received appends is bounded ({@link #MAX_PENDING_APPENDS});
 * beyond it the oldest are forgotten (counted in {@link #forgottenAppends()}): their credits then
 * return with the next admitted index or when the leader's stream ends.
 */
public final class AdmissionHooks {
  /** Most received-but-not-yet-durable appends remembered per range. */
  public static final int MAX_PENDING_APPENDS = 100_000;

  private final FlowControl flow;
  private final StoreId localStore;
  private final MicroRaftCodec codec;
  private final ReceivedAppends received = new ReceivedAppends(MAX_PENDING_APPENDS);
  /** Bytes this store proposed (as leader) per range and has not reported as written yet. */
  private final Map<RangeId, AtomicLong> localBytes = new ConcurrentHashMap<>();

  /**
   * Creates the hooks of one store.
   *
   * @param flow the flow control of this store's transport; its admission config should set
   *     {@code libraryReportsDurability(true)}; not null
   * @param localStore this store; appends it sent as leader are reported as disk writes only, not
   *     as durable entries; not null
   * @param codec the codec the store's nodes use; decides each operation's priority; not null
   * @throws NullPointerException if an argument is null
   */
  public AdmissionHooks(FlowControl flow, StoreId localStore, MicroRaftCodec codec) {
    this.flow = Objects.requireNonNull(flow, "flow");
    this.localStore = Objects.requireNonNull(localStore, "localStore");
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /**
   * Replicates {@code operation} on {@code node} once the range's follower streams have credits.
   * The future fails like {@link RaftNode#replicate}'s, or with {@link IllegalStateException} if
   * flow control closed while waiting.
   *
   * <p>Never blocks: the calling thread returns at once, and {@link RaftNode#replicate} runs on
   * the thread that returns the credits.
   *
   * @param <T> the type of the operation's result
   * @param node the range's node; its group id must be a {@link RangeId} and every member a {@link
   *     StoreEndpoint}
   * @param operation the operation to replicate; its priority comes from the codec
   * @param bytes the operation's encoded size (an estimate is fine: it orders waiting, the real
   *     bytes are deducted when sent)
   * @return the future of {@link RaftNode#replicate}, completed once the operation commits
   * @throws ClassCastException if the node's group id is not a {@link RangeId}
   * @throws IllegalArgumentException if a member of the node is not a {@link StoreEndpoint}
   */
  public <T> CompletableFuture<Ordered<T>> replicate(RaftNode node, Object operation, long bytes) {
    RangeId range = (RangeId) node.getGroupId();
    List<StoreId> followers = new ArrayList<>();
    for (RaftEndpoint member : node.getEffectiveMembers().getMembers()) {
      StoreId store = StoreEndpoint.storeOf(member);
      if (!store.equals(localStore)) {
        followers.add(store);
      }
    }
    Priority priority = codec.priorityOf(operation);
    // Elastic work also waits for this store's own IO tokens: the leader writes the entry to its
    // disk too, and regular work must not queue behind elastic writes there either.
    CompletableFuture<Void> localDisk =
        priority == Priority.ELASTIC ? flow.admitElasticWork(range, bytes) : CompletableFuture.completedFuture(null);
    return localDisk
        .thenCompose(ok -> flow.admitProposal(range, followers, priority, bytes))
        .thenCompose(admitted -> {
          localBytes.computeIfAbsent(range, r -> new AtomicLong()).addAndGet(bytes);
          return node.<T>replicate(operation);
        });
  }

  /**
   * {@return the observer to build this store's {@link RangeRegistry} with} It records each
   * received append with entries, before the node handles it; never blocks.
   */
  public Consumer<RaftEnvelope> onAppend() {
    return this::appendReceived;
  }

  private void appendReceived(RaftEnvelope envelope) {
    received.received(envelope);
  }

  /**
   * Wraps the {@code RaftStore} of {@code range}'s node to report durable entries.
   *
   * @param range the range whose node will use the returned store
   * @param delegate the store that persists; every call is forwarded to it; not null
   * @return a store that, after each {@code flush()} of new entries, reports them as durable and
   *     the flush's bytes and latency to the store's health signal
   * @throws NullPointerException if {@code delegate} is null
   */
  public RaftStore reportingStore(RangeId range, RaftStore delegate) {
    return new ReportingRaftStore(this, range, delegate);
  }

  /** The entries of {@code range} up to {@code index} are durable; the flush took {@code nanos}. */
  void durable(RangeId range, long index, long flushNanos) {
    AtomicLong local = localBytes.get(range);
    long bytes = local == null ? 0 : local.getAndSet(0); // written by this store as leader
    List<DurableEntries> done = received.durableThrough(range, index);
    int i = 0;
    while (i < done.size()) {
      DurableEntries first = done.get(i);
      DurableEntries last = first;
      long runBytes = 0;
      int j = i;
      while (j < done.size() && done.get(j).leaderStore().equals(first.leaderStore())
          && done.get(j).priority() == first.priority()) {
        last = done.get(j);
        runBytes += last.bytes();
        j++;
      }
      if (!first.leaderStore().equals(localStore)) {
        flow.entriesDurable(DurableEntries.of(range, first.leaderStore(), first.priority(), first.firstIndex(),
            Math.max(first.firstIndex(), last.lastIndex()), runBytes));
      }
      bytes += runBytes;
      i = j;
    }
    if (bytes > 0) {
      flow.recordDiskWrite(bytes, flushNanos);
    }
  }

  /**
   * {@return the number of received appends forgotten because a range had more than {@link
   * #MAX_PENDING_APPENDS} waiting for durability} Counts since the hooks were created.
   */
  public long forgottenAppends() {
    return received.forgotten();
  }
}
