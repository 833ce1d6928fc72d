package io.raftwire.bench;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.RaftTransport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * The same offered load for every transport: sends messages back to back until {@code endNanos},
 * keeping at most 64 MiB or 10,000 messages outstanding (sent, not yet delivered), and backing off
 * when the transport refuses.
 */
final class Flood {
  static final long OUTSTANDING_BYTES = 64L << 20;
  static final long OUTSTANDING_MESSAGES = 10_000;

  private Flood() {}

  /** Starts the flood on another thread; {@code message} gives the n-th message. */
  static CompletableFuture<Void> start(
      RaftTransport sender, LongFunction<RaftEnvelope> message, AtomicLong delivered, long endNanos) {
    return CompletableFuture.runAsync(() -> {
      long sent = 0;
      long size = message.apply(0).sizeBytes();
      while (System.nanoTime() < endNanos) {
        long outstanding = sent - delivered.get();
        if (outstanding * size > OUTSTANDING_BYTES || outstanding > OUTSTANDING_MESSAGES) {
          LockSupport.parkNanos(100_000);
        } else if (sender.send(message.apply(sent)).isAccepted()) {
          sent++;
        } else {
          LockSupport.parkNanos(50_000);
        }
      }
    });
  }
}
