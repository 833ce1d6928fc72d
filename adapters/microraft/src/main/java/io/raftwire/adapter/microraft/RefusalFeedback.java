package io.raftwire.adapter.microraft;

import com.codahale.metrics.Counter;
import io.microraft.RaftEndpoint;
import io.microraft.model.message.AppendEntriesRequest;
import io.raftwire.message.TrafficClass;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.SendResult;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the transport's refusal of an append into a heartbeat, so that a follower whose appends
 * cannot go keeps hearing its leader, and the leader hears back at once.
 *
 * <p>Why: a MicroRaft leader that sends an append to a follower stops sending that follower
 * anything, heartbeats included, until the follower answers or a back-off of one to two seconds
 * runs out; an append the transport refused is never answered, so the follower would hear nothing
 * for that long. Instead the adapter sends the follower the same request without its entries (a
 * CONTROL message, which budgets and credits for appends do not hold back): the same term, commit
 * index, previous entry and sequence numbers, exactly the message MicroRaft itself sends while it
 * probes a follower. The follower answers it as MicroRaft always does, and its real answer ends the
 * leader's back-off, so the leader tries again on its next round. No answer is forged: the leader
 * learns only what the follower said.
 *
 * <p>Bounded: at most one such heartbeat per (range, follower) per interval; refusals in between
 * are counted ({@code feedback.coalesced}) and leave the leader's own back-off in place, which ends
 * within one of its rounds. Remembers the last append sent per (range, follower) (without entries),
 * to answer a drop reported later by the drop listener; {@link #forget} removes a range's.
 *
 * <p>Thread-safe: called on Raft node threads (sends) and the transport's notification thread
 * (drops). Never blocks, never throws.
 */
final class RefusalFeedback {
  private static final Logger log = LoggerFactory.getLogger(RefusalFeedback.class);

  /**
   * The reasons a heartbeat can still get through: the follower is there and the link works, only
   * this append could not go (budgets, its size, a relay that could not pass it on).
   */
  static final Set<DropReason> ACTED_ON = EnumSet.of(DropReason.LANE_BUDGET, DropReason.GLOBAL_BUDGET,
      DropReason.RECEIVER_BUDGET, DropReason.TOO_LARGE, DropReason.FORWARD_FAILED);

  private final RaftTransport transport;
  private final MicroRaftCodec codec;
  private final Timebase clock;
  private final long intervalNanos;
  private final Counter heartbeats;
  private final Counter coalesced;
  private final Map<Key, Follower> followers = new ConcurrentHashMap<>();

  RefusalFeedback(RaftTransport transport, MicroRaftCodec codec, Timebase clock, long intervalNanos,
      Counter heartbeats, Counter coalesced) {
    this.transport = transport;
    this.codec = codec;
    this.clock = clock;
    this.intervalNanos = intervalNanos;
    this.heartbeats = heartbeats;
    this.coalesced = coalesced;
  }

  /** {@code append} (with entries) to {@code target} was accepted by the transport. */
  void accepted(AppendEntriesRequest append, RaftEndpoint target) {
    RangeId range = (RangeId) append.getGroupId();
    Follower f = followers.computeIfAbsent(new Key(range, StoreEndpoint.storeOf(target)), k -> new Follower());
    List<io.microraft.model.log.LogEntry> entries = append.getLogEntries();
    synchronized (f) {
      f.lastSent = withoutEntries(append);
      f.target = target;
      f.firstIndex = entries.get(0).getIndex();
      f.lastIndex = entries.get(entries.size() - 1).getIndex();
    }
  }

  /** {@code send} refused {@code append} (with entries) to {@code target} for {@code reason}. */
  void refused(AppendEntriesRequest append, RaftEndpoint target, DropReason reason) {
    if (!ACTED_ON.contains(reason)) {
      return;
    }
    RangeId range = (RangeId) append.getGroupId();
    Follower f = followers.computeIfAbsent(new Key(range, StoreEndpoint.storeOf(target)), k -> new Follower());
    if (due(f)) {
      heartbeat(withoutEntries(append), target);
    }
  }

  /** The transport reports a message of this store as not delivered, after accepting it. */
  void dropped(DroppedMessage dropped) {
    if (!dropped.acceptedBySend() || dropped.trafficClass() != TrafficClass.APPEND || dropped.lastIndex() == 0
        || !ACTED_ON.contains(dropped.reason()) || !dropped.from().store().equals(transport.localStore())) {
      return; // refusals were handled when send returned them; only this store's appends matter
    }
    Follower f = followers.get(new Key(dropped.range(), dropped.to().store()));
    if (f == null) {
      return;
    }
    AppendEntriesRequest heartbeat;
    RaftEndpoint target;
    synchronized (f) {
      // Only the latest append holds the leader back; an older one's loss changes nothing now.
      if (f.lastSent == null || f.firstIndex != dropped.firstIndex() || f.lastIndex != dropped.lastIndex()) {
        return;
      }
      heartbeat = f.lastSent;
      target = f.target;
    }
    if (due(f)) {
      heartbeat(heartbeat, target);
    }
  }

  /** Forgets what was remembered for {@code range}'s followers. */
  void forget(RangeId range) {
    followers.keySet().removeIf(k -> k.range.equals(range));
  }

  /** {@return the (range, follower) pairs remembered} */
  int tracked() {
    return followers.size();
  }

  private boolean due(Follower f) {
    long now = clock.nanoTime();
    synchronized (f) {
      if (f.heartbeatSent && now - f.lastHeartbeatNanos < intervalNanos) {
        coalesced.inc();
        return false;
      }
      f.heartbeatSent = true;
      f.lastHeartbeatNanos = now;
      return true;
    }
  }

  private void heartbeat(AppendEntriesRequest heartbeat, RaftEndpoint target) {
    try {
      SendResult result = transport.send(codec.encode(heartbeat, target));
      if (result.isAccepted()) {
        heartbeats.inc();
      } else if (log.isDebugEnabled()) {
        log.debug("{}: heartbeat in place of a refused append to {} refused too: {}", transport.localStore(), target,
            result);
      }
    } catch (RuntimeException e) {
      log.warn("{}: cannot send a heartbeat in place of a refused append to {}", transport.localStore(), target, e);
    }
  }

  private AppendEntriesRequest withoutEntries(AppendEntriesRequest append) {
    return codec.modelFactory().createAppendEntriesRequestBuilder()
        .setGroupId(append.getGroupId())
        .setSender(append.getSender())
        .setTerm(append.getTerm())
        .setPreviousLogTerm(append.getPreviousLogTerm())
        .setPreviousLogIndex(append.getPreviousLogIndex())
        .setCommitIndex(append.getCommitIndex())
        .setQuerySequenceNumber(append.getQuerySequenceNumber())
        .setFlowControlSequenceNumber(append.getFlowControlSequenceNumber())
        .setLogEntries(List.of())
        .build();
  }

  private static final class Key {
    final RangeId range;
    final StoreId follower;

    Key(RangeId range, StoreId follower) {
      this.range = range;
      this.follower = follower;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).range.equals(range) && ((Key) o).follower.equals(follower);
    }

    @Override
    public int hashCode() {
      return Objects.hash(range, follower);
    }
  }

  /** What is known of one follower of one range. Guarded by itself. */
  private static final class Follower {
    AppendEntriesRequest lastSent; // @GuardedBy("this"): the last accepted append, without entries
    RaftEndpoint target; // @GuardedBy("this")
    long firstIndex; // @GuardedBy("this")
    long lastIndex; // @GuardedBy("this")
    boolean heartbeatSent; // @GuardedBy("this")
    long lastHeartbeatNanos; // @GuardedBy("this")
  }
}
