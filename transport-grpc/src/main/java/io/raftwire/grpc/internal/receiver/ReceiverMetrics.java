package io.raftwire.grpc.internal.receiver;

import com.codahale.metrics.Counter;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.transport.DropReason;
import java.util.Map;

/** The receiver's counters shared by its parts (stream intake, range queues, stream registry). */
public final class ReceiverMetrics {
  private final Map<DropReason, Counter> dropped;
  private final Map<ProtocolError, Counter> protocolErrors;
  private final ProblemLog problems;
  final Counter unreportedRefusals;
  final Counter noticesWithoutStream;
  final Counter relayedIn;

  /** @param problems where problems caused by senders are reported (rate-limited) */
  public ReceiverMetrics(StoreMetrics metrics, ProblemLog problems) {
    this.problems = problems;
    this.dropped = metrics.counters(GrpcMetrics.RECEIVER_DROPPED, DropReason.class);
    this.protocolErrors = metrics.counters(GrpcMetrics.RECEIVER_PROTOCOL_ERRORS, ProtocolError.class);
    this.unreportedRefusals = metrics.counter(GrpcMetrics.RECEIVER_UNREPORTED_REFUSALS);
    this.noticesWithoutStream = metrics.counter(GrpcMetrics.RECEIVER_NOTICES_WITHOUT_STREAM);
    this.relayedIn = metrics.counter(GrpcMetrics.RECEIVER_RELAYED_IN);
  }

  /** Counts a stream ended for {@code error} and reports it, rate-limited, under {@code sender}. */
  void protocolError(ProtocolError error, Object sender, String detail) {
    protocolErrors.get(error).inc();
    problems.report(sender, "inbound stream refused, " + error, detail);
  }

  /** Counts one inbound message refused, on arrival or after it was queued. */
  void dropped(DropReason reason) {
    dropped.get(reason).inc();
  }
}
