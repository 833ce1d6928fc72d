package io.raftwire.grpc.internal.receiver;

import com.codahale.metrics.Counter;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.transport.DropReason;
import java.util.Map;

/** The receiver's counters shared by its parts (stream intake, range queues, stream registry). */
public final class ReceiverMetrics {
  private final Map<DropReason, Counter> dropped;
  final Counter malformedFrames;
  final Counter protocolErrors;
  final Counter unreportedRefusals;
  final Counter noticesWithoutStream;
  final Counter relayedIn;

  public ReceiverMetrics(StoreMetrics metrics) {
    this.dropped = metrics.counters(GrpcMetrics.RECEIVER_DROPPED, DropReason.class);
    this.malformedFrames = metrics.counter(GrpcMetrics.RECEIVER_MALFORMED_FRAMES);
    this.protocolErrors = metrics.counter(GrpcMetrics.RECEIVER_PROTOCOL_ERRORS);
    this.unreportedRefusals = metrics.counter(GrpcMetrics.RECEIVER_UNREPORTED_REFUSALS);
    this.noticesWithoutStream = metrics.counter(GrpcMetrics.RECEIVER_NOTICES_WITHOUT_STREAM);
    this.relayedIn = metrics.counter(GrpcMetrics.RECEIVER_RELAYED_IN);
  }

  /** Counts one inbound message refused, on arrival or after it was queued. */
  void dropped(DropReason reason) {
    dropped.get(reason).inc();
  }
}
