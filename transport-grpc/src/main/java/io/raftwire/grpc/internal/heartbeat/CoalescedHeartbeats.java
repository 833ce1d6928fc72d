package io.raftwire.grpc.internal.heartbeat;

import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.receiver.HeartbeatIntake;
import io.raftwire.grpc.internal.sender.HeartbeatReports;
import io.raftwire.grpc.internal.sender.Sender;
import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.heartbeat.StoreLiveness;
import io.raftwire.message.Heartbeat;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A gRPC transport's {@link Heartbeats}: sends through the sender's per-destination heartbeat
 * queues, receives through the store's {@link HeartbeatInbox}, and keeps {@link Liveness}. Built
 * before the sender (which reports undelivered heartbeats to it) and the server (whose streams
 * hand it what arrives); {@link #connect} gives it the sender. Thread-safe.
 */
public final class CoalescedHeartbeats implements Heartbeats {
  private final StoreId local;
  private final Liveness liveness;
  private final HeartbeatInbox inbox;
  private volatile @Nullable Sender sender;
  private volatile boolean closed;

  /**
   * @param receiveBytes budget of the heartbeats waiting for the handler
   * @param beaconIntervalNanos how often destinations are beaconed (for {@link StoreLiveness})
   * @param livenessTimeoutNanos how long a store stays live after it was heard from
   */
  public CoalescedHeartbeats(StoreId local, long receiveBytes, long beaconIntervalNanos, long livenessTimeoutNanos,
      Timebase timebase, ProblemLog problems, StoreMetrics metrics) {
    this.local = local;
    this.liveness = new Liveness(timebase, beaconIntervalNanos, livenessTimeoutNanos);
    this.inbox = new HeartbeatInbox(local, liveness, receiveBytes, problems, metrics);
    metrics.gauge(GrpcMetrics.LIVENESS_LIVE_STORES, liveness::liveStores);
  }

  /** Where the sender reports heartbeats it accepted that will not be delivered. */
  public HeartbeatReports reports() {
    return inbox;
  }

  /** Where the streams hand arriving heartbeats and who they heard from. */
  public HeartbeatIntake intake() {
    return inbox;
  }

  /** Gives this facility the sender it sends through; once, before the transport is used. */
  public void connect(Sender heartbeatSender) {
    this.sender = Objects.requireNonNull(heartbeatSender, "sender");
  }

  @Override
  public SendResult send(Heartbeat heartbeat) {
    Objects.requireNonNull(heartbeat, "heartbeat");
    Sender s = sender;
    DropReason refusal;
    if (closed || s == null) {
      refusal = DropReason.CLOSED;
    } else if (!heartbeat.from().store().equals(local)) {
      refusal = DropReason.WRONG_SOURCE;
    } else {
      refusal = s.sendHeartbeat(heartbeat);
    }
    return refusal == null ? SendResult.accepted() : SendResult.refused(refusal);
  }

  @Override
  public Registration register(HeartbeatHandler handler) {
    return inbox.register(Objects.requireNonNull(handler, "handler"));
  }

  @Override
  public StoreLiveness liveness() {
    return liveness;
  }

  /**
   * Stops sending and delivering; queued heartbeats are discarded and counted. Waits at most
   * {@code timeoutNanos} for a handler call in progress.
   */
  public void close(long timeoutNanos) {
    closed = true;
    inbox.close(timeoutNanos);
  }
}
