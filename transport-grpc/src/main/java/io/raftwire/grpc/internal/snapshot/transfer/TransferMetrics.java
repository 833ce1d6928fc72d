package io.raftwire.grpc.internal.snapshot.transfer;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.snapshot.SnapshotFailure;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** The metrics of snapshot transfers: the {@code snapshot.*} names of {@link GrpcMetrics} but delegation's. */
public final class TransferMetrics {
  private final StoreMetrics metrics;
  private final Counter sentBytes;
  private final Counter receivedBytes;
  private final Counter resumedBytes;
  private final Counter installed;
  private final Counter sent;
  private final Counter corruptChunks;
  private final Counter corruptSnapshots;
  private final Counter retries;
  private final Map<SnapshotFailure, Counter> failed;
  private final Map<SnapshotFailure, Counter> refused;
  private final Map<ProtocolProblem, Counter> protocolErrors;
  private final Counter malformedFrames;
  private final Map<IdentityRefusal, Counter> identityRefused;
  private final AtomicLong active = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong heldBytes = new AtomicLong();

  public TransferMetrics(StoreMetrics metrics) {
    this.metrics = metrics;
    this.sentBytes = metrics.counter(GrpcMetrics.SNAPSHOT_SENT_BYTES);
    this.receivedBytes = metrics.counter(GrpcMetrics.SNAPSHOT_RECEIVED_BYTES);
    this.resumedBytes = metrics.counter(GrpcMetrics.SNAPSHOT_RESUMED_BYTES);
    this.installed = metrics.counter(GrpcMetrics.SNAPSHOT_INSTALLED);
    this.sent = metrics.counter(GrpcMetrics.SNAPSHOT_SENT);
    this.corruptChunks = metrics.counter(GrpcMetrics.SNAPSHOT_CORRUPT_CHUNKS);
    this.corruptSnapshots = metrics.counter(GrpcMetrics.SNAPSHOT_CORRUPT_SNAPSHOTS);
    this.retries = metrics.counter(GrpcMetrics.SNAPSHOT_RETRIES);
    this.failed = metrics.counters(GrpcMetrics.SNAPSHOT_FAILED, SnapshotFailure.class);
    this.refused = metrics.counters(GrpcMetrics.SNAPSHOT_REFUSED, SnapshotFailure.class);
    metrics.gauge(GrpcMetrics.SNAPSHOT_SLOTS_ACTIVE, active::get);
    metrics.gauge(GrpcMetrics.SNAPSHOT_SLOTS_QUEUED, queued::get);
    metrics.gauge(GrpcMetrics.SNAPSHOT_HELD_BYTES, heldBytes::get);
    this.protocolErrors = metrics.counters(GrpcMetrics.SNAPSHOT_PROTOCOL_ERRORS, ProtocolProblem.class);
    this.malformedFrames = malformedFrames(metrics);
    this.identityRefused = identityRefusals(metrics);
  }

  /** The counters of snapshot calls refused for the store they name, by reason (shared with delegation). */
  public static Map<IdentityRefusal, Counter> identityRefusals(StoreMetrics metrics) {
    return metrics.counters(GrpcMetrics.SNAPSHOT_IDENTITY_REFUSED, IdentityRefusal.class);
  }

  /** The counter of snapshot service frames that did not parse (shared with delegation). */
  public static Counter malformedFrames(StoreMetrics metrics) {
    return metrics.counter(GrpcMetrics.SNAPSHOT_MALFORMED_FRAMES);
  }

  /** Registers the limits the transfers are held within, beside their usage gauges. */
  void limits(TransferSettings settings) {
    metrics.gauge(GrpcMetrics.SNAPSHOT_SLOTS_LIMIT, () -> (long) settings.concurrentTransfers());
    metrics.gauge(GrpcMetrics.SNAPSHOT_HELD_LIMIT_BYTES,
        () -> settings.concurrentTransfers() * settings.receiveWindowBytes());
    metrics.gauge(GrpcMetrics.SNAPSHOT_RETAINED_STAGE_LIMIT_BYTES, settings::maxRetainedStageBytes);
    metrics.gauge(GrpcMetrics.SNAPSHOT_CACHE_LIMIT_BYTES, settings::cacheBytes);
  }

  void spool(Spool spool) {
    metrics.gauge(GrpcMetrics.SNAPSHOT_RETAINED_STAGE_BYTES, spool::retainedBytes);
  }

  void cache(SnapshotCache cache) {
    metrics.gauge(GrpcMetrics.SNAPSHOT_CACHE_HITS, cache::hits);
    metrics.gauge(GrpcMetrics.SNAPSHOT_CACHE_MISSES, cache::misses);
    metrics.gauge(GrpcMetrics.SNAPSHOT_CACHE_STALE, cache::staleDrops);
    metrics.gauge(GrpcMetrics.SNAPSHOT_CACHE_BYTES, cache::cachedBytes);
  }

  void sentChunk(long bytes, @Nullable String fromZone, @Nullable String toZone) {
    sentBytes.inc(bytes);
    metrics.counter(GrpcMetrics.SNAPSHOT_ZONE_BYTES, zone(fromZone), zone(toZone)).inc(bytes);
  }

  private static String zone(@Nullable String zone) {
    return zone == null ? "unknown" : zone;
  }

  void received(long bytes) {
    receivedBytes.inc(bytes);
  }

  void resumed(long bytes) {
    resumedBytes.inc(bytes);
  }

  void installed() {
    installed.inc();
  }

  void sent() {
    sent.inc();
  }

  void failed(SnapshotFailure failure) {
    failed.get(failure).inc();
  }

  void refused(SnapshotFailure failure) {
    refused.get(failure).inc();
  }

  void corruptChunk() {
    corruptChunks.inc();
  }

  void corruptSnapshot() {
    corruptSnapshots.inc();
  }

  void retry() {
    retries.inc();
  }

  void protocolError(ProtocolProblem problem) {
    protocolErrors.get(problem).inc();
  }

  void malformedFrame() {
    malformedFrames.inc();
  }

  void identityRefused(IdentityRefusal reason) {
    identityRefused.get(reason).inc();
  }

  /** Chunk bytes now held in memory ({@code delta} negative when they are written or dropped). */
  void held(long delta) {
    heldBytes.addAndGet(delta);
  }

  void queueChanged(SnapshotSlots slots) {
    active.set(slots.active());
    queued.set(slots.queued());
  }
}
