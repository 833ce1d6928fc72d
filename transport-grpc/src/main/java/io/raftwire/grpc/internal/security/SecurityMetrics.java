package io.raftwire.grpc.internal.security;

import com.codahale.metrics.Counter;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import java.util.Map;

/** Counters and the problem log of the security parts. Thread-safe. */
public final class SecurityMetrics {
  private final Map<HandshakeRefusal, Counter> handshakeRefused;
  private final Map<CallRefusal, Counter> callRefused;
  final Counter reloads;
  final Counter reloadFailures;
  private final ProblemLog problems;

  public SecurityMetrics(StoreMetrics metrics, ProblemLog problems) {
    this.handshakeRefused = metrics.counters(GrpcMetrics.SECURITY_HANDSHAKE_REFUSED, HandshakeRefusal.class);
    this.callRefused = metrics.counters(GrpcMetrics.SECURITY_CALL_REFUSED, CallRefusal.class);
    this.reloads = metrics.counter(GrpcMetrics.SECURITY_RELOADS);
    this.reloadFailures = metrics.counter(GrpcMetrics.SECURITY_RELOAD_FAILURES);
    this.problems = problems;
  }

  void handshakeRefused(HandshakeRefusal reason, Object peer, String detail) {
    handshakeRefused.get(reason).inc();
    problems.report(peer, "TLS handshake refused, " + reason, detail);
  }

  void callRefused(CallRefusal reason, Object peer, String detail) {
    callRefused.get(reason).inc();
    problems.report(peer, "call refused, " + reason, detail);
  }

  void reloadFailed(String detail) {
    reloadFailures.inc();
    problems.report("certificates", "reload refused", detail);
  }
}
