package io.raftwire.adapter.jraft.admission;

import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.RaftMetaStorage;
import com.alipay.sofa.jraft.storage.SnapshotStorage;
import com.alipay.sofa.jraft.entity.codec.LogEntryCodecFactory;
import io.raftwire.adapter.jraft.GroupRanges;
import io.raftwire.adapter.jraft.StoreDirectory;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.ReceivedAppends;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Binds jraft to raftwire's flow control, one per store. Where each hook sits:
 *
 * <ul>
 *   <li><b>Leader, before {@code Node.apply}:</b> {@link #apply} waits, without blocking a thread,
 *       for the credits of every follower store of the group, and for elastic work also for this
 *       store's IO tokens, then calls {@code Node.apply}. jraft's own threads never wait on
 *       credits.
 *   <li><b>Follower, on receipt:</b> {@link #onAppendReceived()}, given to {@code
 *       JraftOptions.Builder#onAppendReceived}, remembers which leader store sent which entries of
 *       which group at which priority, before jraft sees them.
 *   <li><b>After persisting:</b> the log storage of {@link #serviceFactory()} (set it as the {@code
 *       NodeOptions} service factory) reports, after each {@code appendEntries} returned (jraft's
 *       RocksDB log storage writes with sync on by default), the received entries it made durable
 *       as {@link FlowControl#entriesDurable}, and every write's bytes and latency (the leader's
 *       own too) as {@link FlowControl#recordDiskWrite}.
 * </ul>
 *
 * <p>Use with a transport whose admission config sets {@code libraryReportsDurability(true)}.
 * Thread-safe. The per-group record of received appends is bounded ({@link #MAX_PENDING_APPENDS});
 * beyond it the oldest are forgotten ({@link #forgottenAppends()}): their credits then return when
 * the leader's stream ends or leadership moves ({@link #onLeadershipLost()}). A follower removed
 * from a group returns its credits when its stream ends: jraft tells the adapter of no removal.
 */
public final class JraftAdmission {
  /** Most received-but-not-yet-durable appends remembered per group. */
  public static final int MAX_PENDING_APPENDS = 100_000;

  private final FlowControl flow;
  private final StoreId localStore;
  private final StoreDirectory directory;
  private final GroupRanges ranges;
  private final ReceivedAppends received = new ReceivedAppends(MAX_PENDING_APPENDS);

  /**
   * Creates the hooks of one store.
   *
   * @param flow the flow control of this store's transport; its admission config should set
   *     {@code libraryReportsDurability(true)}; not null
   * @param localStore this store; entries it sent as leader are reported as disk writes only, not
   *     as durable entries; not null
   * @param directory the directory that says which store each jraft peer is on; the same as the
   *     store's; not null
   * @param ranges the group-to-range mapping; must be the store's {@link
   *     io.raftwire.adapter.jraft.JraftOptions#groupRanges()}; not null
   * @throws NullPointerException if an argument is null
   */
  public JraftAdmission(FlowControl flow, StoreId localStore, StoreDirectory directory, GroupRanges ranges) {
    this.flow = Objects.requireNonNull(flow, "flow");
    this.localStore = Objects.requireNonNull(localStore, "localStore");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.ranges = Objects.requireNonNull(ranges, "ranges");
  }

  /**
   * Applies {@code task} on {@code node} once the group's follower streams have credits for its
   * data. The task's closure reports the outcome as jraft's would; if flow control closed while
   * waiting, it runs with {@code EINTERNAL}. A node that is not the leader gets the task at once
   * (and refuses it with {@code EPERM}, as jraft does).
   *
   * <p>Never blocks: {@code Node.apply} runs on the thread that returns the credits, or on this one
   * if they are there already.
   *
   * @param node the group's node on this store; not null
   * @param task the task to apply; its data's remaining bytes are what it costs; not null
   * @param priority the credits the task needs; elastic work also waits for this store's IO tokens;
   *     not null
   * @return completes when the task was handed to {@code Node.apply}; completes exceptionally if
   *     admission failed, after the task's closure ran with {@code EINTERNAL}
   * @throws NullPointerException if an argument is null
   */
  public CompletableFuture<Void> apply(Node node, Task task, Priority priority) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(priority, "priority");
    long bytes = task.getData() == null ? 0 : task.getData().remaining();
    RangeId range = ranges.rangeOf(node.getGroupId());
    List<StoreId> followers = new ArrayList<>();
    if (node.isLeader()) {
      try {
        for (PeerId peer : node.listPeers()) {
          directory.storeOf(peer).filter(s -> !s.equals(localStore)).ifPresent(followers::add);
        }
      } catch (IllegalStateException notLeaderAnyMore) {
        followers.clear();
      }
    }
    CompletableFuture<Void> localDisk = priority == Priority.ELASTIC
        ? flow.admitElasticWork(range, bytes) : CompletableFuture.completedFuture(null);
    return localDisk
        .thenCompose(ok -> followers.isEmpty() ? CompletableFuture.<Void>completedFuture(null)
            : flow.admitProposal(range, followers, priority, bytes))
        .whenComplete((ok, error) -> {
          if (error == null) {
            node.apply(task);
          } else if (task.getDone() != null) {
            task.getDone().run(new Status(RaftError.EINTERNAL, "raftwire admission failed: %s", error.getMessage()));
          }
        });
  }

  /**
   * {@return the observer to give {@code JraftOptions.Builder#onAppendReceived}} It records each
   * received append with entries; never blocks.
   */
  public Consumer<RaftEnvelope> onAppendReceived() {
    return this::appendReceived;
  }

  /**
   * The observer to give {@code JraftOptions.Builder#onLeadershipLost}: the credits this store holds
   * for a group it stopped leading return.
   *
   * @return the observer; it calls {@link FlowControl#leadershipLost}
   */
  public Consumer<RangeId> onLeadershipLost() {
    return flow::leadershipLost;
  }

  /**
   * {@return jraft's default storage, with a log storage that reports durable entries} Set it as
   * the {@code NodeOptions} service factory of every node on this store.
   */
  public JRaftServiceFactory serviceFactory() {
    return serviceFactory(DefaultJRaftServiceFactory.newInstance());
  }

  /**
   * {@code delegate}'s storage, with its log storage wrapped to report durable entries.
   *
   * @param delegate the service factory whose storage is used; only its log storage is wrapped;
   *     not null
   * @return a service factory to set as the {@code NodeOptions} service factory
   * @throws NullPointerException if {@code delegate} is null
   */
  public JRaftServiceFactory serviceFactory(JRaftServiceFactory delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return new JRaftServiceFactory() {
      @Override
      public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
        return new ReportingLogStorage(delegate.createLogStorage(uri, raftOptions), JraftAdmission.this);
      }

      @Override
      public SnapshotStorage createSnapshotStorage(NodeOptions nodeOptions) {
        return delegate.createSnapshotStorage(nodeOptions);
      }

      @Override
      public RaftMetaStorage createRaftMetaStorage(String uri, RaftOptions raftOptions) {
        return delegate.createRaftMetaStorage(uri, raftOptions);
      }

      @Override
      public LogEntryCodecFactory createLogEntryCodecFactory() {
        return delegate.createLogEntryCodecFactory();
      }
    };
  }

  /**
   * {@return the number of received appends forgotten because a group had more than {@link
   * #MAX_PENDING_APPENDS} waiting for durability} Counts since the hooks were created.
   */
  public long forgottenAppends() {
    return received.forgotten();
  }

  RangeId rangeOf(String groupId) {
    return ranges.rangeOf(groupId);
  }

  private void appendReceived(RaftEnvelope envelope) {
    received.received(envelope);
  }

  /** The entries of {@code range} up to {@code lastIndex} are durable; the write took {@code nanos}. */
  void durable(RangeId range, long lastIndex, long writtenBytes, long nanos) {
    for (DurableEntries done : received.durableThrough(range, lastIndex)) {
      if (!done.leaderStore().equals(localStore)) {
        flow.entriesDurable(done);
      }
    }
    if (writtenBytes > 0) {
      flow.recordDiskWrite(writtenBytes, nanos);
    }
  }

  /** Entries of {@code range} from {@code firstIndex} on were truncated: they never become durable. */
  void truncatedFrom(RangeId range, long firstIndex) {
    received.truncatedFrom(range, firstIndex);
  }
}
