package io.raftwire.adapter.microraft;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.microraft.RaftEndpoint;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.RaftMessage;
import io.microraft.transport.Transport;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.SendResult;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MicroRaft's {@link Transport} on top of a {@link RaftTransport}. One instance per store serves
 * every {@code RaftNode} on it (the range comes from the message's group id).
 *
 * <p><b>Refusals:</b> MicroRaft has no "unreachable" callback, and a leader whose append is never
 * answered sends that follower nothing, heartbeats included, for one to two seconds. So when the
 * transport refuses an append with entries for a reason a heartbeat can still pass (budgets, size,
 * a failed relay: {@link #FEEDBACK_REASONS}), at once or later through {@link #onDropped}, the
 * follower gets the same request without its entries as a CONTROL heartbeat; its real answer ends
 * the leader's back-off. At most one such heartbeat per (range, follower) per {@link
 * #DEFAULT_FEEDBACK_INTERVAL_NANOS} (configurable through {@link MicroRaftNodes.Builder}).
 *
 * <p><b>Metrics</b>, in the registry given (see {@link MicroRaftNodes.Builder#metricRegistry}),
 * under {@code raftwire.<store>.microraft.}: {@code refused.<reason>} (messages {@code send}
 * refused, by {@link DropReason}), {@code dropped.<reason>} (this store's messages dropped after
 * acceptance), {@code encode_failures}, {@code feedback.heartbeats} (heartbeats sent in place of a
 * refused or dropped append), {@code feedback.coalesced} (refusals that found one sent to that
 * follower within the interval), and for coalesced heartbeats ({@link
 * MicroRaftNodes.Builder#coalescedHeartbeats}) {@code heartbeats.sent}, {@code heartbeats.fallbacks}
 * (sent as envelopes because the destination's heartbeat budget was full) and {@code
 * heartbeats.undelivered}.
 *
 * <p><b>Threads:</b> called by Raft node threads, {@link #onDropped} by the transport's
 * notification thread. <b>Blocking:</b> never (raftwire's {@code send} does not block).
 * <b>Failure:</b> never throws into the Raft node: a message that cannot be encoded is logged and
 * counted ({@link #encodeFailures()}); a refusal by the transport is counted ({@link
 * #refusedSends()}) and answered as above, the rest left to Raft's retransmission.
 */
public final class MicroRaftTransport implements Transport {
  /**
   * Default shortest time between two heartbeats sent in place of refused appends to one follower
   * of one range: 250 ms, MicroRaft 0.7's back-off tick, well inside its shortest back-off (four
   * ticks), so a follower whose appends keep being refused hears its leader at least once per
   * back-off.
   */
  public static final long DEFAULT_FEEDBACK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /** The refusal reasons answered with a heartbeat; the others are only counted. */
  public static final Set<DropReason> FEEDBACK_REASONS = Collections.unmodifiableSet(RefusalFeedback.ACTED_ON);

  private static final Logger log = LoggerFactory.getLogger(MicroRaftTransport.class);

  private final RaftTransport transport;
  private final MicroRaftCodec codec;
  private final MicroRaftSnapshots snapshots; // null: MicroRaft's own snapshot messages
  private final RefusalFeedback feedback; // null: refusals are only counted
  private final Counter encodeFailures;
  private final Map<DropReason, Counter> refused = new EnumMap<>(DropReason.class);
  private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
  private final Counter feedbackHeartbeats;
  private final Counter feedbackCoalesced;
  private final Heartbeats heartbeats; // null: every message travels as an envelope
  private final Counter heartbeatsSent;
  private final Counter heartbeatFallbacks;
  private final Counter heartbeatsUndelivered;

  /**
   * Snapshots travel as MicroRaft's own chunk messages (the SNAPSHOT lane); refusals are answered
   * with heartbeats at the default interval on the system clock, and counted in a registry of its
   * own. {@link MicroRaftNodes} is the usual way to make one.
   *
   * @param transport the raftwire transport of this store; not null
   * @param codec encodes outbound messages; not null
   * @throws NullPointerException if an argument is null
   */
  public MicroRaftTransport(RaftTransport transport, MicroRaftCodec codec) {
    this(transport, codec, null, new MetricRegistry(), InboundProblems.defaultTimebase(),
        DEFAULT_FEEDBACK_INTERVAL_NANOS, true, null);
  }

  /**
   * Snapshots travel as raftwire snapshot transfers: the leader's offer to install one is handed
   * to {@code snapshots} (see {@link MicroRaftSnapshots}) instead of being sent. Refusals as for
   * {@link #MicroRaftTransport(RaftTransport, MicroRaftCodec)}.
   *
   * @param transport the raftwire transport of this store; its snapshot transfers must have {@code
   *     snapshots} as source and sink; not null
   * @param codec encodes outbound messages; not null
   * @param snapshots the snapshot bridge, attached by {@link MicroRaftNodes}; until it is attached,
   *     offers are sent as MicroRaft's own messages; not null
   * @throws NullPointerException if an argument is null
   */
  public MicroRaftTransport(RaftTransport transport, MicroRaftCodec codec, MicroRaftSnapshots snapshots) {
    this(transport, codec, Objects.requireNonNull(snapshots, "snapshots"), new MetricRegistry(),
        InboundProblems.defaultTimebase(), DEFAULT_FEEDBACK_INTERVAL_NANOS, true, null);
  }

  /**
   * As above; with {@code heartbeats} not null, appends without entries and append responses travel
   * as coalesced heartbeats (the caller registers the receiving side: {@link MicroRaftNodes} does).
   */
  MicroRaftTransport(RaftTransport transport, MicroRaftCodec codec, MicroRaftSnapshots snapshots,
      MetricRegistry metrics, Timebase clock, long feedbackIntervalNanos, boolean feedback, Heartbeats heartbeats) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.heartbeats = heartbeats;
    this.codec = Objects.requireNonNull(codec, "codec");
    this.snapshots = snapshots;
    String prefix = MetricRegistry.name("raftwire", transport.localStore().toString(), "microraft");
    this.encodeFailures = metrics.counter(MetricRegistry.name(prefix, "encode_failures"));
    for (DropReason reason : DropReason.values()) {
      refused.put(reason, metrics.counter(MetricRegistry.name(prefix, "refused", reason.name())));
      dropped.put(reason, metrics.counter(MetricRegistry.name(prefix, "dropped", reason.name())));
    }
    this.feedbackHeartbeats = metrics.counter(MetricRegistry.name(prefix, "feedback", "heartbeats"));
    this.feedbackCoalesced = metrics.counter(MetricRegistry.name(prefix, "feedback", "coalesced"));
    this.heartbeatsSent = metrics.counter(MetricRegistry.name(prefix, "heartbeats", "sent"));
    this.heartbeatFallbacks = metrics.counter(MetricRegistry.name(prefix, "heartbeats", "fallbacks"));
    this.heartbeatsUndelivered = metrics.counter(MetricRegistry.name(prefix, "heartbeats", "undelivered"));
    this.feedback = feedback
        ? new RefusalFeedback(transport, codec, clock, feedbackIntervalNanos, feedbackHeartbeats, feedbackCoalesced)
        : null;
  }

  @Override
  public void send(RaftEndpoint target, RaftMessage offered) {
    RaftMessage message = offered;
    boolean transfer = false;
    try {
      if (heartbeats != null && MicroRaftCodec.isHeartbeat(message) && sentAsHeartbeat(message, target)) {
        return;
      }
      if (snapshots != null && MicroRaftSnapshots.isLeaderSnapshotOffer(message)
          && message.getGroupId() instanceof RangeId && snapshots.attached()
          // A follower that is down gets no transfer (it would fail, and its fallbacks would
          // retry from wherever); MicroRaft offers again once it is back.
          && transport.isReachable(StoreEndpoint.storeOf(target))) {
        // The follower still hears the offer (it is the leader's heartbeat to a follower that
        // needs a snapshot, and the follower's request for the transfer), but with nobody to ask
        // for chunks: they come by the transfer, started once the offer is on its way.
        message = snapshots.withoutChunkSources((io.microraft.model.message.InstallSnapshotRequest) message);
        transfer = true;
      }
      RaftEnvelope envelope = codec.encode(message, target);
      SendResult result = transport.send(envelope);
      if (result.isAccepted() && transfer) {
        snapshots.catchUp((RangeId) message.getGroupId(), StoreEndpoint.storeOf(target));
      }
      boolean append = feedback != null && envelope.trafficClass() == TrafficClass.APPEND
          && message instanceof AppendEntriesRequest;
      if (result.isAccepted()) {
        if (append) {
          feedback.accepted((AppendEntriesRequest) message, target);
        }
      } else {
        DropReason reason = result.reason().orElseThrow();
        refused.get(reason).inc();
        if (log.isDebugEnabled()) {
          log.debug("{}: {} to {} refused: {}", transport.localStore(), message.getClass().getSimpleName(), target, result);
        }
        if (append) {
          feedback.refused((AppendEntriesRequest) message, target, reason);
        }
      }
    } catch (RuntimeException e) {
      encodeFailures.inc();
      log.warn("{}: cannot send {} to {}", transport.localStore(), message.getClass().getSimpleName(), target, e);
    }
  }

  /**
   * Sends {@code message} as a coalesced heartbeat; false if it must go as an envelope instead (the
   * destination's heartbeat budget is full: an envelope waits in the CONTROL lane's budget).
   */
  private boolean sentAsHeartbeat(RaftMessage message, RaftEndpoint target) {
    SendResult result = heartbeats.send(codec.encodeHeartbeat(message, target));
    if (result.isAccepted()) {
      heartbeatsSent.inc();
      return true;
    }
    DropReason reason = result.reason().orElseThrow();
    if (reason == DropReason.LANE_BUDGET) {
      heartbeatFallbacks.inc();
      return false;
    }
    refused.get(reason).inc(); // an envelope would be refused for the same reason (unreachable, closed)
    return true;
  }

  /**
   * Counts this store's coalesced heartbeats that were not delivered, as {@link #onDropped} counts
   * envelopes. Raft needs nothing more: a leader sends its followers a heartbeat every period, and
   * a follower's lost answer to one is answered again at the next.
   */
  void undelivered(List<Heartbeat> lost, DropReason reason) {
    heartbeatsUndelivered.inc(lost.size());
    dropped.get(reason).inc(lost.size());
  }

  /**
   * {@return the messages sent as coalesced heartbeats since this transport was created ({@code
   * heartbeats.sent})}
   */
  public long heartbeatsSent() {
    return heartbeatsSent.getCount();
  }

  /**
   * {@return the messages sent as envelopes because the destination's heartbeat budget was full
   * ({@code heartbeats.fallbacks})}
   */
  public long heartbeatFallbacks() {
    return heartbeatFallbacks.getCount();
  }

  /**
   * {@return this store's coalesced heartbeats the transport reported undelivered ({@code
   * heartbeats.undelivered}; also counted in {@code dropped.<reason>})}
   */
  public long heartbeatsUndelivered() {
    return heartbeatsUndelivered.getCount();
  }

  @Override
  public boolean isReachable(RaftEndpoint endpoint) {
    try {
      return transport.isReachable(StoreEndpoint.storeOf(endpoint));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The drop listener to add to this store's transport ({@link MicroRaftNodes} adds it): counts
   * this store's messages dropped after acceptance, and answers the drop of the latest append to a
   * follower like a refusal (see the class documentation). A notice without its message is enough.
   * Never blocks, never throws.
   *
   * @param notice the transport's notice of a message that will not be delivered
   */
  public void onDropped(DroppedMessage notice) {
    if (!notice.acceptedBySend() || !notice.from().store().equals(transport.localStore())) {
      return; // refusals were counted when send returned them
    }
    dropped.get(notice.reason()).inc();
    if (feedback != null) {
      feedback.dropped(notice);
    }
  }

  /** Forgets what refusal feedback remembers of {@code range} (its node was removed). */
  void forget(RangeId range) {
    if (feedback != null) {
      feedback.forget(range);
    }
  }

  /**
   * {@return the number of messages that could not be encoded (a bug in an operation codec, or a
   * foreign endpoint)} Counts since this transport was created ({@code encode_failures}).
   */
  public long encodeFailures() {
    return encodeFailures.getCount();
  }

  /**
   * {@return the number of messages the transport refused (budget, unreachable, ...), all reasons}
   * Counts since this transport was created; by reason: {@link #refused(DropReason)}.
   */
  public long refusedSends() {
    long sum = 0;
    for (Counter c : refused.values()) {
      sum += c.getCount();
    }
    return sum;
  }

  /**
   * The messages the transport refused for {@code reason} since this transport was created ({@code
   * refused.<reason>}).
   *
   * @param reason the refusal reason
   * @return the count
   */
  public long refused(DropReason reason) {
    return refused.get(Objects.requireNonNull(reason, "reason")).getCount();
  }

  /**
   * {@return the heartbeats sent in place of refused or dropped appends since this transport was
   * created ({@code feedback.heartbeats})}
   */
  public long feedbackHeartbeats() {
    return feedbackHeartbeats.getCount();
  }

  /**
   * {@return the refusals and drops of appends not answered with a heartbeat because one went to
   * that follower within the interval ({@code feedback.coalesced})}
   */
  public long feedbackCoalesced() {
    return feedbackCoalesced.getCount();
  }
}
