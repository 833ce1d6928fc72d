package io.raftwire.flow;

/**
 * The storage engine's health, as the bytes of writes it can absorb in the next interval without
 * degrading (for an LSM: without growing L0 or the compaction debt). IO admission hands out
 * exactly this many tokens over the interval, smoothly (in proportion to elapsed time). A signal
 * that can tell pressure from a stall overrides {@link #tokens} to cut elastic work first.
 *
 * <p><b>Threads:</b> called once per interval from the admission thread. <b>Blocking:</b> must
 * return quickly (read cached engine statistics). <b>Failure:</b> an exception keeps the previous
 * interval's tokens and is logged.
 */
@FunctionalInterface
public interface StoreHealth {
  /** Means "no constraint": admission lets all work through. */
  long UNLIMITED = Long.MAX_VALUE;

  /**
   * Bytes of writes to admit during the next {@code intervalNanos}, or {@link #UNLIMITED}.
   *
   * @param nowNanos the admission clock's current reading, in nanoseconds
   * @param intervalNanos the length of the next interval, in nanoseconds
   * @return the bytes of writes to admit over the interval, {@code >= 0}, or {@link #UNLIMITED} for
   *     no constraint
   */
  long admissibleBytes(long nowNanos, long intervalNanos);

  /**
   * The next interval's tokens per priority. IO admission calls this (not {@link
   * #admissibleBytes}) once per interval; the default gives both priorities {@link
   * #admissibleBytes}. Same thread, blocking and failure contract as {@link #admissibleBytes}.
   *
   * @param nowNanos the admission clock's current reading, in nanoseconds
   * @param intervalNanos the length of the next interval, in nanoseconds
   * @return the regular and elastic bytes to admit over the interval; not null
   */
  default IoTokens tokens(long nowNanos, long intervalNanos) {
    return IoTokens.both(Math.max(0, admissibleBytes(nowNanos, intervalNanos)));
  }

  /**
   * Learns from a completed disk write (its bytes and latency), for signals that derive health
   * from measurements; the default ignores it. Called from any thread; must not block.
   *
   * @param bytes the bytes written
   * @param latencyNanos how long the write took, in nanoseconds
   */
  default void recordWrite(long bytes, long latencyNanos) {}
}
