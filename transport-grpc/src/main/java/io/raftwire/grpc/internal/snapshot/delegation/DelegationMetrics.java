package io.raftwire.grpc.internal.snapshot.delegation;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.snapshot.transfer.TransferMetrics;
import io.raftwire.snapshot.SnapshotFailure;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The metrics of delegation: on the leader {@code snapshot.delegation.*}, on the delegate {@code
 * snapshot.delegate.*} (see {@link GrpcMetrics}).
 */
final class DelegationMetrics {
  private final Map<SnapshotFailure, Counter> delegationRefused;
  private final Map<SnapshotFailure, Counter> delegationFailed;
  private final Map<SnapshotFailure, Counter> delegateRefused;
  private final Counter asked;
  private final Counter delegated;
  private final Counter timeouts;
  private final Counter leaderSends;
  private final Counter noCandidate;
  private final Counter delegateAccepted;
  private final Counter malformed;

  DelegationMetrics(StoreMetrics metrics, LongSupplier delegatedInProgress) {
    this.delegationRefused = metrics.counters(GrpcMetrics.DELEGATION_REFUSED, SnapshotFailure.class);
    this.delegationFailed = metrics.counters(GrpcMetrics.DELEGATION_FAILED, SnapshotFailure.class);
    this.delegateRefused = metrics.counters(GrpcMetrics.DELEGATE_REFUSED, SnapshotFailure.class);
    this.asked = metrics.counter(GrpcMetrics.DELEGATION_ASKED);
    this.delegated = metrics.counter(GrpcMetrics.DELEGATION_DELEGATED);
    this.timeouts = metrics.counter(GrpcMetrics.DELEGATION_TIMEOUTS);
    this.leaderSends = metrics.counter(GrpcMetrics.DELEGATION_LEADER_SENDS);
    this.noCandidate = metrics.counter(GrpcMetrics.DELEGATION_NO_CANDIDATE);
    this.delegateAccepted = metrics.counter(GrpcMetrics.DELEGATE_ACCEPTED);
    metrics.gauge(GrpcMetrics.DELEGATE_ACTIVE, delegatedInProgress::getAsLong);
    this.malformed = TransferMetrics.malformedFrames(metrics);
  }

  void malformedRequest() {
    malformed.inc();
  }

  void delegationAsked() {
    asked.inc();
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
    timeouts.inc();
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
}
