package io.raftwire.grpc.internal.receiver;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one batch of a range to its handler: times it, catches what the handler throws, and tells
 * flow control which APPENDs with entries the handler took. Called by the range queues' workers,
 * serially per range. Thread-safe.
 */
final class Delivery {
  private static final Logger log = LoggerFactory.getLogger(Delivery.class);

  private final StoreId local;
  private final Timebase timebase;
  private final DeliveredAppends delivered;
  private final Timer deliverLatency;
  private final Timer handlerTime;
  private final Counter handlerFailures;

  Delivery(StoreId local, Timebase timebase, DeliveredAppends delivered, StoreMetrics metrics) {
    this.local = local;
    this.timebase = timebase;
    this.delivered = delivered;
    this.deliverLatency = metrics.timer(GrpcMetrics.RECEIVER_DELIVER_LATENCY);
    this.handlerTime = metrics.timer(GrpcMetrics.RECEIVER_HANDLER_TIME);
    this.handlerFailures = metrics.counter(GrpcMetrics.RECEIVER_HANDLER_FAILURES);
  }

  /**
   * Delivers {@code batch} to {@code inbox}'s handler.
   *
   * @return false if the handler threw (the caller refuses the batch {@code HANDLER_FAILED})
   */
  boolean deliver(RangeInbox inbox, List<InboundMessage> batch) {
    List<RaftEnvelope> envelopes = new ArrayList<>(batch.size());
    long oldest = Long.MAX_VALUE;
    for (InboundMessage m : batch) {
      envelopes.add(m.envelope);
      oldest = Math.min(oldest, m.enqueuedNanos);
    }
    long start = timebase.nanoTime();
    deliverLatency.update(start - oldest, TimeUnit.NANOSECONDS);
    try {
      inbox.handler.deliver(inbox.range, Collections.unmodifiableList(envelopes));
    } catch (Throwable t) {
      handlerFailures.inc();
      log.warn("{}: handler of {} failed on a batch of {}", local, inbox.range, batch.size(), t);
      return false;
    } finally {
      handlerTime.update(timebase.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
    List<RaftEnvelope> appends = new ArrayList<>(envelopes.size());
    for (RaftEnvelope envelope : envelopes) {
      if (!envelope.entries().isEmpty()) {
        appends.add(envelope);
      }
    }
    if (!appends.isEmpty()) {
      delivered.delivered(inbox.range, appends);
    }
    return true;
  }
}
