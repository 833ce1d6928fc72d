package io.raftwire.grpc.internal.sender;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropReason;

/**
 * Where drops of messages this store relayed for other stores go: back to their writer (the
 * receiver echoes them on the writer's newest DATA stream). Any thread; must not block.
 */
@FunctionalInterface
public interface RelayDrops {
  void dropped(RaftEnvelope relayed, DropReason reason);
}
