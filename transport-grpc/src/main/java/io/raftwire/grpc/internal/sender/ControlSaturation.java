package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saturation signal of one destination's CONTROL lane: every CONTROL message refused {@code
 * LANE_BUDGET} is counted ({@link GrpcMetrics#SENDER_CONTROL_SATURATED}), and one WARN line says so
 * at the first refusal and then at most once per {@link #LOG_INTERVAL_NANOS} while refusals go on,
 * with how many there were since the last line; never a line per message. Thread-safe, lock-free.
 */
final class ControlSaturation {
  private static final Logger log = LoggerFactory.getLogger(ControlSaturation.class);

  /** Least time between two lines of one destination. */
  static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final String destination;
  private final Counter saturated;
  private final LongSupplier nanoClock;
  private final AtomicLong sinceLine = new AtomicLong();
  private final AtomicLong elasticSinceLine = new AtomicLong();
  /** When the last line was written; {@link #NEVER} before the first. */
  private final AtomicLong lastLineNanos = new AtomicLong(NEVER);

  private static final long NEVER = Long.MIN_VALUE;
  /** Lines written, for tests. */
  private final AtomicLong lines = new AtomicLong();

  ControlSaturation(String destination, Counter saturated, LongSupplier nanoClock) {
    this.destination = destination;
    this.saturated = saturated;
    this.nanoClock = nanoClock;
  }

  /**
   * A CONTROL message was refused for its lane's budget.
   *
   * @param elastic refused at the elastic share (the reserve for regular CONTROL stays free)
   * @param laneBytes the lane's limit
   * @param reservedBytes the part of it only regular CONTROL may take
   */
  void refused(boolean elastic, long laneBytes, long reservedBytes) {
    saturated.inc();
    long count = sinceLine.incrementAndGet();
    long elasticCount = elastic ? elasticSinceLine.incrementAndGet() : elasticSinceLine.get();
    long now = nanoClock.getAsLong();
    long last = lastLineNanos.get();
    if (last != NEVER && now - last < LOG_INTERVAL_NANOS) {
      return;
    }
    if (!lastLineNanos.compareAndSet(last, now)) {
      return; // another thread writes this line
    }
    lines.incrementAndGet();
    sinceLine.addAndGet(-count);
    elasticSinceLine.addAndGet(-elasticCount);
    log.warn("CONTROL lane to {} saturated: {} CONTROL messages refused LANE_BUDGET since the last report, {} of them "
            + "elastic (their share full; {} of the lane's {} bytes stay reserved for regular CONTROL such as "
            + "responses and votes). Coalesced heartbeats, ELASTIC heartbeat envelopes or a larger controlLaneBytes "
            + "relieve it; counted in sender.{}.control.saturated",
        destination, count, elasticCount, reservedBytes, laneBytes, destination);
  }

  /** Lines written so far. */
  long lines() {
    return lines.get();
  }
}
