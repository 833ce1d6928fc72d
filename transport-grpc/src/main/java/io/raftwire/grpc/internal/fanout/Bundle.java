package io.raftwire.grpc.internal.fanout;

import io.raftwire.grpc.internal.sender.EnvelopeMessage;
import io.raftwire.grpc.internal.sender.Outbound;
import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle on its way to a zone's agent. It holds no budget of its own: each member stays charged
 * to its own follower's lane, so releasing or dropping the bundle releases or drops every member.
 */
final class Bundle extends Outbound {
  private final List<EnvelopeMessage> members;
  private final List<RaftEnvelope> envelopes;
  private final List<LogEntry> union;

  private Bundle(List<EnvelopeMessage> members, List<RaftEnvelope> envelopes, List<LogEntry> union, long oldestNanos) {
    super(TrafficClass.APPEND, highest(envelopes), envelopes.get(0).range(), BundleCodec.sizeBytes(envelopes, union), oldestNanos);
    this.members = members;
    this.envelopes = envelopes;
    this.union = union;
  }

  /** A bundle travels at the highest priority of its members: it carries their regular work too. */
  private static Priority highest(List<RaftEnvelope> envelopes) {
    for (RaftEnvelope e : envelopes) {
      if (e.priority() == Priority.REGULAR) {
        return Priority.REGULAR;
      }
    }
    return Priority.ELASTIC;
  }

  /**
   * A bundle of {@code members}.
   *
   * @throws IllegalArgumentException if their entries do not form one consistent span
   */
  static Bundle of(List<EnvelopeMessage> members) {
    List<RaftEnvelope> envelopes = new ArrayList<>(members.size());
    long oldest = Long.MAX_VALUE;
    for (EnvelopeMessage m : members) {
      envelopes.add(m.envelope());
      oldest = Math.min(oldest, m.enqueuedNanos());
    }
    List<RaftEnvelope> frozen = List.copyOf(envelopes);
    return new Bundle(List.copyOf(members), frozen, BundleCodec.unionOfEntries(frozen), oldest);
  }

  /** Entries counted once per member minus entries sent: what the bundle saved. */
  int entriesDeduplicated() {
    int all = 0;
    for (RaftEnvelope e : envelopes) {
      all += e.entries().size();
    }
    return all - union.size();
  }

  /** Charged bytes of the members minus this bundle's size. */
  long bytesSaved() {
    long all = 0;
    for (EnvelopeMessage m : members) {
      all += m.sizeBytes();
    }
    return all - sizeBytes();
  }

  @Override
  public void addTo(OutboundFrame.Builder frame, long seq, StoreId destination) {
    frame.add(BundleCodec.encode(envelopes, union, destination, seq));
  }

  @Override
  public void release() {
    for (EnvelopeMessage m : members) {
      m.release();
    }
  }

  @Override
  public void dropped(DropReason reason) {
    for (EnvelopeMessage m : members) {
      m.dropped(reason); // the agent refused the bundle as a whole, or it was lost with its stream
    }
  }
}
