package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;

/**
 * A message another store wrote that this store relays as its zone's fan-out agent: it names its
 * writer on the wire, holds no credits here, and its drop goes back to the writer.
 */
final class RelayedMessage extends EnvelopeMessage {
  RelayedMessage(RaftEnvelope envelope, long enqueuedNanos, Drops drops) {
    super(envelope, enqueuedNanos, drops);
  }

  @Override
  public Envelope encode(long seq, StoreId destination) {
    return WireCodec.encodeRelayed(envelope(), seq);
  }

  @Override
  public void dropped(DropReason reason) {
    drops.relayed(envelope(), reason);
  }
}
