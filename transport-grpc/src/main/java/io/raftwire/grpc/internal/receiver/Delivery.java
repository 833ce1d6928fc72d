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
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one batch of a range to its handler: counts it, catches what the handler throws, and tells
 * flow control which APPENDs with entries the handler took. Called by the range queues' workers,
 * serially per range. Thread-safe.
 *
 * <p>Cheap per call: two counter increments ({@link GrpcMetrics#RECEIVER_DELIVERIES}, {@link
 * GrpcMetrics#RECEIVER_DELIVERED_MESSAGES}); the two timers and their clock reads only for one call
 * in {@link #TIMED_ONE_IN} (the first call is always timed), so that at one message per call (a
 * heartbeat of each range) a message costs no timer update.
 */
final class Delivery {
  private static final Logger log = LoggerFactory.getLogger(Delivery.class);

  private final StoreId local;
  private final Timebase timebase;
  private final DeliveredAppends delivered;
  private final Timer deliverLatency;
  private final Timer handlerTime;
  private final Counter handlerFailures;
  private final Counter deliveries;
  private final Counter deliveredMessages;
  private final AtomicLong calls = new AtomicLong();

  /** One handler call in this many is timed. A power of two. */
  static final int TIMED_ONE_IN = 16;

  Delivery(StoreId local, Timebase timebase, DeliveredAppends delivered, StoreMetrics metrics) {
    this.local = local;
    this.timebase = timebase;
    this.delivered = delivered;
    this.deliverLatency = metrics.timer(GrpcMetrics.RECEIVER_DELIVER_LATENCY);
    this.handlerTime = metrics.timer(GrpcMetrics.RECEIVER_HANDLER_TIME);
    this.handlerFailures = metrics.counter(GrpcMetrics.RECEIVER_HANDLER_FAILURES);
    this.deliveries = metrics.counter(GrpcMetrics.RECEIVER_DELIVERIES);
    this.deliveredMessages = metrics.counter(GrpcMetrics.RECEIVER_DELIVERED_MESSAGES);
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
    deliveries.inc();
    deliveredMessages.inc(batch.size());
    boolean timed = (calls.getAndIncrement() & (TIMED_ONE_IN - 1)) == 0;
    long start = 0;
    if (timed) {
      start = timebase.nanoTime();
      deliverLatency.update(start - oldest, TimeUnit.NANOSECONDS);
    }
    try {
      inbox.handler.deliver(inbox.range, Collections.unmodifiableList(envelopes));
    } catch (Throwable t) {
      handlerFailures.inc();
      log.warn("{}: handler of {} failed on a batch of {}", local, inbox.range, batch.size(), t);
      return false;
    } finally {
      if (timed) {
        handlerTime.update(timebase.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
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
