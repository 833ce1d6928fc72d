package io.raftwire.grpc.receiver;

import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.InboundHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queues and handler of one registered range. Queue state is guarded by the inbox's monitor;
 * {@link #deliveryLock} is held while a batch is taken and delivered, which makes deliveries serial
 * and lets unregistration wait for the one in progress.
 */
final class RangeInbox {
  final RangeId range;
  final InboundHandler handler;
  final ReentrantLock deliveryLock = new ReentrantLock();

  boolean open = true; // @GuardedBy("this")
  boolean scheduled; // @GuardedBy("this")
  final ArrayDeque<InboundMessage> control = new ArrayDeque<>(); // @GuardedBy("this")
  final ArrayDeque<InboundMessage> bulk = new ArrayDeque<>(); // @GuardedBy("this")
  long controlBytes; // @GuardedBy("this")
  long bulkBytes; // @GuardedBy("this")

  RangeInbox(RangeId range, InboundHandler handler) {
    this.range = range;
    this.handler = handler;
  }

  // @GuardedBy("this")
  void add(InboundMessage message) {
    if (message.envelope.trafficClass() == TrafficClass.CONTROL) {
      control.addLast(message);
      controlBytes += message.sizeBytes;
    } else {
      bulk.addLast(message);
      bulkBytes += message.sizeBytes;
    }
  }

  /** All CONTROL messages, then up to {@code maxBulk} others. */
  // @GuardedBy("this")
  List<InboundMessage> takeBatch(int maxBulk) {
    List<InboundMessage> batch = new ArrayList<>(control.size() + Math.min(maxBulk, bulk.size()));
    batch.addAll(control);
    control.clear();
    controlBytes = 0;
    for (int i = 0; i < maxBulk && !bulk.isEmpty(); i++) {
      InboundMessage m = bulk.pollFirst();
      bulkBytes -= m.sizeBytes;
      batch.add(m);
    }
    return batch;
  }

  /** Ends a worker's turn: true if more is queued and the range must be scheduled again. */
  synchronized boolean finishRound() {
    scheduled = !control.isEmpty() || !bulk.isEmpty();
    return scheduled;
  }
}
