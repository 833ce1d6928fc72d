package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.entity.PeerId;
import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.codec.JraftFrame;
import io.raftwire.adapter.jraft.codec.MalformedFrameException;
import io.raftwire.adapter.jraft.codec.MalformedFrameException.Problem;
import io.raftwire.adapter.jraft.wire.Kind;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Objects;
import java.util.Optional;

/**
 * The one rule for what a decoded jraft frame may claim, checked against its envelope, whose
 * {@code from} store the transport vouches for. jraft believes the identities inside its messages
 * (it finds the node by group and {@code peer_id}, and treats {@code server_id} as the sender), so
 * before a frame reaches jraft:
 *
 * <ul>
 *   <li><b>Every frame:</b> the envelope is addressed to this store ({@link Problem#WRONG_DESTINATION}).
 *   <li><b>A request</b> travels on its group's range, or on {@link GroupRanges#SERVICE_RANGE} if it
 *       has no group ({@link Problem#WRONG_RANGE}). If its type names a sender (appends, heartbeats
 *       and probes, votes and pre-votes, timeout-now, install-snapshot, read-index), {@code
 *       server_id} is a replica of the envelope's {@code from} store by the {@link StoreDirectory}
 *       ({@link Problem#WRONG_SENDER}); if it names a target ({@code peer_id}, which a read-index
 *       request may leave out), that is a replica of this store ({@link Problem#WRONG_DESTINATION}).
 *       CLI and user requests, pings and file reads name no sender: only their range is checked.
 *   <li><b>An answer</b> (response or failure) to a call in flight comes from the store the call
 *       went to ({@link Problem#WRONG_RESPONDER}), on the range the call asked for ({@link
 *       Problem#WRONG_RANGE}); a refused answer leaves the call in flight for the real one. An
 *       answer to no call in flight passes: it ends nothing (a late answer).
 * </ul>
 *
 * <p>Honest traffic always passes: the calling store reads sender, target and group with the same
 * {@link Route} to address the envelope, jraft's nodes send only as themselves (a follower's
 * forwarded read-index keeps the follower as its sender), and every store shares the directory
 * and the group mapping. Membership is not checked here: a peer being added or removed still sends
 * as itself, and whether its group listens is jraft's decision.
 *
 * <p>Thread-safe (the directory, the mapping and the call table are).
 */
final class InboundCheck {
  private final StoreId local;
  private final StoreDirectory directory;
  private final GroupRanges ranges;
  private final PendingCalls calls;

  InboundCheck(StoreId local, StoreDirectory directory, GroupRanges ranges, PendingCalls calls) {
    this.local = Objects.requireNonNull(local, "local");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.ranges = Objects.requireNonNull(ranges, "ranges");
    this.calls = Objects.requireNonNull(calls, "calls");
  }

  /**
   * Passes if {@code frame}, decoded from {@code envelope}, claims only what the envelope says.
   *
   * @throws MalformedFrameException naming the first claim that does not match
   */
  void check(RaftEnvelope envelope, JraftFrame frame) throws MalformedFrameException {
    if (!envelope.to().store().equals(local)) {
      throw new MalformedFrameException(Problem.WRONG_DESTINATION, frame + " is addressed to " + envelope.to());
    }
    if (frame.kind() == Kind.REQUEST) {
      checkRequest(envelope, frame.message().orElseThrow());
    } else {
      checkAnswer(envelope, frame);
    }
  }

  private void checkRequest(RaftEnvelope envelope, Message request) throws MalformedFrameException {
    String type = request.getClass().getSimpleName();
    Route route = Route.of(request);
    RangeId range;
    try {
      range = route.range(ranges);
    } catch (RuntimeException e) {
      throw new MalformedFrameException(Problem.WRONG_RANGE, type + ": group " + route.group + " maps to no range: " + e);
    }
    if (!range.equals(envelope.range())) {
      throw new MalformedFrameException(Problem.WRONG_RANGE,
          type + " of group " + route.group + " (" + range + ") travels on " + envelope.range());
    }
    if (route.claimsSender && !isOn(route.sender, envelope.from().store())) {
      throw new MalformedFrameException(Problem.WRONG_SENDER,
          type + " of group " + route.group + " claims server_id " + route.sender + " but came from "
              + envelope.from().store());
    }
    if (route.claimsTarget && !isOn(route.target, local)) {
      throw new MalformedFrameException(Problem.WRONG_DESTINATION,
          type + " of group " + route.group + " is for peer_id " + route.target + ", not a replica of " + local);
    }
  }

  private void checkAnswer(RaftEnvelope envelope, JraftFrame frame) throws MalformedFrameException {
    Optional<PendingCalls.Call> call = calls.find(frame.callId());
    if (call.isEmpty()) {
      return;
    }
    if (!call.get().peer.equals(envelope.from().store())) {
      throw new MalformedFrameException(Problem.WRONG_RESPONDER,
          frame + " for " + call.get() + " came from " + envelope.from().store());
    }
    if (!call.get().replyRange.equals(envelope.range())) {
      throw new MalformedFrameException(Problem.WRONG_RANGE,
          frame + " for " + call.get() + " came on " + envelope.range() + ", not " + call.get().replyRange);
    }
  }

  /** Whether {@code peer} (null: it did not parse) lives on {@code store} by the directory. */
  private boolean isOn(PeerId peer, StoreId store) {
    return peer != null && directory.storeOf(peer).filter(store::equals).isPresent();
  }
}
