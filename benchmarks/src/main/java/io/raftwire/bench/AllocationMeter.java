package io.raftwire.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes allocated on the heap by all of the JVM's threads over a window, from {@link
 * com.sun.management.ThreadMXBean#getThreadAllocatedBytes(long[])}: each thread's count when the
 * window opens is subtracted from its count when it closes; a thread started inside the window
 * counts from zero. Caveat: a thread that dies inside the window is missed (its count is gone by
 * the end), so the figure is exact only when the threads that allocate live for the whole window,
 * as in S4 (the transports' and gRPC's threads are started before the warm-up and stopped after
 * the window). Not thread-safe: one thread opens and reads it.
 */
final class AllocationMeter {
  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private final Map<Long, Long> startBytes = new HashMap<>();

  private AllocationMeter() {
    long[] ids = THREADS.getAllThreadIds();
    long[] bytes = THREADS.getThreadAllocatedBytes(ids);
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] >= 0) {
        startBytes.put(ids[i], bytes[i]);
      }
    }
  }

  /** Opens a window now. */
  static AllocationMeter start() {
    return new AllocationMeter();
  }

  /** Bytes allocated since {@link #start()} by the threads alive now. */
  long allocatedBytes() {
    long[] ids = THREADS.getAllThreadIds();
    long[] bytes = THREADS.getThreadAllocatedBytes(ids);
    long total = 0;
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] >= 0) { // -1: the thread died between the two calls
        total += bytes[i] - startBytes.getOrDefault(ids[i], 0L);
      }
    }
    return total;
  }

  private static com.sun.management.ThreadMXBean threads() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    if (!threads.isThreadAllocatedMemorySupported()) {
      throw new UnsupportedOperationException("this JVM does not count the bytes its threads allocate");
    }
    threads.setThreadAllocatedMemoryEnabled(true);
    return threads;
  }
}
