package io.raftwire.grpc.internal.receiver;

import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;

/**
 * Returns credits to leaders: "admitted up to index" notices for entries received from a leader
 * ride on the next ack of that leader's newest DATA stream here, or are flushed alone by a timer.
 * A notice for a leader with no open DATA stream is counted and dropped: the leader returned those
 * credits itself when its stream ended. Thread-safe.
 */
public final class CreditReturns {
  private final InboundStreams streams;
  private final ReceiverMetrics counters;

  public CreditReturns(InboundStreams streams, ReceiverMetrics counters) {
    this.streams = streams;
    this.counters = counters;
  }

  /** The entries of {@code range} up to {@code upToIndex}, received from {@code leader}, were admitted. */
  public void admitted(StoreId leader, RangeId range, Priority priority, long upToIndex) {
    StreamIntake stream = streams.dataStream(leader);
    if (stream == null) {
      counters.noticesWithoutStream.inc();
      return;
    }
    stream.queueAdmitted(range, priority, upToIndex);
  }

  /** Sends the notices still waiting for an ack to ride on; called by a timer. */
  public void flush() {
    for (StreamIntake stream : streams.dataStreams()) {
      if (stream.hasPendingNotices()) {
        stream.flush();
      }
    }
  }
}
