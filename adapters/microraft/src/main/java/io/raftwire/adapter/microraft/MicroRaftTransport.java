package io.raftwire.adapter.microraft;

import io.microraft.RaftEndpoint;
import io.microraft.model.message.RaftMessage;
import io.microraft.transport.Transport;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.SendResult;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MicroRaft's {@link Transport} on top of a {@link RaftTransport}. One instance per store serves
 * every {@code RaftNode} on it (the range comes from the message's group id).
 *
 * <p><b>Threads:</b> called by Raft node threads. <b>Blocking:</b> never (raftwire's {@code send}
 * does not block). <b>Failure:</b> never throws into the Raft node: a message that cannot be
 * encoded is logged and counted ({@link #encodeFailures()}); a refusal by the transport is counted
 * ({@link #refusedSends()}) and left to Raft's retransmission, since MicroRaft has no
 * "unreachable" callback.
 */
public final class MicroRaftTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(MicroRaftTransport.class);

  private final RaftTransport transport;
  private final MicroRaftCodec codec;
  private final MicroRaftSnapshots snapshots; // null: MicroRaft's own snapshot messages
  private final AtomicLong encodeFailures = new AtomicLong();
  private final AtomicLong refusedSends = new AtomicLong();

  /** Snapshots travel as MicroRaft's own chunk messages (the SNAPSHOT lane). */
  public MicroRaftTransport(RaftTransport transport, MicroRaftCodec codec) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.snapshots = null;
  }

  /**
   * Snapshots travel as raftwire snapshot transfers: the leader's offer to install one is handed
   * to {@code snapshots} (see {@link MicroRaftSnapshots}) instead of being sent.
   */
  public MicroRaftTransport(RaftTransport transport, MicroRaftCodec codec, MicroRaftSnapshots snapshots) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
  }

  @Override
  public void send(RaftEndpoint target, RaftMessage offered) {
    RaftMessage message = offered;
    boolean transfer = false;
    try {
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
      SendResult result = transport.send(codec.encode(message, target));
      if (result.isAccepted() && transfer) {
        snapshots.catchUp((RangeId) message.getGroupId(), StoreEndpoint.storeOf(target));
      }
      if (!result.isAccepted()) {
        refusedSends.incrementAndGet();
        if (log.isDebugEnabled()) {
          log.debug("{}: {} to {} refused: {}", transport.localStore(), message.getClass().getSimpleName(), target, result);
        }
      }
    } catch (RuntimeException e) {
      encodeFailures.incrementAndGet();
      log.warn("{}: cannot send {} to {}", transport.localStore(), message.getClass().getSimpleName(), target, e);
    }
  }

  @Override
  public boolean isReachable(RaftEndpoint endpoint) {
    try {
      return transport.isReachable(StoreEndpoint.storeOf(endpoint));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Messages that could not be encoded (a bug in an operation codec, or a foreign endpoint). */
  public long encodeFailures() {
    return encodeFailures.get();
  }

  /** Messages the transport refused (budget, unreachable, ...); Raft resends what matters. */
  public long refusedSends() {
    return refusedSends.get();
  }
}
