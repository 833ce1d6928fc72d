package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;

/** A message this store's library sent: its drop returns its credits and reaches the listeners. */
public final class OwnMessage extends EnvelopeMessage {
  OwnMessage(RaftEnvelope envelope, long enqueuedNanos, Drops drops) {
    super(envelope, enqueuedNanos, drops);
  }

  @Override
  public Envelope encode(long seq, StoreId destination) {
    return WireCodec.encode(envelope(), seq);
  }

  @Override
  public void dropped(DropReason reason) {
    drops.own(envelope(), reason);
  }
}
