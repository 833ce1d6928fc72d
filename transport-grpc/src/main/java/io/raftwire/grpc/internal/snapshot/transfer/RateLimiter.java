package io.raftwire.grpc.internal.snapshot.transfer;

import java.util.function.LongSupplier;

/**
 * A token bucket of bytes: {@link #reserve} takes tokens now (the bucket may go into debt) and says
 * how long the caller must wait before using them, so callers are served in order at the rate.
 * The rate can change at any time; the burst is one second of the rate. Thread-safe; time comes
 * from the injected clock.
 */
final class RateLimiter {
  private final LongSupplier clock;
  private long bytesPerSecond; // @GuardedBy("this")
  private double tokens; // @GuardedBy("this")
  private long refilledAt; // @GuardedBy("this")

  RateLimiter(LongSupplier nanoClock, long bytesPerSecond) {
    this.clock = nanoClock;
    this.bytesPerSecond = positive(bytesPerSecond);
    this.tokens = bytesPerSecond;
    this.refilledAt = nanoClock.getAsLong();
  }

  private static long positive(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be > 0, was " + bytesPerSecond);
    }
    return bytesPerSecond;
  }

  /** Takes {@code bytes} tokens; returns the nanoseconds to wait before using them (0: at once). */
  synchronized long reserve(long bytes) {
    refill();
    tokens -= bytes;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1e9 / bytesPerSecond);
  }

  synchronized void setRate(long bytesPerSecond) {
    refill();
    this.bytesPerSecond = positive(bytesPerSecond);
    tokens = Math.min(tokens, (double) bytesPerSecond);
  }

  synchronized long rate() {
    return bytesPerSecond;
  }

  private void refill() {
    long now = clock.getAsLong();
    tokens = Math.min((double) bytesPerSecond, tokens + (double) (now - refilledAt) * ((double) bytesPerSecond / 1e9));
    refilledAt = now;
  }
}
