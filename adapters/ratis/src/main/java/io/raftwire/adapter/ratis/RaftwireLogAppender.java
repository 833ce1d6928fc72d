package io.raftwire.adapter.ratis;

import com.codahale.metrics.Counter;
import java.io.IOException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppenderBase;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.util.Timestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's sender of one (group, follower) over raftwire: appends pipelined within a window,
 * heartbeats that never wait behind them, snapshots chunk by chunk while heartbeats go on.
 *
 * <p><b>Why not Ratis's appenders.</b> Ratis's default appender has one request in flight and sends
 * a heartbeat only between appends, so a follower whose appends are slow to answer hears nothing
 * and starts an election. ratis-grpc's appender streams over its own gRPC channels. This one sends
 * through {@link RatisServerRpc}'s asynchronous calls, so an append is an APPEND envelope and a
 * heartbeat a CONTROL one that overtakes queued appends on the wire and at the receiver.
 *
 * <p><b>Window and back-off.</b> At most {@link RatisOptions#appendsInFlight()} appends and {@link
 * RatisOptions#appendWindowBytes()} bytes of them are in flight per follower (a single larger
 * append may go alone); below that, raftwire's lane budgets and credits decide. A refused, dropped,
 * failed or timed-out append ends the window: the follower's next index goes back to the first
 * entry not known to be there, and appends resume after {@code raft.server.rpc.sleep.time};
 * heartbeats go on meanwhile. Appends reach the follower in order (raftwire keeps a range's APPEND
 * lane in order per sending store), and a heartbeat sent while appends are in flight carries no
 * previous entry, so overtaking them is never an inconsistency.
 *
 * <p><b>Snapshots.</b> With {@code raft.server.log.appender.install.snapshot.enabled} (Ratis's
 * default) the leader sends its snapshot's chunks one at a time on the SNAPSHOT lane, once the
 * appends in flight have ended; otherwise it notifies the follower to install a snapshot from
 * elsewhere, again every heartbeat interval until the follower reports it installed.
 *
 * <p>Threads: {@link #run} on Ratis's appender daemon; replies on the transport's workers (or the
 * adapter's timer). Shared state is guarded by this appender's monitor.
 */
final class RaftwireLogAppender extends LogAppenderBase {
  private static final Logger log = LoggerFactory.getLogger(RaftwireLogAppender.class);

  private final RatisServerRpc rpc;
  private final int maxAppends;
  private final long maxBytes;
  private final boolean installSnapshotEnabled;
  private final long sleepNanos;
  private final Counter windowResets;

  // @GuardedBy("this")
  private final Map<Long, InFlight> appends = new HashMap<>();
  // @GuardedBy("this")
  private long appendBytes;
  // @GuardedBy("this"): appends resume at this System.nanoTime() after a failure; 0 when not backing off
  private long resumeAtNanos;
  // @GuardedBy("this"): the snapshot being sent, null if none
  private SnapshotTransfer transfer;

  RaftwireLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower, RatisServerRpc rpc,
      RatisOptions options) {
    super(server, leaderState, follower);
    this.rpc = rpc;
    this.maxAppends = options.appendsInFlight();
    this.maxBytes = options.appendWindowBytes();
    this.installSnapshotEnabled = RaftServerConfigKeys.Log.Appender.installSnapshotEnabled(
        server.getRaftServer().getProperties());
    this.sleepNanos = server.properties().rpcSleepTime().toLong(TimeUnit.NANOSECONDS);
    this.windowResets = rpc.counter("appender.window_resets");
  }

  @Override
  public long getCallId() {
    return CallId.get();
  }

  @Override
  public Comparator<Long> getCallIdComparator() {
    return CallId.getComparator();
  }

  /** Heartbeats carry a previous entry only when no append is in flight that might not be there yet. */
  @Override
  public synchronized boolean hasPendingDataRequests() {
    return !appends.isEmpty();
  }

  @Override
  public void run() throws InterruptedException, IOException {
    while (isRunning()) {
      if (getHeartbeatWaitTimeMs() <= 0) {
        sendHeartbeat();
      }
      if (!snapshotStep()) {
        sendAppends();
      }
      getLeaderState().checkHealth(getFollower());
      if (isRunning()) {
        getEventAwaitForSignal().await(waitMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private long waitMillis() {
    long heartbeat = Math.max(1, getHeartbeatWaitTimeMs());
    synchronized (this) {
      if (resumeAtNanos != 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(resumeAtNanos - System.nanoTime());
        return Math.max(1, Math.min(heartbeat, left));
      }
      if (transfer == null && hasAppendEntries() && roomForAppend()) {
        return 1; // more to send as soon as the window has room
      }
    }
    return heartbeat;
  }

  // ---- appends and heartbeats ----

  private void sendHeartbeat() throws IOException {
    AppendEntriesRequestProto request;
    synchronized (this) {
      request = newAppendEntriesRequest(CallId.getAndIncrement(), true);
    }
    send(request, null);
  }

  private void sendAppends() throws IOException {
    while (isRunning()) {
      AppendEntriesRequestProto request;
      InFlight inFlight;
      synchronized (this) {
        if (resumeAtNanos != 0) {
          if (System.nanoTime() - resumeAtNanos < 0) {
            return;
          }
          resumeAtNanos = 0;
        }
        if (!hasAppendEntries() || !roomForAppend() || shouldInstallSnapshot() != null
            || (!installSnapshotEnabled && shouldNotifyToInstallSnapshot() != null)) {
          return;
        }
        request = newAppendEntriesRequest(CallId.getAndIncrement(), false);
        if (request == null) {
          return;
        }
        if (request.getEntriesCount() == 0) {
          inFlight = null; // a heartbeat came due while building
        } else {
          long previous = request.hasPreviousLog() ? request.getPreviousLog().getIndex() : RaftLog.INVALID_LOG_INDEX;
          inFlight = new InFlight(request.getServerRequest().getCallId(), previous, request.getSerializedSize());
          appends.put(inFlight.callId, inFlight);
          appendBytes += inFlight.bytes;
          getFollower().increaseNextIndex(request.getEntries(request.getEntriesCount() - 1).getIndex() + 1);
        }
      }
      send(request, inFlight);
    }
  }

  // called holding this appender's monitor
  private boolean roomForAppend() {
    return appends.isEmpty() || (appends.size() < maxAppends && appendBytes < maxBytes);
  }

  private void send(AppendEntriesRequestProto request, InFlight inFlight) {
    resetHeartbeatTrigger();
    Timestamp sent = Timestamp.currentTime();
    getFollower().updateLastRpcSendTime(inFlight == null);
    var unused = rpc.appendEntriesAsync(request).whenComplete((reply, error) -> {
      try {
        if (error != null) {
          onFailure(request, inFlight, error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
        } else {
          onReply(request, inFlight, reply, sent);
        }
      } catch (RuntimeException e) {
        log.warn("{}: handling the answer to an append failed", this, e);
      }
    });
  }

  private void onReply(AppendEntriesRequestProto request, InFlight inFlight, AppendEntriesReplyProto reply, Timestamp sent) {
    getFollower().updateLastRpcResponseTime();
    getFollower().updateLastRespondedAppendEntriesSendTime(sent);
    synchronized (this) {
      if (inFlight != null) {
        end(inFlight);
      }
      switch (reply.getResult()) {
        case SUCCESS:
          getLeaderState().onFollowerCommitIndex(getFollower(), reply.getFollowerCommit());
          if (getFollower().updateMatchIndex(reply.getMatchIndex())) {
            getFollower().updateNextIndex(reply.getMatchIndex() + 1);
            getLeaderState().onFollowerSuccessAppendEntries(getFollower());
          }
          break;
        case NOT_LEADER:
          if (onFollowerTerm(reply.getTerm())) {
            return;
          }
          break;
        case INCONSISTENCY:
          long first = request.getEntriesCount() > 0 ? request.getEntries(0).getIndex() : RaftLog.INVALID_LOG_INDEX;
          resetWindow();
          getFollower().setNextIndex(getNextIndexForInconsistency(first, reply.getNextIndex()));
          break;
        default:
          log.warn("{}: unexpected append result {}", this, reply.getResult());
          break;
      }
    }
    getLeaderState().onAppendEntriesReply(this, reply);
    notifyLogAppender();
  }

  private void onFailure(AppendEntriesRequestProto request, InFlight inFlight, Throwable error) {
    getServerRpc().handleException(getFollowerId(), error instanceof Exception ? (Exception) error : new IOException(error), false);
    if (inFlight == null) {
      return; // a lost heartbeat changes nothing: the next one is due soon
    }
    synchronized (this) {
      if (!appends.containsKey(inFlight.callId)) {
        return; // the window was reset already; the next index was moved then
      }
      resetWindow();
      long next = inFlight.previousIndex + 1;
      getFollower().computeNextIndex(getNextIndexForError(next));
      resumeAtNanos = System.nanoTime() + sleepNanos;
      if (resumeAtNanos == 0) {
        resumeAtNanos = 1;
      }
    }
    log.debug("{}: append from {} failed; resending from the follower's match index after {} ns", this,
        request.getEntries(0).getIndex(), sleepNanos, error);
    notifyLogAppender();
  }

  /** Forgets every append in flight: their answers, if any come, are handled as strays. Called holding this appender's monitor. */
  private void resetWindow() {
    if (!appends.isEmpty()) {
      windowResets.inc();
    }
    appends.clear();
    appendBytes = 0;
  }

  // called holding this appender's monitor
  private void end(InFlight inFlight) {
    if (appends.remove(inFlight.callId) != null) {
      appendBytes -= inFlight.bytes;
    }
  }

  // ---- snapshots ----

  /** Advances a snapshot transfer, or starts one; true while appends must wait for it. */
  private boolean snapshotStep() {
    SnapshotTransfer t;
    synchronized (this) {
      if (transfer == null) {
        if (installSnapshotEnabled) {
          SnapshotInfo snapshot = shouldInstallSnapshot();
          if (snapshot == null) {
            return false;
          }
          if (!appends.isEmpty()) {
            return true; // let the appends in flight end first: they travel on another lane
          }
          log.info("{}: follower next index {} is before the log's start {}: sending snapshot {}", this,
              getFollower().getNextIndex(), getRaftLog().getStartIndex(), snapshot);
          transfer = new SnapshotTransfer(snapshot,
              newInstallSnapshotRequests(UUID.randomUUID().toString(), snapshot).iterator());
        } else {
          TermIndex first = shouldNotifyToInstallSnapshot();
          if (first == null) {
            return false;
          }
          if (!appends.isEmpty()) {
            return true;
          }
          transfer = new SnapshotTransfer(null, List.of(newInstallSnapshotNotificationRequest(first)).iterator());
        }
      }
      t = transfer;
      if (t.inFlight || (t.snapshot == null && t.nextNotificationNanos - System.nanoTime() > 0)) {
        return true;
      }
      if (!t.chunks.hasNext()) {
        transfer = null;
        return true;
      }
      t.inFlight = true;
    }
    InstallSnapshotRequestProto chunk = t.chunks.next();
    getFollower().updateLastRpcSendTime(false);
    var unused = rpc.installSnapshotAsync(chunk).whenComplete((reply, error) -> {
      try {
        onSnapshotAnswer(t, reply, error);
      } catch (RuntimeException e) {
        log.warn("{}: handling the answer to a snapshot chunk failed", this, e);
      }
    });
    return true;
  }

  private void onSnapshotAnswer(SnapshotTransfer t, InstallSnapshotReplyProto reply, Throwable error) {
    synchronized (this) {
      t.inFlight = false;
      if (transfer != t) {
        return;
      }
      if (error != null) {
        log.warn("{}: installing snapshot {} failed; starting over", this, t.snapshot, error);
        transfer = null;
        resumeAtNanos = System.nanoTime() + sleepNanos;
        return;
      }
      getFollower().updateLastRpcResponseTime();
      if (t.snapshot != null) {
        onChunkReply(t, reply);
      } else {
        onNotificationReply(t, reply);
      }
    }
    notifyLogAppender();
  }

  // called holding this appender's monitor
  private void onChunkReply(SnapshotTransfer t, InstallSnapshotReplyProto reply) {
    switch (reply.getResult()) {
      case SUCCESS:
        if (!t.chunks.hasNext()) {
          getFollower().setSnapshotIndex(t.snapshot.getTermIndex().getIndex());
          getFollower().setAttemptedToInstallSnapshot();
          getServer().getRaftServerMetrics().onSnapshotInstalled();
          log.info("{}: installed snapshot {}", this, t.snapshot);
          transfer = null;
        }
        break;
      case NOT_LEADER:
        transfer = null;
        onFollowerTerm(reply.getTerm());
        break;
      case SNAPSHOT_UNAVAILABLE:
      case ALREADY_INSTALLED:
      case SNAPSHOT_EXPIRED:
        getFollower().setAttemptedToInstallSnapshot();
        transfer = null;
        break;
      default:
        log.warn("{}: snapshot chunk answered {}; starting over", this, reply.getResult());
        transfer = null;
        resumeAtNanos = System.nanoTime() + sleepNanos;
        break;
    }
  }

  // called holding this appender's monitor
  private void onNotificationReply(SnapshotTransfer t, InstallSnapshotReplyProto reply) {
    switch (reply.getResult()) {
      case SNAPSHOT_INSTALLED:
      case ALREADY_INSTALLED:
        long index = reply.getSnapshotIndex();
        getFollower().setSnapshotIndex(index);
        getFollower().setAttemptedToInstallSnapshot();
        getLeaderState().onFollowerCommitIndex(getFollower(), index);
        getFollower().updateNextIndex(index + 1);
        transfer = null;
        break;
      case NOT_LEADER:
        transfer = null;
        onFollowerTerm(reply.getTerm());
        break;
      case SNAPSHOT_UNAVAILABLE:
        getFollower().setAttemptedToInstallSnapshot();
        transfer = null;
        break;
      default:
        // SUCCESS or IN_PROGRESS: the follower is installing; ask again a heartbeat interval later
        TermIndex first = shouldNotifyToInstallSnapshot();
        if (first == null) {
          transfer = null;
        } else {
          t.chunks = List.of(newInstallSnapshotNotificationRequest(first)).iterator();
          t.nextNotificationNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, getHeartbeatWaitTimeMs()));
        }
        break;
    }
  }

  /** One append in flight. Immutable. */
  private static final class InFlight {
    final long callId;
    final long previousIndex;
    final long bytes;

    InFlight(long callId, long previousIndex, long bytes) {
      this.callId = callId;
      this.previousIndex = previousIndex;
      this.bytes = bytes;
    }
  }

  /** A snapshot being sent (or a notification being repeated). Guarded by the appender's monitor. */
  private static final class SnapshotTransfer {
    final SnapshotInfo snapshot; // null: notification mode
    Iterator<InstallSnapshotRequestProto> chunks;
    boolean inFlight;
    long nextNotificationNanos = System.nanoTime();

    SnapshotTransfer(SnapshotInfo snapshot, Iterator<InstallSnapshotRequestProto> chunks) {
      this.snapshot = snapshot;
      this.chunks = chunks;
    }
  }
}
