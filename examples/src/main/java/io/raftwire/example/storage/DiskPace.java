package io.raftwire.example.storage;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A device of fixed speed shared by its callers: {@link #consume} waits until the bytes fit through
 * {@code bytesPerSecond} after everything consumed before them. Thread-safe; callers are served in
 * the order they arrive.
 */
public final class DiskPace {
  private final long bytesPerSecond;
  private long nextFreeNanos; // @GuardedBy("this")

  public DiskPace(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be > 0, was " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Blocks the caller until {@code bytes} went through the device. */
  public void consume(long bytes) {
    long wakeAt;
    synchronized (this) {
      nextFreeNanos = Math.max(System.nanoTime(), nextFreeNanos) + bytes * TimeUnit.SECONDS.toNanos(1) / bytesPerSecond;
      wakeAt = nextFreeNanos;
    }
    for (long left = wakeAt - System.nanoTime(); left > 0; left = wakeAt - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }
}
