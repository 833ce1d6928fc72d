package io.raftwire.grpc.internal.fanout;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.receiver.BundleSink;
import io.raftwire.grpc.internal.receiver.Intake;
import io.raftwire.grpc.internal.receiver.LateRefusals;
import io.raftwire.grpc.internal.sender.Relay;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.MalformedEnvelopeException;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zone fan-out, receiving side: this store as its zone's agent. A bundle is checked as a whole
 * first (addressed to this store, well formed), else refused like an envelope and the writer drops
 * every member. Then each member is rebuilt from its header and its span of the shared entries: the
 * one for this store is admitted like any arriving message, the others are relayed to their stores
 * (only to the other stores of this zone, see {@link RelayRule}) with their writer named. A member refused here or by the relay comes back
 * to the writer as a refusal of that member; one refused later by its follower comes back through
 * the relay's drop path. Thread-safe; never blocks.
 */
public final class Agent implements BundleSink {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  private final StoreId local;
  private final Intake intake;
  private final Relay relay;
  private final RelayRule rule;
  private final Counter bundles;
  private final Counter deliveredLocally;
  private final Counter forwarded;
  private final Map<DropReason, Counter> memberRefused;

  /** @param rule to which stores members may be relayed */
  public Agent(StoreId local, Intake intake, Relay relay, RelayRule rule, StoreMetrics metrics) {
    this.local = local;
    this.rule = rule;
    this.intake = intake;
    this.relay = relay;
    this.bundles = metrics.counter(GrpcMetrics.AGENT_BUNDLES);
    this.deliveredLocally = metrics.counter(GrpcMetrics.AGENT_DELIVERED_LOCALLY);
    this.forwarded = metrics.counter(GrpcMetrics.AGENT_FORWARDED);
    this.memberRefused = metrics.counters(GrpcMetrics.AGENT_MEMBER_REFUSED, DropReason.class);
  }

  @Override
  public @Nullable DropReason accept(Envelope bundle, StoreId writer, LateRefusals origin) {
    if (intake.closed()) {
      return DropReason.CLOSED;
    }
    if (bundle.getToStore() != local.value()) {
      return DropReason.WRONG_DESTINATION;
    }
    List<RaftEnvelope> members;
    try {
      members = BundleCodec.decode(bundle, writer);
    } catch (MalformedEnvelopeException e) {
      log.debug("{}: {}", local, e.getMessage());
      return DropReason.MALFORMED;
    }
    bundles.inc();
    for (RaftEnvelope member : members) {
      DropReason refusal;
      if (member.to().store().equals(local)) {
        refusal = intake.admit(member, origin);
        if (refusal == null) {
          deliveredLocally.inc();
        }
      } else if (!rule.mayRelayTo(member.to().store(), writer)) {
        refusal = DropReason.WRONG_DESTINATION; // outside this agent's zone: no relay amplification
      } else {
        refusal = relay.relay(member);
        if (refusal == null) {
          forwarded.inc();
        }
      }
      if (refusal != null) {
        memberRefused.get(refusal).inc();
        origin.refuseLate(member, WireCodec.relayRefusalCode(refusal));
      }
    }
    return null;
  }
}
