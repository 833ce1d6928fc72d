package io.raftwire.grpc.internal.peer;

import java.util.function.DoubleSupplier;

/**
 * Retry delays: {@code initial * multiplier^(failures-1)}, capped at {@code max}, then spread by
 * {@code +/- jitter} so that stores do not retry in lockstep. One instance serves every retry of a
 * transport: reconnects of Raft streams and snapshot transfer attempts. Immutable and thread-safe
 * given a thread-safe random source.
 */
public final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final double multiplier;
  private final double jitter;
  private final DoubleSupplier random;

  /**
   * @param random uniform values in [0, 1)
   */
  public Backoff(long initialNanos, long maxNanos, double multiplier, double jitter, DoubleSupplier random) {
    this.initialNanos = initialNanos;
    this.maxNanos = maxNanos;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.random = random;
  }

  /** The first delay, before jitter: also the shortest time between two redials a peer's hello forces. */
  public long initialNanos() {
    return initialNanos;
  }

  /** The delay before the next attempt after {@code consecutiveFailures} (>= 1) failures. */
  public long delayNanos(int consecutiveFailures) {
    double base = (double) initialNanos * Math.pow(multiplier, Math.max(0, consecutiveFailures - 1));
    double capped = Math.min(base, (double) maxNanos);
    double spread = capped * jitter * (2 * random.getAsDouble() - 1);
    return Math.max(1, (long) (capped + spread));
  }
}
