package io.raftwire.grpc.internal.server;

import io.raftwire.diagnostics.ProblemLog;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * grpc-netty logs through java.util.logging a record per failed stream ("Stream Error", with a
 * stack trace, at WARNING) and per failed connection ("Transport failed"); a peer that resets or
 * breaks streams by the thousand turns them into thousands of stack traces. This filter takes the
 * records of those loggers below SEVERE out of the log and reports them to a problem log instead:
 * one line per kind per interval with a count, and no stack trace. SEVERE records, and debug
 * records below INFO that someone turned on, pass unchanged.
 *
 * <p>JVM-wide by nature (java.util.logging is): installed once, by the first transport that
 * starts, and kept for the JVM's life. Thread-safe.
 */
final class GrpcLogLimiter implements Filter {
  /** The grpc-netty loggers whose records a peer can cause per stream or per connection. */
  static final List<String> LOGGERS = List.of(
      "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler",
      "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections",
      "io.grpc.netty.shaded.io.grpc.netty.NettyClientHandler");

  private static final AtomicBoolean INSTALLED = new AtomicBoolean();
  /** Strong references: java.util.logging keeps loggers only weakly, and a collected one forgets its filter. */
  private static final List<Logger> FILTERED = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final ProblemLog problems;

  GrpcLogLimiter(ProblemLog problems) {
    this.problems = problems;
  }

  /** Installs the filter on {@link #LOGGERS}, once per JVM. */
  static void install() {
    if (!INSTALLED.compareAndSet(false, true)) {
      return;
    }
    org.slf4j.Logger out = LoggerFactory.getLogger(GrpcLogLimiter.class);
    GrpcLogLimiter filter = new GrpcLogLimiter(ProblemLog.create(System::nanoTime, ProblemLog.DEFAULT_INTERVAL_NANOS,
        ProblemLog.DEFAULT_MAX_KEYS, ProblemLog.DEFAULT_MAX_LINES_PER_INTERVAL, out::warn));
    for (String name : LOGGERS) {
      Logger logger = Logger.getLogger(name);
      logger.setFilter(filter);
      FILTERED.add(logger);
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    int level = record.getLevel().intValue();
    if (level >= Level.SEVERE.intValue() || level < Level.INFO.intValue()) {
      return true; // errors of grpc itself, and debug records someone asked for
    }
    String logger = record.getLoggerName() == null ? "grpc" : record.getLoggerName();
    Throwable thrown = record.getThrown();
    problems.report(logger.replace("io.grpc.netty.shaded.io.grpc.netty.", "grpc "), String.valueOf(record.getMessage()),
        thrown == null ? "" : thrown.toString());
    return false;
  }
}
