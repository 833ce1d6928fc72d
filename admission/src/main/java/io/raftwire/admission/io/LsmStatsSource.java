package io.raftwire.admission.io;

/**
 * Reads an LSM engine's statistics for {@link LsmHealth}; the RocksDB one reads RocksDB's
 * properties.
 *
 * <p><b>Threads:</b> called once per IO interval from the admission thread. <b>Blocking:</b> must return quickly (engines keep these
 * statistics in memory). <b>Failure:</b> an exception propagates out of {@link LsmHealth#tokens};
 * IO admission then keeps the previous interval's tokens and logs it.
 */
@FunctionalInterface
public interface LsmStatsSource {
  /**
   * Reads the engine's statistics now.
   *
   * @return the current reading; not null
   * @throws RuntimeException if the engine cannot be read (closed, failed)
   */
  LsmStats read();
}
