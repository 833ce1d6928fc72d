package io.raftwire.diagnostics;

import io.raftwire.time.Timebase;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A rate-limited report of problems caused by input from elsewhere (a malformed frame, a message
 * that fails a check, a refused stream): per (source, reason), the first report of an interval is
 * written as one line and later ones in that interval are only counted; the next line of that key
 * says how many were held back. On top, at most {@code maxLinesPerInterval} lines are written per
 * interval over all keys, so a flood of distinct sources cannot flood the log either. Lines never
 * carry a stack trace (callers pass a description, not an exception), and text that came from a
 * peer cannot forge lines: control characters are replaced and long text is cut. Every report should also be
 * counted in a metric; this class only decides what reaches the log.
 *
 * <p>Bounded: it remembers at most {@code maxKeys} (source, reason) pairs, forgetting the least
 * recently reported first (a forgotten key's held-back count is not written; the metric has it).
 *
 * <p><b>Threads:</b> thread-safe; {@link #report} may be called from any thread, including I/O
 * threads. <b>Blocking:</b> the line consumer runs on the reporting thread, outside this object's
 * lock; it should not block (an SLF4J logger's {@code warn} is the intended one). <b>Failure:</b>
 * an exception from the consumer propagates to the reporter.
 */
public final class ProblemLog {
  /** Default interval: 10 s. */
  public static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Default most keys remembered: 4096. */
  public static final int DEFAULT_MAX_KEYS = 4096;
  /** Default most lines per interval over all keys: 50. */
  public static final int DEFAULT_MAX_LINES_PER_INTERVAL = 50;

  /** Longest source, reason or detail text written; longer text is cut. */
  static final int MAX_TEXT_CHARS = 256;

  private final LongSupplier nanoClock;
  private final long intervalNanos;
  private final int maxLinesPerInterval;
  private final Consumer<String> out;

  // @GuardedBy("this"): access order, so the eldest entry is the least recently reported key.
  private final LinkedHashMap<Key, Window> windows;
  // @GuardedBy("this")
  private long globalWindowStart;
  // @GuardedBy("this")
  private int globalLines;
  // @GuardedBy("this"): reports of keys whose own window allowed a line that the global cap held back
  private long globalHeldBack;

  private record Key(String source, String reason) {}

  private static final class Window {
    long startNanos;
    long heldBack;

    Window(long startNanos) {
      this.startNanos = startNanos;
    }
  }

  private ProblemLog(LongSupplier nanoClock, long intervalNanos, int maxKeys, int maxLinesPerInterval, Consumer<String> out) {
    this.nanoClock = nanoClock;
    this.intervalNanos = intervalNanos;
    this.maxLinesPerInterval = maxLinesPerInterval;
    this.out = out;
    this.windows = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Window> eldest) {
        return size() > maxKeys;
      }
    };
    this.globalWindowStart = nanoClock.getAsLong();
  }

  /** With the default interval, key bound and line cap. */
  public static ProblemLog create(Timebase timebase, Consumer<String> out) {
    return create(timebase, DEFAULT_INTERVAL_NANOS, DEFAULT_MAX_KEYS, DEFAULT_MAX_LINES_PER_INTERVAL, out);
  }

  /**
   * A problem log writing its lines to {@code out}.
   *
   * @param intervalNanos how long a key stays quiet after a line ({@code > 0})
   * @param maxKeys most (source, reason) pairs remembered ({@code > 0})
   * @param maxLinesPerInterval most lines over all keys per interval ({@code > 0})
   * @throws IllegalArgumentException if a bound is not positive
   */
  public static ProblemLog create(Timebase timebase, long intervalNanos, int maxKeys, int maxLinesPerInterval,
      Consumer<String> out) {
    Objects.requireNonNull(timebase, "timebase");
    return create((LongSupplier) timebase::nanoTime, intervalNanos, maxKeys, maxLinesPerInterval, out);
  }

  /**
   * As {@link #create(Timebase, long, int, int, Consumer)}, reading the time from {@code nanoClock}
   * (monotonic nanoseconds), for owners without a timebase.
   */
  public static ProblemLog create(LongSupplier nanoClock, long intervalNanos, int maxKeys, int maxLinesPerInterval,
      Consumer<String> out) {
    Objects.requireNonNull(nanoClock, "nanoClock");
    Objects.requireNonNull(out, "out");
    if (intervalNanos <= 0 || maxKeys <= 0 || maxLinesPerInterval <= 0) {
      throw new IllegalArgumentException(String.format(
          "intervalNanos, maxKeys and maxLinesPerInterval must be > 0, were %d, %d, %d",
          intervalNanos, maxKeys, maxLinesPerInterval));
    }
    return new ProblemLog(nanoClock, intervalNanos, maxKeys, maxLinesPerInterval, out);
  }

  /**
   * Reports one problem: {@code source} is who caused it (a peer store, an address), {@code reason}
   * a short stable name (the metric's), {@code detail} what happened this time.
   *
   * @return whether a line was written for it
   */
  public boolean report(Object source, String reason, String detail) {
    Objects.requireNonNull(reason, "reason");
    String line;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      if (now - globalWindowStart >= intervalNanos) {
        globalWindowStart = now;
        globalLines = 0;
      }
      Key key = new Key(clean(String.valueOf(source)), clean(reason));
      Window window = windows.get(key);
      long heldBack = 0;
      if (window == null) {
        window = new Window(now);
        windows.put(key, window);
      } else if (now - window.startNanos < intervalNanos) {
        window.heldBack++;
        return false;
      } else {
        heldBack = window.heldBack;
        window.startNanos = now;
        window.heldBack = 0;
      }
      if (globalLines >= maxLinesPerInterval) {
        window.heldBack += heldBack + 1;
        globalHeldBack++;
        return false;
      }
      globalLines++;
      long others = globalHeldBack;
      globalHeldBack = 0;
      line = line(key, detail, heldBack, others);
    }
    out.accept(line);
    return true;
  }

  /**
   * Writes a line for every key with held-back reports whose interval has ended, so the last
   * count of a burst is not lost when no later report comes; owners call it now and then (a
   * timer). Subject to the same line cap.
   *
   * @return how many lines it wrote
   */
  public int flush() {
    List<String> lines = new ArrayList<>();
    synchronized (this) {
      long now = nanoClock.getAsLong();
      if (now - globalWindowStart >= intervalNanos) {
        globalWindowStart = now;
        globalLines = 0;
      }
      for (Iterator<Map.Entry<Key, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Key, Window> e = it.next();
        Window window = e.getValue();
        if (window.heldBack == 0 || now - window.startNanos < intervalNanos || globalLines >= maxLinesPerInterval) {
          continue;
        }
        globalLines++;
        lines.add(e.getKey().source + ": " + e.getKey().reason + ": " + window.heldBack + " more in the last "
            + TimeUnit.NANOSECONDS.toSeconds(intervalNanos) + " s");
        it.remove();
      }
    }
    lines.forEach(out);
    return lines.size();
  }

  /** How many (source, reason) pairs it remembers now. */
  public synchronized int keys() {
    return windows.size();
  }

  /**
   * Text from a peer as one harmless line: control characters (a forged second log line) become
   * '?', and it is cut at {@link #MAX_TEXT_CHARS}.
   */
  static String clean(String text) {
    int n = Math.min(text.length(), MAX_TEXT_CHARS);
    StringBuilder b = new StringBuilder(n + 3);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    if (text.length() > MAX_TEXT_CHARS) {
      b.append("...");
    }
    return b.toString();
  }

  private String line(Key key, String detail, long heldBack, long others) {
    StringBuilder line = new StringBuilder(key.source).append(": ").append(key.reason);
    if (detail != null && !detail.isEmpty()) {
      line.append(": ").append(clean(detail));
    }
    if (heldBack > 0) {
      line.append(" (and ").append(heldBack).append(" more like it in the last ")
          .append(TimeUnit.NANOSECONDS.toSeconds(intervalNanos)).append(" s)");
    }
    if (others > 0) {
      line.append(" (").append(others).append(" other problem lines held back by the line cap)");
    }
    return line.toString();
  }
}
