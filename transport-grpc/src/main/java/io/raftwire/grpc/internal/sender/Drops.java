package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.Map;

/**
 * Where every drop of an accepted message ends: this store's own (credits return, the append
 * policy forgets the follower's progress, the listeners hear) and relayed ones (counted, echoed to
 * their writer). Thread-safe; never blocks.
 */
final class Drops {
  private final StoreId local;
  private final CreditLedger ledger;
  private final AppendPolicy policy;
  private final DropNotifier notifier;
  private final RelayDrops relayDrops;
  private final Map<DropReason, Counter> relayDropped;

  Drops(StoreId local, CreditLedger ledger, AppendPolicy policy, DropNotifier notifier, RelayDrops relayDrops,
      Map<DropReason, Counter> relayDropped) {
    this.local = local;
    this.ledger = ledger;
    this.policy = policy;
    this.notifier = notifier;
    this.relayDrops = relayDrops;
    this.relayDropped = relayDropped;
  }

  /** A message of this store's library, accepted by {@code send}, will not be delivered. */
  void own(RaftEnvelope envelope, DropReason reason) {
    if (!envelope.entries().isEmpty()) {
      ledger.returned(envelope);
      policy.dropped(envelope.range(), envelope.to().store());
    }
    notifier.dropped(envelope, reason, true);
  }

  /** A message this store relayed for its writer will not be delivered. */
  void relayed(RaftEnvelope envelope, DropReason reason) {
    relayDropped.get(reason).inc();
    relayDrops.dropped(envelope, reason);
  }

  /** A receiver echoed a message it had accepted and then dropped: ours, or one we relayed. */
  void echoed(RaftEnvelope envelope, DropReason reason) {
    if (envelope.from().store().equals(local)) {
      own(envelope, reason);
    } else {
      relayed(envelope, reason);
    }
  }

  /** A relay request refused before it was queued (counted only; the agent answers the writer). */
  void relayRefused(DropReason reason) {
    relayDropped.get(reason).inc();
  }
}
