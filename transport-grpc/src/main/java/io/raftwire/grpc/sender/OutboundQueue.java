package io.raftwire.grpc.sender;

import io.raftwire.message.TrafficClass;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lanes of one destination: CONTROL (FIFO), APPEND (FIFO per range, DRR across ranges) and
 * SNAPSHOT (FIFO), with their byte accounting. Thread-safe: every method holds the queue's lock,
 * briefly.
 */
final class OutboundQueue {
  private static final int LANES = TrafficClass.values().length;
  private static final int CONTROL = TrafficClass.CONTROL.ordinal();
  private static final int APPEND = TrafficClass.APPEND.ordinal();
  private static final int SNAPSHOT = TrafficClass.SNAPSHOT.ordinal();

  private final AtomicLong globalChargedBytes;
  private final ArrayDeque<Outbound> control = new ArrayDeque<>(); // @GuardedBy("this")
  private final DrrQueue append; // @GuardedBy("this")
  private final ArrayDeque<Outbound> snapshot = new ArrayDeque<>(); // @GuardedBy("this")
  /** Bytes queued or in flight (unacknowledged), per lane. */
  private final long[] chargedBytes = new long[LANES]; // @GuardedBy("this")
  private final long[] queuedBytes = new long[LANES]; // @GuardedBy("this")
  private final int[] queuedMessages = new int[LANES]; // @GuardedBy("this")

  OutboundQueue(AtomicLong globalChargedBytes, long drrQuantumBytes) {
    this.globalChargedBytes = globalChargedBytes;
    this.append = new DrrQueue(drrQuantumBytes);
  }

  /** Charges and queues {@code message}; returns the refusal reason, or null if queued. */
  synchronized DropReason offer(Outbound message, TransportLimits limits) {
    DropReason refusal = charge(message, limits);
    if (refusal == null) {
      enqueueCharged(message);
    }
    return refusal;
  }

  /**
   * Charges {@code message} to its lane and the global budget without queueing it here (a
   * fan-out member waiting for its bundle); returns the refusal reason, or null if charged.
   */
  synchronized DropReason charge(Outbound message, TransportLimits limits) {
    int lane = message.lane();
    long size = message.sizeBytes;
    if (chargedBytes[lane] + size > limits.laneBytes(message.envelope.trafficClass())) {
      return DropReason.LANE_BUDGET;
    }
    long budget = limits.globalQueueBytes();
    while (true) {
      long global = globalChargedBytes.get();
      if (global + size > budget) {
        return DropReason.GLOBAL_BUDGET;
      }
      if (globalChargedBytes.compareAndSet(global, global + size)) {
        break;
      }
    }
    chargedBytes[lane] += size;
    return null;
  }

  /**
   * Queues a message that is already charged: to this queue (by {@link #charge}), or, for a
   * fan-out bundle, each member to its own destination's queue.
   */
  synchronized void enqueueCharged(Outbound message) {
    int lane = message.lane();
    queuedBytes[lane] += message.sizeBytes;
    queuedMessages[lane]++;
    if (lane == CONTROL) {
      control.addLast(message);
    } else if (lane == APPEND) {
      append.add(message);
    } else {
      snapshot.addLast(message);
    }
  }

  /**
   * Moves up to {@code maxMessages} messages of the connection's lanes into {@code batch}, stopping
   * once {@code targetBytes} is reached (so a batch exceeds it by at most one message). The data
   * connection takes APPEND before SNAPSHOT. The messages stay charged.
   */
  synchronized void poll(Connection.Kind kind, long targetBytes, int maxMessages, List<Outbound> batch) {
    long bytes = 0;
    while (batch.size() < maxMessages && bytes < targetBytes) {
      Outbound next;
      if (kind == Connection.Kind.CONTROL) {
        next = control.pollFirst();
      } else {
        next = append.poll();
        if (next == null) {
          next = snapshot.pollFirst();
        }
      }
      if (next == null) {
        return;
      }
      queuedBytes[next.lane()] -= next.sizeBytes;
      queuedMessages[next.lane()]--;
      bytes += next.sizeBytes;
      batch.add(next);
    }
  }

  /** True if the connection of {@code kind} has anything to send. */
  synchronized boolean hasQueued(Connection.Kind kind) {
    return kind == Connection.Kind.CONTROL
        ? !control.isEmpty()
        : append.size() > 0 || !snapshot.isEmpty();
  }

  /** Returns the charge of messages charged here that were acknowledged or dropped (no bundles). */
  synchronized void release(List<Outbound> messages) {
    long total = 0;
    for (Outbound m : messages) {
      chargedBytes[m.lane()] -= m.sizeBytes;
      total += m.sizeBytes;
    }
    globalChargedBytes.addAndGet(-total);
  }

  /** Removes every queued message (not those in flight); their charge stays until released. */
  synchronized List<Outbound> removeQueued() {
    List<Outbound> all = new ArrayList<>(control);
    all.addAll(append.drain());
    all.addAll(snapshot);
    control.clear();
    snapshot.clear();
    for (int lane = 0; lane < LANES; lane++) {
      queuedBytes[lane] = 0;
      queuedMessages[lane] = 0;
    }
    return all;
  }

  synchronized long chargedBytes(TrafficClass lane) {
    return chargedBytes[lane.ordinal()];
  }

  synchronized long queuedBytes(TrafficClass lane) {
    return queuedBytes[lane.ordinal()];
  }

  synchronized int queuedMessages(TrafficClass lane) {
    return queuedMessages[lane.ordinal()];
  }

  static boolean isData(int lane) {
    return lane == APPEND || lane == SNAPSHOT;
  }
}
