package io.raftwire.adapter.microraft;

import io.microraft.model.message.RaftMessage;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Objects;

/**
 * The one rule for what a decoded MicroRaft message may claim about who sent it, checked against
 * its envelope, whose {@code from} store the transport vouches for.
 *
 * <p>Every MicroRaft message names its sender ({@link RaftMessage#getSender()}: the leader of an
 * append or install-snapshot request, the candidate of a vote or pre-vote, the follower of a
 * response, the leader handing over in a trigger-election request) and its group; none names
 * another replica as its author. So, for every message type:
 *
 * <ul>
 *   <li>the envelope must be addressed to this store ({@link MalformedMessageException.Problem#WRONG_DESTINATION});
 *   <li>the group id must be the envelope's range ({@link MalformedMessageException.Problem#WRONG_GROUP});
 *   <li>the sender must be the envelope's {@code from} store ({@link MalformedMessageException.Problem#WRONG_SENDER}).
 * </ul>
 *
 * <p>Honest traffic always passes: MicroRaft sends only messages whose sender is the sending node's
 * own endpoint (it forwards nothing on another's behalf; queries and leadership transfers are
 * answered or started by the node itself), and {@link MicroRaftCodec#encode} takes the envelope's
 * {@code from} from that sender. Membership is not checked here: a replica being added or removed
 * still sends as itself, and whether a group listens to it is MicroRaft's decision.
 *
 * <p>Stateless and thread-safe.
 */
final class InboundCheck {
  private final StoreId local;

  InboundCheck(StoreId local) {
    this.local = Objects.requireNonNull(local, "local");
  }

  /**
   * Passes if {@code message}, decoded from {@code envelope}, claims only what the envelope says.
   *
   * @throws MalformedMessageException naming the first claim that does not match
   */
  void check(RaftEnvelope envelope, RaftMessage message) throws MalformedMessageException {
    check(envelope.to().store(), envelope.range(), envelope.from().store(), message);
  }

  /**
   * Passes if {@code message}, decoded from a coalesced heartbeat, claims only what the heartbeat
   * says: the same rule, with the heartbeat's addresses (whose sending store the transport vouches
   * for) in place of the envelope's.
   *
   * @throws MalformedMessageException naming the first claim that does not match
   */
  void check(Heartbeat heartbeat, RaftMessage message) throws MalformedMessageException {
    check(heartbeat.to().store(), heartbeat.range(), heartbeat.from().store(), message);
  }

  private void check(StoreId to, RangeId range, StoreId from, RaftMessage message) throws MalformedMessageException {
    if (!to.equals(local)) {
      throw refused(MalformedMessageException.Problem.WRONG_DESTINATION, message,
          "is addressed to " + to + ", not to " + local);
    }
    if (!range.equals(message.getGroupId())) {
      throw refused(MalformedMessageException.Problem.WRONG_GROUP, message,
          "names group " + message.getGroupId() + " but travels on " + range);
    }
    if (!(message.getSender() instanceof StoreEndpoint)
        || !((StoreEndpoint) message.getSender()).store().equals(from)) {
      throw refused(MalformedMessageException.Problem.WRONG_SENDER, message,
          "claims sender " + message.getSender() + " but came from " + from);
    }
  }

  private static MalformedMessageException refused(MalformedMessageException.Problem problem, RaftMessage message,
      String what) {
    return new MalformedMessageException(problem,
        message.getClass().getSimpleName() + " of " + message.getGroupId() + " " + what, null);
  }
}
