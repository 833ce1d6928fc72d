package io.raftwire.grpc.snapshot;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.topology.Locality;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The snapshot metrics, under {@code raftwire.<store>.snapshot.}: {@code sent_bytes},
 * {@code received_bytes}, {@code resumed_bytes}, {@code installed}, {@code sent},
 * {@code failed.<FAILURE>} (transfers this store sent that failed), {@code refused.<FAILURE>}
 * (transfers this store refused), {@code corrupt_chunks}, {@code corrupt_snapshots},
 * {@code retries}, {@code slots.active}, {@code slots.queued}, {@code cache.hits},
 * {@code cache.misses}, {@code cache.stale}, {@code cache.bytes} and
 * {@code zone_bytes.<from>.<to>} (snapshot bytes sent between zones).
 *
 * <p>Delegation, on the leader: {@code delegation.asked} (requests to delegates),
 * {@code delegation.delegated} (snapshots a delegate installed in its place),
 * {@code delegation.refused.<FAILURE>} (a delegate said no), {@code delegation.failed.<FAILURE>}
 * (a delegate accepted, then its transfer failed), {@code delegation.timeouts} (no answer within
 * the accept timeout), {@code delegation.leader_sends} (every candidate failed: the leader sent)
 * and {@code delegation.no_candidate} (no replica was closer to the recipient). On the delegate:
 * {@code delegate.accepted}, {@code delegate.refused.<FAILURE>} and {@code delegate.active}.
 */
final class SnapshotMetrics {
  private final MetricRegistry registry;
  private final String prefix;
  private final Counter sentBytes;
  private final Counter receivedBytes;
  private final Counter resumedBytes;
  private final Counter installed;
  private final Counter sent;
  private final Counter corruptChunks;
  private final Counter corruptSnapshots;
  private final Counter retries;
  private final Map<SnapshotFailure, Counter> failed = new EnumMap<>(SnapshotFailure.class);
  private final Map<SnapshotFailure, Counter> refused = new EnumMap<>(SnapshotFailure.class);
  private final Map<SnapshotFailure, Counter> delegationRefused = new EnumMap<>(SnapshotFailure.class);
  private final Map<SnapshotFailure, Counter> delegationFailed = new EnumMap<>(SnapshotFailure.class);
  private final Map<SnapshotFailure, Counter> delegateRefused = new EnumMap<>(SnapshotFailure.class);
  private final Counter delegationAsked;
  private final Counter delegated;
  private final Counter delegationTimeouts;
  private final Counter leaderSends;
  private final Counter noCandidate;
  private final Counter delegateAccepted;
  private final AtomicLong active = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();

  SnapshotMetrics(MetricRegistry registry, String prefix) {
    this.registry = registry;
    this.prefix = prefix;
    this.sentBytes = registry.counter(MetricRegistry.name(prefix, "sent_bytes"));
    this.receivedBytes = registry.counter(MetricRegistry.name(prefix, "received_bytes"));
    this.resumedBytes = registry.counter(MetricRegistry.name(prefix, "resumed_bytes"));
    this.installed = registry.counter(MetricRegistry.name(prefix, "installed"));
    this.sent = registry.counter(MetricRegistry.name(prefix, "sent"));
    this.corruptChunks = registry.counter(MetricRegistry.name(prefix, "corrupt_chunks"));
    this.corruptSnapshots = registry.counter(MetricRegistry.name(prefix, "corrupt_snapshots"));
    this.retries = registry.counter(MetricRegistry.name(prefix, "retries"));
    for (SnapshotFailure f : SnapshotFailure.values()) {
      failed.put(f, registry.counter(MetricRegistry.name(prefix, "failed", f.name())));
      refused.put(f, registry.counter(MetricRegistry.name(prefix, "refused", f.name())));
      delegationRefused.put(f, registry.counter(MetricRegistry.name(prefix, "delegation", "refused", f.name())));
      delegationFailed.put(f, registry.counter(MetricRegistry.name(prefix, "delegation", "failed", f.name())));
      delegateRefused.put(f, registry.counter(MetricRegistry.name(prefix, "delegate", "refused", f.name())));
    }
    this.delegationAsked = registry.counter(MetricRegistry.name(prefix, "delegation", "asked"));
    this.delegated = registry.counter(MetricRegistry.name(prefix, "delegation", "delegated"));
    this.delegationTimeouts = registry.counter(MetricRegistry.name(prefix, "delegation", "timeouts"));
    this.leaderSends = registry.counter(MetricRegistry.name(prefix, "delegation", "leader_sends"));
    this.noCandidate = registry.counter(MetricRegistry.name(prefix, "delegation", "no_candidate"));
    this.delegateAccepted = registry.counter(MetricRegistry.name(prefix, "delegate", "accepted"));
    registry.gauge(MetricRegistry.name(prefix, "slots", "active"), () -> active::get);
    registry.gauge(MetricRegistry.name(prefix, "slots", "queued"), () -> queued::get);
  }

  void cache(SnapshotCache cache) {
    registry.gauge(MetricRegistry.name(prefix, "cache", "hits"), () -> cache::hits);
    registry.gauge(MetricRegistry.name(prefix, "cache", "misses"), () -> cache::misses);
    registry.gauge(MetricRegistry.name(prefix, "cache", "stale"), () -> cache::staleDrops);
    registry.gauge(MetricRegistry.name(prefix, "cache", "bytes"), () -> cache::cachedBytes);
  }

  void sentChunk(long bytes, Locality from, Locality to, String zoneTier) {
    sentBytes.inc(bytes);
    registry.counter(MetricRegistry.name(prefix, "zone_bytes", zone(from, zoneTier), zone(to, zoneTier))).inc(bytes);
  }

  private static String zone(Locality locality, String tier) {
    return locality.value(tier).orElse("unknown");
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

  void delegateActive(java.util.function.LongSupplier active) {
    registry.gauge(MetricRegistry.name(prefix, "delegate", "active"), () -> active::getAsLong);
  }

  void delegationAsked() {
    delegationAsked.inc();
  }

  void delegated() {
    delegated.inc();
  }

  void delegationRefused(SnapshotFailure failure) {
    delegationRefused.get(failure).inc();
  }

  void delegationFailed(SnapshotFailure failure) {
    delegationFailed.get(failure).inc();
  }

  void delegationTimeout() {
    delegationTimeouts.inc();
  }

  void leaderSends() {
    leaderSends.inc();
  }

  void noCandidate() {
    noCandidate.inc();
  }

  void delegateAccepted() {
    delegateAccepted.inc();
  }

  void delegateRefused(SnapshotFailure failure) {
    delegateRefused.get(failure).inc();
  }

  void queueChanged(SnapshotSlots slots) {
    active.set(slots.active());
    queued.set(slots.queued());
  }
}
