package io.raftwire.adapter.microraft;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.message.Heartbeat;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;
import java.util.Objects;

/**
 * The store's one {@link HeartbeatHandler}: routes each arriving heartbeat to its range's node
 * through the {@link RangeRegistry}, and tells the {@link MicroRaftTransport} of this store's
 * heartbeats that were not delivered.
 *
 * <p><b>Metrics</b> under {@code raftwire.<store>.microraft.heartbeats.}: {@code received}
 * (heartbeats handed to a node or refused by the inbound check) and {@code unrouted} (heartbeats
 * for a range with no node here: one being added or removed, or a stale leader's).
 *
 * <p><b>Threads:</b> the transport calls both methods on its heartbeat thread, never concurrently.
 * Never blocks ({@code RaftNode.handle} only enqueues), never throws.
 */
final class HeartbeatRouting implements HeartbeatHandler {
  private final RangeRegistry registry;
  private final MicroRaftTransport transport;
  private final Counter received;
  private final Counter unrouted;

  HeartbeatRouting(RangeRegistry registry, MicroRaftTransport transport, StoreId local, MetricRegistry metrics) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.transport = Objects.requireNonNull(transport, "transport");
    String prefix = MetricRegistry.name("raftwire", local.toString(), "microraft", "heartbeats");
    this.received = metrics.counter(MetricRegistry.name(prefix, "received"));
    this.unrouted = metrics.counter(MetricRegistry.name(prefix, "unrouted"));
  }

  @Override
  public void deliver(StoreId from, List<Heartbeat> heartbeats) {
    long now = registry.nanoTime(); // one clock read per wire message
    long routed = 0;
    for (Heartbeat heartbeat : heartbeats) {
      if (registry.deliver(heartbeat, now)) {
        routed++;
      }
    }
    received.inc(routed);
    if (routed < heartbeats.size()) {
      unrouted.inc(heartbeats.size() - routed);
    }
  }

  @Override
  public void undelivered(StoreId to, List<Heartbeat> heartbeats, DropReason reason) {
    transport.undelivered(heartbeats, reason);
  }
}
