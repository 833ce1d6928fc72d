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
  boolean running; // @GuardedBy("this"): a worker is delivering this range
  boolean inUrgent; // @GuardedBy("this"): queued for the scheduler's urgent (CONTROL) queue
  boolean inNormal; // @GuardedBy("this"): queued for its normal queue
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

  /** All CONTROL messages, then up to {@code maxBulk} others ({@code 0}: CONTROL only). */
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

  /** True if messages other than CONTROL wait (the range then needs a normal turn too). */
  // @GuardedBy("this")
  boolean hasBulk() {
    return !bulk.isEmpty();
  }

  /**
   * After a message was added (under this lock): which scheduler queue this range must join now,
   * if any. A range waiting in the normal queue joins the urgent one when a CONTROL message comes.
   *
   * @return true for the urgent queue, false for the normal one, null for none
   */
  // @GuardedBy("this")
  Boolean toSchedule() {
    if (running) {
      return null; // its worker schedules it again when done
    }
    if (!control.isEmpty() && !inUrgent) {
      inUrgent = true;
      return Boolean.TRUE;
    }
    if (!inUrgent && !inNormal) {
      inNormal = true;
      return Boolean.FALSE;
    }
    return null;
  }

  /** A worker took this range from a queue: true if it should deliver it now. */
  synchronized boolean claim(boolean fromUrgent) {
    if (fromUrgent) {
      inUrgent = false;
    } else {
      inNormal = false;
    }
    if (running || (control.isEmpty() && bulk.isEmpty())) {
      return false; // a stale entry: another worker has it, or nothing is left
    }
    running = true;
    return true;
  }

  /** Ends a worker's turn: which queue the range must join again, if more is queued. */
  synchronized Boolean finishRound() {
    running = false;
    if (control.isEmpty() && bulk.isEmpty()) {
      return null;
    }
    return toSchedule();
  }
}
