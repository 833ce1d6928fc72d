package io.raftwire.grpc.internal.snapshot.transfer;

import io.grpc.ManagedChannel;
import io.grpc.ServerMethodDefinition;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.peer.Backoff;
import io.raftwire.grpc.internal.peer.Peers;
import io.raftwire.grpc.internal.snapshot.transfer.SnapshotWire.Parsed;
import io.raftwire.grpc.internal.wire.RaftSnapshotsGrpc;
import io.raftwire.grpc.internal.wire.SnapshotClientFrame;
import io.raftwire.grpc.internal.wire.SnapshotServerFrame;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotSink;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * One store's snapshot transfers, both ways: the sending side with its cache and send rate, the
 * receiving side (the {@code Transfer} RPC) with its slots, spool and receive rate. Delegation
 * builds on {@link #send} and {@link #channel}. Thread-safe.
 */
public final class Transfers implements AutoCloseable {
  private final SnapshotCache cache;
  private final RateLimiter sendLimit;
  private final RateLimiter receiveLimit;
  private final SnapshotSender sender;
  private final SnapshotReceiver receiver;
  private final ProblemLog problems;

  /**
   * @param localZone this store's zone (for per-zone byte counts), or null
   * @param flow the store's flow control: the recipient's disk writes go through elastic admission
   * @param io runs blocking reads and writes of snapshot files
   * @param identity who the connection of an incoming call is (mutual TLS)
   * @param maxFrameBytes the largest frame this store's server accepts (no chunk it takes is larger)
   * @param problems where problems caused by peers' input are reported (the transport's)
   * @throws IOException if the spool directory cannot be prepared
   */
  public Transfers(StoreId local, @Nullable String localZone, SnapshotSource source, SnapshotSink sink,
      TransferSettings settings, Peers peers, Backoff backoff, Optional<FlowControl> flow, Timebase timebase,
      Executor io, StoreMetrics storeMetrics, ConnectionIdentity identity, long maxFrameBytes, ProblemLog problems)
      throws IOException {
    TransferMetrics metrics = new TransferMetrics(storeMetrics);
    metrics.limits(settings);
    this.problems = problems;
    this.cache = new SnapshotCache(source, settings.cacheBytes(), settings.cacheIdleNanos(), timebase::nanoTime);
    metrics.cache(cache);
    this.sendLimit = new RateLimiter(timebase::nanoTime, settings.sendBytesPerSecond());
    this.receiveLimit = new RateLimiter(timebase::nanoTime, settings.receiveBytesPerSecond());
    this.sender = new SnapshotSender(local, localZone, peers, cache, sendLimit, settings, backoff, timebase, io, metrics);
    Spool spool = new Spool(settings.spoolDirectory(), timebase::nanoTime, settings.stageRetentionNanos(),
        settings.maxRetainedStageBytes());
    metrics.spool(spool);
    this.receiver = new SnapshotReceiver(local, sink, Optional.of(source), spool,
        new SnapshotSlots(timebase::nanoTime, settings.concurrentTransfers(), settings.maxQueuedTransfers(),
            settings.minTransferNanos()),
        receiveLimit, flow, settings, timebase, io, metrics, problems, identity, maxFrameBytes);
  }

  /**
   * Sends the latest useful snapshot of {@code range} to {@code recipient} from this store.
   *
   * @param leader the leader the snapshot is sent for: this store, or the leader that asked this
   *     store to send as its delegate (the recipient's library checks it)
   * @param minIndex the oldest snapshot index that still helps the recipient (0: any); an older
   *     one fails the transfer with DELEGATE_BEHIND before a byte is sent
   */
  public CompletableFuture<SnapshotMeta> send(RangeId range, StoreId recipient, StoreId leader, SnapshotPurpose purpose,
      long deadlineNanos, long minIndex) {
    return sender.send(range, recipient, leader, purpose, deadlineNanos, minIndex);
  }

  /** The snapshot channel to {@code to}; fails UNREACHABLE if its address is unknown, CLOSED after close. */
  public ManagedChannel channel(StoreId to) throws SnapshotException {
    return sender.channel(to);
  }

  /** The receiving side's {@code Transfer} RPC, which parses its frames itself. */
  public ServerMethodDefinition<Parsed<SnapshotClientFrame>, SnapshotServerFrame> method() {
    return ServerMethodDefinition.create(
        SnapshotWire.parsingOnServer(RaftSnapshotsGrpc.getTransferMethod(), SnapshotClientFrame.parser()),
        receiver.handler());
  }

  /** Where problems caused by peers' input are reported (one line per peer and reason per interval). */
  public ProblemLog problems() {
    return problems;
  }

  /**
   * Ends, {@code PERMISSION_DENIED}, the incoming transfers of authenticated stores {@code refused}
   * names (taken off the allow-list), and deletes what they staged. Any thread.
   */
  public void endTransfersOf(Predicate<StoreId> refused) {
    receiver.endTransfersOf(refused);
  }

  /** Expires queued reservations, old stages and idle cached snapshots; call about once a second. */
  public void upkeep() {
    receiver.upkeep();
    cache.cleanUp();
  }

  /** The range's log now starts at {@code first}: a cached snapshot older than it is not reused. */
  public void logTruncated(RangeId range, long first) {
    cache.logTruncated(range, first);
  }

  /** Changes the send and receive rates (both > 0, checked by the caller). */
  public void updateRates(long sendBytesPerSecond, long receiveBytesPerSecond) {
    sendLimit.setRate(sendBytesPerSecond);
    receiveLimit.setRate(receiveBytesPerSecond);
  }

  /** Damages transfers on purpose (tests of the recovery paths). */
  public void faults(TransferFaults faults) {
    sender.faults(faults);
  }

  /** Stops sending (transfers in progress fail), deletes stages and closes cached views. */
  @Override
  public void close() {
    sender.close();
    receiver.close();
    cache.invalidateAll();
  }
}
