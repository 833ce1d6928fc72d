package io.raftwire.grpc.internal.receiver;

import io.raftwire.message.Heartbeat;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where the stream intake hands arriving coalesced heartbeats and tells who was heard from:
 * implemented by the transport's heartbeat inbox. Any thread (a stream's reading thread); never
 * blocks.
 */
public interface HeartbeatIntake {
  /**
   * Queues one wire message's heartbeats (not empty) for the store's heartbeat handler.
   *
   * @return the refusal reason (no handler, no room, closed), or null if queued
   */
  @Nullable DropReason admit(StoreId from, List<Heartbeat> heartbeats);

  /** A frame arrived from {@code from}, which the stream's hello named: it is live. */
  void heard(StoreId from);
}
