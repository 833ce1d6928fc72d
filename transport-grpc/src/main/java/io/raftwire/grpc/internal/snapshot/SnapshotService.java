package io.raftwire.grpc.internal.snapshot;

import io.grpc.ServerServiceDefinition;
import io.raftwire.grpc.internal.snapshot.delegation.Delegation;
import io.raftwire.grpc.internal.snapshot.transfer.TransferFaults;
import io.raftwire.grpc.internal.snapshot.transfer.Transfers;
import io.raftwire.grpc.internal.wire.RaftSnapshotsGrpc;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store's {@link SnapshotTransfers}: sends go through delegation (a replica nearer the
 * recipient may send instead), transfers both ways through {@link Transfers}; both RPCs are served
 * by {@link #service()}. Owns the executor of blocking snapshot file I/O. Thread-safe.
 */
public final class SnapshotService implements SnapshotTransfers, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotService.class);

  private final Transfers transfers;
  private final Delegation delegation;
  private final ExecutorService io;
  private volatile boolean closed;

  /** @param io the executor the parts run blocking file work on; shut down by {@link #close()} */
  public SnapshotService(Transfers transfers, Delegation delegation, ExecutorService io) {
    this.transfers = transfers;
    this.delegation = delegation;
    this.io = io;
  }

  /**
   * The gRPC service: receiving transfers, and sending on another store's behalf. Both methods
   * parse their requests themselves, so garbage is answered INVALID_ARGUMENT and counted instead
   * of failing inside gRPC.
   */
  public ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(RaftSnapshotsGrpc.SERVICE_NAME)
        .addMethod(transfers.method())
        .addMethod(delegation.method())
        .build();
  }

  /** Expires queued reservations, old stages and idle cached snapshots; about once a second. */
  /**
   * Ends the incoming transfers of authenticated stores {@code refused} names (taken off the
   * allow-list) and deletes what they staged. Any thread.
   */
  public void endTransfersOf(Predicate<StoreId> refused) {
    transfers.endTransfersOf(refused);
  }

  public void upkeep() {
    transfers.upkeep();
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
    transfers.logTruncated(Objects.requireNonNull(range, "range"), firstLogIndex);
  }

  @Override
  public void updateRates(long sendBytesPerSecond, long receiveBytesPerSecond) {
    if (sendBytesPerSecond <= 0 || receiveBytesPerSecond <= 0) {
      throw new IllegalArgumentException(
          "rates must be > 0, were " + sendBytesPerSecond + " and " + receiveBytesPerSecond);
    }
    transfers.updateRates(sendBytesPerSecond, receiveBytesPerSecond);
  }

  /** Damages this store's outgoing transfers on purpose (tests of the recovery paths). */
  public void faults(TransferFaults faults) {
    transfers.faults(faults);
  }

  /** Stops sending (transfers in progress fail), deletes stages and closes cached views. */
  @Override
  public void close() {
    closed = true;
    transfers.close();
    io.shutdownNow();
    try {
      if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("snapshot I/O still busy after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
