package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.peer.Peer;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Everything that leads to one destination store: its lanes, its coalesced heartbeats and its
 * CONTROL and DATA stream writers, over the shared {@link Peer} (channels and breaker). Accepting a message charges its
 * lane and the global budget and, for an APPEND with entries of this store's library (not one it
 * relays), deducts its credits, under this destination's lock, so a failure that empties the lanes afterwards finds the
 * deduction. When the peer's breaker opens, what is queued is reported {@code UNREACHABLE} and
 * sends are refused until the breaker lets traffic through again.
 *
 * <p>Thread-safe. Lock order: an append policy's lock, this destination, its lanes; never the
 * reverse, and nothing is reported while this lock is held.
 */
final class Destination implements AppendRoute, Peer.Listener {
  private final Peer peer;
  private final Lanes lanes;
  private final StreamWriter control;
  private final StreamWriter data;
  private final HeartbeatQueue heartbeats;
  private final CreditLedger ledger;
  private final AppendPolicy policy;
  private final Map<TrafficClass, Counter> accepted = new EnumMap<>(TrafficClass.class);

  @GuardedBy("this")
  private boolean closed;

  Destination(Peer peer, Lanes lanes, HeartbeatQueue heartbeats, StreamWriter control, StreamWriter data,
      CreditLedger ledger, AppendPolicy policy, StoreMetrics metrics) {
    this.peer = peer;
    this.lanes = lanes;
    this.heartbeats = heartbeats;
    this.control = control;
    this.data = data;
    heartbeats.wakeWith(control::workQueued);
    this.ledger = ledger;
    this.policy = policy;
    StoreId store = peer.store();
    for (TrafficClass lane : TrafficClass.values()) {
      String name = StoreMetrics.lower(lane);
      accepted.put(lane, metrics.counter(GrpcMetrics.SENDER_ACCEPTED, store, name));
      metrics.gauge(GrpcMetrics.SENDER_QUEUED_BYTES, () -> lanes.queuedBytes(lane), store, name);
      metrics.gauge(GrpcMetrics.SENDER_QUEUED_MESSAGES, () -> lanes.queuedMessages(lane), store, name);
      metrics.gauge(GrpcMetrics.SENDER_CHARGED_BYTES, () -> lanes.chargedBytes(lane), store, name);
      metrics.gauge(GrpcMetrics.SENDER_LIMIT_BYTES, () -> lanes.limitBytes(lane), store, name);
    }
    for (Priority priority : Priority.values()) {
      metrics.gauge(GrpcMetrics.SENDER_APPEND_QUEUED_BYTES, () -> lanes.queuedAppendBytes(priority), store,
          StoreMetrics.lower(priority));
    }
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_LANE_CHARGED_BYTES, lanes::chargedElasticBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_LANE_LIMIT_BYTES, lanes::elasticLimitBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_CONTROL_CHARGED_BYTES, lanes::chargedElasticControlBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_CONTROL_LIMIT_BYTES, lanes::elasticControlLimitBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_INFLIGHT_BYTES, data::elasticInflightBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_ELASTIC_INFLIGHT_LIMIT_BYTES, data::elasticInflightLimitBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_HEARTBEATS_QUEUED_BYTES, heartbeats::queuedBytes, store);
    metrics.gauge(GrpcMetrics.SENDER_HEARTBEATS_LIMIT_BYTES, heartbeats::limitBytes, store);
  }

  /**
   * Queues a coalesced heartbeat; its flush is written ahead of the CONTROL lane.
   *
   * @return the refusal reason, or null if queued
   */
  @Nullable DropReason offerHeartbeat(Heartbeat heartbeat) {
    synchronized (this) {
      DropReason refusal = closedOrDown();
      if (refusal != null) {
        return refusal;
      }
      return heartbeats.offer(heartbeat);
    }
  }

  /** Asks for a liveness beacon if nothing was flushed to this destination for {@code intervalNanos}. */
  void beacon(long nowNanos, long intervalNanos) {
    synchronized (this) {
      if (closed || !peer.allowsTraffic()) {
        return;
      }
    }
    if (heartbeats.beaconDue(nowNanos, intervalNanos)) {
      control.workQueued();
    }
  }

  /**
   * True if traffic is let through and the destination acknowledged its heartbeat flushes and
   * beacons within {@code timeoutNanos}.
   */
  boolean isResponsive(long nowNanos, long timeoutNanos) {
    return peer.allowsTraffic() && !heartbeats.stalled(nowNanos, timeoutNanos);
  }

  @Override
  public StoreId store() {
    return peer.store();
  }

  @Override
  public @Nullable String zone() {
    return peer.zone();
  }

  @Override
  public boolean allowsTraffic() {
    return peer.allowsTraffic();
  }

  @Override
  public @Nullable DropReason offer(EnvelopeMessage message) {
    return accept(message, true);
  }

  @Override
  public @Nullable DropReason reserve(EnvelopeMessage message) {
    return accept(message, false);
  }

  private @Nullable DropReason accept(EnvelopeMessage message, boolean queue) {
    synchronized (this) {
      DropReason refusal = closedOrDown();
      if (refusal == null) {
        refusal = lanes.charge(message);
      }
      if (refusal != null) {
        return refusal;
      }
      if (!message.isRelayed() && !message.envelope().entries().isEmpty()) {
        ledger.deducted(message.envelope());
      }
      if (queue) {
        lanes.enqueue(message);
      }
    }
    accepted.get(message.lane()).inc();
    if (queue) {
      writer(message.lane()).workQueued();
    }
    return null;
  }

  @Override
  public @Nullable DropReason enqueueReserved(Outbound item) {
    synchronized (this) {
      DropReason refusal = closedOrDown();
      if (refusal != null) {
        return refusal;
      }
      lanes.enqueue(item);
    }
    writer(item.lane()).workQueued();
    return null;
  }

  @GuardedBy("this")
  private @Nullable DropReason closedOrDown() {
    if (closed) {
      return DropReason.CLOSED;
    }
    return peer.allowsTraffic() ? null : DropReason.UNREACHABLE;
  }

  private StreamWriter writer(TrafficClass lane) {
    return StreamKind.of(lane) == StreamKind.CONTROL ? control : data;
  }

  @Override
  public void fail(List<? extends Outbound> items, DropReason reason) {
    Outbounds.fail(items, reason);
  }

  @Override
  public void keepDataStreamOpen() {
    data.ensureOpen();
  }

  @Override
  public void down(Peer downPeer) {
    List<Outbound> queued;
    synchronized (this) {
      if (closed) {
        return;
      }
      queued = lanes.removeQueued();
    }
    policy.routeDown(this);
    Outbounds.fail(queued, DropReason.UNREACHABLE);
    heartbeats.failQueued(DropReason.UNREACHABLE);
  }

  @Override
  public void probe(Peer probedPeer) {
    control.probe();
  }

  /** Periodic upkeep: hello timeouts and idle streams. */
  void maintain(long nowNanos) {
    control.checkHelloTimeout(nowNanos);
    data.checkHelloTimeout(nowNanos);
    control.requestIdleCheck();
    data.requestIdleCheck();
  }

  /** Reports everything queued or in flight as {@code CLOSED}. */
  void close() {
    List<Outbound> queued;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queued = lanes.removeQueued();
    }
    Outbounds.fail(queued, DropReason.CLOSED);
    heartbeats.failQueued(DropReason.CLOSED);
    control.close(DropReason.CLOSED);
    data.close(DropReason.CLOSED);
  }

  @Override
  public String toString() {
    return peer.toString();
  }
}
