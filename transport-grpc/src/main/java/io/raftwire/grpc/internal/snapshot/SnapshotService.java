package io.raftwire.grpc.snapshot;

import com.codahale.metrics.MetricRegistry;
import io.grpc.ServerServiceDefinition;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.SnapshotConfig;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.wire.RaftSnapshotsGrpc;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One store's snapshot transfers: the sending side with its cache and send rate, the receiving
 * side (a gRPC service on the transport's server) with its slots, spool and receive rate. Public
 * only so the transport can wire it; users see {@link SnapshotTransfers}.
 */
public final class SnapshotService implements SnapshotTransfers {
  private final SnapshotCache cache;
  private final RateLimiter sendLimit;
  private final RateLimiter receiveLimit;
  private final SnapshotSender sender;
  private final SnapshotReceiver receiver;
  private final Delegation delegation;
  private final ExecutorService io;
  private volatile boolean closed;

  /**
   * @param scheduler the transport's upkeep thread (pacing delays and retries are scheduled there;
   *     nothing blocks on it)
   */
  public SnapshotService(StoreId local, Locality locality, String zoneTier, StoreResolver resolver, SnapshotConfig config,
      Optional<FlowControl> flow, MetricRegistry registry, String metricPrefix, LongSupplier nanoClock,
      ScheduledExecutorService scheduler) throws IOException {
    AtomicInteger threads = new AtomicInteger();
    this.io = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "raftwire-" + local + "-snapshot-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    SnapshotMetrics metrics = new SnapshotMetrics(registry, metricPrefix);
    this.cache = new SnapshotCache(config.source(), config.cacheBytes(), config.cacheIdleNanos(), nanoClock,
        true);
    metrics.cache(cache);
    this.sendLimit = new RateLimiter(nanoClock, config.sendBytesPerSecond());
    this.receiveLimit = new RateLimiter(nanoClock, config.receiveBytesPerSecond());
    this.sender = new SnapshotSender(local, locality, zoneTier, resolver, cache, sendLimit, config.chunkBytes(),
        config.windowChunks(), config.maxAttempts(), config.maxCorruptions(), nanoClock, scheduler, io, metrics);
    this.receiver = new SnapshotReceiver(local, config.sink(), Optional.of(config.source()),
        new Spool(config.spoolDirectory(), nanoClock, config.stageRetentionNanos()),
        new SnapshotSlots(nanoClock, config.concurrentTransfers(), config.maxQueuedTransfers(), config.minTransferNanos()),
        receiveLimit, flow, config.maxSnapshotBytes(), scheduler, io, metrics);
    this.delegation = new Delegation(local, locality, resolver, config.source(), sender, config.maxDelegates(),
        config.delegateAcceptNanos(), config.maxDelegatedTransfers(), nanoClock, scheduler, io, metrics);
  }

  /** The gRPC service: receiving transfers, and sending on another store's behalf. */
  public ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(RaftSnapshotsGrpc.SERVICE_NAME)
        .addMethod(RaftSnapshotsGrpc.getTransferMethod(), receiver.handler())
        .addMethod(RaftSnapshotsGrpc.getDelegateMethod(), delegation.handler())
        .build();
  }

  /** Expires queued reservations and old stages; the transport calls it about once a second. */
  public void upkeep() {
    receiver.upkeep();
    cache.cleanUp();
  }

  @Override
  public CompletableFuture<SnapshotMeta> send(RangeId range, StoreId recipient, SnapshotPurpose purpose, long deadlineNanos) {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(purpose, "purpose");
    if (closed) {
      return CompletableFuture.failedFuture(new SnapshotException(SnapshotFailure.CLOSED, "the transport is closed"));
    }
    if (deadlineNanos <= 0) {
      return CompletableFuture.failedFuture(
          new SnapshotException(SnapshotFailure.INVALID, "deadlineNanos must be > 0, was " + deadlineNanos));
    }
    return delegation.send(range, recipient, purpose, deadlineNanos);
  }

  @Override
  public void logTruncated(RangeId range, long firstLogIndex) {
    cache.logTruncated(Objects.requireNonNull(range, "range"), firstLogIndex);
  }

  @Override
  public void updateRates(long sendBytesPerSecond, long receiveBytesPerSecond) {
    if (sendBytesPerSecond <= 0 || receiveBytesPerSecond <= 0) {
      throw new IllegalArgumentException(
          "rates must be > 0, were " + sendBytesPerSecond + " and " + receiveBytesPerSecond);
    }
    sendLimit.setRate(sendBytesPerSecond);
    receiveLimit.setRate(receiveBytesPerSecond);
  }

  void faults(SnapshotSender.Faults faults) {
    sender.faults(faults);
  }

  /** Stops sending (transfers in progress fail), deletes stages and closes cached views. */
  public void close() {
    closed = true;
    sender.close();
    receiver.close();
    cache.invalidateAll();
    io.shutdownNow();
    try {
      io.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
