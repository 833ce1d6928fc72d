package io.raftwire.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU time the whole JVM used over a window, all threads (sender, receiver, gRPC's, the JIT and
 * the collector alike), from {@link com.sun.management.OperatingSystemMXBean#getProcessCpuTime()}:
 * user plus system time, so the kernel's share of socket I/O counts too. Divided by the messages
 * delivered in the window it gives the CPU a message costs, a figure that does not depend on how
 * busy the two cores were. Not thread-safe: one thread opens and reads it.
 */
final class CpuMeter {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final long startNanos;

  private CpuMeter() {
    this.startNanos = OS.getProcessCpuTime();
  }

  /** Opens a window now. */
  static CpuMeter start() {
    return new CpuMeter();
  }

  /** CPU nanoseconds used since {@link #start()}; negative if this JVM cannot tell. */
  long usedNanos() {
    long now = OS.getProcessCpuTime();
    return now < 0 || startNanos < 0 ? -1 : now - startNanos;
  }
}
