package io.raftwire.admission.credits;

import io.raftwire.admission.CreditAutoTuning;
import io.raftwire.admission.CreditWindows;
import io.raftwire.topology.StoreId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sizes each destination stream's credit windows of one {@link CreditController} from the stream's
 * measured round trips and admitted bytes, as {@link CreditAutoTuning} describes.
 *
 * <p><b>Threads:</b> {@link #roundTrip} from any thread (the transport's ack callbacks); {@link
 * #tune} from one thread at a time (the owner's timer, every {@link CreditAutoTuning#intervalNanos()}).
 * <b>Blocking:</b> never. <b>Failure:</b> neither throws for any measurement.
 */
public final class CreditWindowTuner {
  private final CreditController credits;
  private final CreditAutoTuning tuning;
  private final ConcurrentHashMap<StoreId, AtomicLong> roundTrips = new ConcurrentHashMap<>();
  private final Map<StoreId, StreamState> states = new HashMap<>(); // @GuardedBy("this")
  private long lastTuneNanos; // @GuardedBy("this")

  /**
   * Creates a tuner that has measured nothing yet.
   *
   * @param credits the controller whose streams it resizes; not null
   * @param tuning how; not null
   * @param nowNanos the time now, on the clock {@link #tune} is given
   */
  public CreditWindowTuner(CreditController credits, CreditAutoTuning tuning, long nowNanos) {
    this.credits = Objects.requireNonNull(credits, "credits");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
    this.lastTuneNanos = nowNanos;
  }

  /**
   * A round trip to {@code store} took {@code nanos}: from writing a frame to the ack that covers
   * it. The least one of an interval counts as the link's delay; longer ones include queueing.
   *
   * @param store the destination store
   * @param nanos the round trip; ignored unless positive
   */
  public void roundTrip(StoreId store, long nanos) {
    if (nanos <= 0) {
      return;
    }
    AtomicLong min = roundTrips.get(store);
    if (min == null) {
      min = roundTrips.computeIfAbsent(store, s -> new AtomicLong(Long.MAX_VALUE));
    }
    min.accumulateAndGet(nanos, Math::min);
  }

  /**
   * {@return the least round trip to {@code store} of the last interval that measured one, in
   * nanoseconds; 0 if none was measured yet}
   *
   * @param store the destination store
   */
  public synchronized long roundTripNanos(StoreId store) {
    StreamState state = states.get(store);
    return state == null ? 0 : state.roundTripNanos;
  }

  /**
   * {@return the scale {@code store}'s windows have over the configured windows now; 1 if never
   * tuned}
   *
   * @param store the destination store
   */
  public synchronized double scale(StoreId store) {
    StreamState state = states.get(store);
    return state == null ? 1.0 : state.scale;
  }

  /**
   * Ends an interval: resizes every stream that admitted bytes in it and whose round trip is known.
   *
   * @param nowNanos the time now, on the clock the constructor was given
   */
  public synchronized void tune(long nowNanos) {
    long elapsed = nowNanos - lastTuneNanos;
    if (elapsed <= 0) {
      return;
    }
    lastTuneNanos = nowNanos;
    CreditWindows base = credits.windows();
    double maxScale = Math.max(1.0, (double) tuning.maxElasticCreditBytes() / base.elasticBytes());
    for (CreditStats stats : credits.stats()) {
      StreamState state = states.computeIfAbsent(stats.store(), s -> new StreamState());
      AtomicLong sampled = roundTrips.get(stats.store());
      long rtt = sampled == null ? Long.MAX_VALUE : sampled.getAndSet(Long.MAX_VALUE);
      if (rtt != Long.MAX_VALUE) {
        state.roundTripNanos = rtt;
      }
      long admitted = stats.returnedBytes() - state.returnedBytes;
      boolean regularWaited = stats.regularWaits() > state.regularWaits;
      boolean elasticWaited = stats.elasticWaits() > state.elasticWaits;
      state.returnedBytes = stats.returnedBytes();
      state.regularWaits = stats.regularWaits();
      state.elasticWaits = stats.elasticWaits();
      double scale = state.scale;
      if (admitted > 0 && state.roundTripNanos > 0) {
        double bdp = admitted * ((double) state.roundTripNanos / elapsed);
        double needed = tuning.headroom() * bdp;
        // The window the waits were for; with no waits the regular one bounds in-flight bytes.
        long window = elasticWaited && !regularWaited ? stats.elasticLimit() : stats.regularLimit();
        double wanted = scale * needed / window;
        if ((regularWaited || elasticWaited) && wanted > scale) {
          scale = Math.min(maxScale, Math.min(wanted, 2 * scale));
        } else if (wanted < scale / 2) {
          scale = Math.max(1.0, scale / 2);
        }
      }
      scale = Math.min(scale, maxScale); // the configured windows may have grown since
      state.scale = scale;
      CreditWindows target = base.scaled(scale);
      if (target.regularBytes() != stats.regularLimit() || target.elasticBytes() != stats.elasticLimit()) {
        credits.resize(stats.store(), target);
      }
    }
  }

  /** What the tuner remembers of one stream between intervals; its first interval counts from zero. */
  private static final class StreamState {
    long returnedBytes;
    long regularWaits;
    long elasticWaits;
    long roundTripNanos;
    double scale = 1.0;
  }
}
