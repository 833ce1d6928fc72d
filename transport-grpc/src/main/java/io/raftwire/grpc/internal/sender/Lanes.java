package io.raftwire.grpc.internal.sender;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.TrafficClass;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The lanes of one destination: CONTROL (FIFO), APPEND (FIFO per range, deficit round robin across
 * ranges) and SNAPSHOT (FIFO). Each lane has a byte budget under the sender's global budget; an
 * item stays charged from acceptance until it is acknowledged or dropped, so the bytes a sender
 * holds in lanes, in gRPC's buffers and on the wire never exceed the budgets. Thread-safe: queue
 * state is guarded by this object's lock, held briefly; charging is lock-free.
 */
final class Lanes {
  private final Lane control;
  private final Lane append;
  private final Lane snapshot;
  private final ByteBudget global;

  @GuardedBy("this")
  private final ArrayDeque<Outbound> controlQueue = new ArrayDeque<>();

  @GuardedBy("this")
  private final DrrQueue appendQueue;

  @GuardedBy("this")
  private final ArrayDeque<Outbound> snapshotQueue = new ArrayDeque<>();

  Lanes(String destination, ByteBudget global, Supplier<TransportLimits> limits, long drrQuantumBytes) {
    this.global = global;
    this.control = new Lane(global.child(destination + ".control", () -> limits.get().controlLaneBytes()));
    this.append = new Lane(global.child(destination + ".append", () -> limits.get().appendLaneBytes()));
    this.snapshot = new Lane(global.child(destination + ".snapshot", () -> limits.get().snapshotLaneBytes()));
    this.appendQueue = new DrrQueue(drrQuantumBytes);
  }

  private Lane lane(TrafficClass trafficClass) {
    switch (trafficClass) {
      case CONTROL:
        return control;
      case APPEND:
        return append;
      case SNAPSHOT:
        return snapshot;
    }
    throw new AssertionError(trafficClass);
  }

  /**
   * Takes {@code message}'s bytes from its lane's budget and the global one.
   *
   * @return {@code LANE_BUDGET} or {@code GLOBAL_BUDGET} if one has no room (nothing taken), or
   *     null if charged
   */
  @Nullable DropReason charge(EnvelopeMessage message) {
    ByteBudget budget = lane(message.lane()).budget;
    ByteBudget refused = budget.tryAcquire(message.sizeBytes());
    if (refused != null) {
      return refused == global ? DropReason.GLOBAL_BUDGET : DropReason.LANE_BUDGET;
    }
    message.chargedTo(budget);
    return null;
  }

  /** Queues an item whose bytes are charged already (here, or for a bundle to its members' lanes). */
  synchronized void enqueue(Outbound item) {
    Lane lane = lane(item.lane());
    lane.queuedBytes += item.sizeBytes();
    lane.queuedMessages++;
    switch (item.lane()) {
      case CONTROL:
        controlQueue.addLast(item);
        break;
      case APPEND:
        appendQueue.add(item);
        break;
      case SNAPSHOT:
        snapshotQueue.addLast(item);
        break;
    }
  }

  /**
   * Moves up to {@code maxMessages} items of the stream's lanes into {@code batch}, stopping once
   * {@code targetBytes} is reached (so a batch exceeds it by at most one item). DATA takes APPEND
   * before SNAPSHOT. The items stay charged.
   */
  synchronized void poll(StreamKind stream, long targetBytes, int maxMessages, List<Outbound> batch) {
    long bytes = 0;
    while (batch.size() < maxMessages && bytes < targetBytes) {
      Outbound next;
      if (stream == StreamKind.CONTROL) {
        next = controlQueue.pollFirst();
      } else {
        next = appendQueue.poll();
        if (next == null) {
          next = snapshotQueue.pollFirst();
        }
      }
      if (next == null) {
        return;
      }
      Lane lane = lane(next.lane());
      lane.queuedBytes -= next.sizeBytes();
      lane.queuedMessages--;
      bytes += next.sizeBytes();
      batch.add(next);
    }
  }

  /** True if the stream has anything to send. */
  synchronized boolean hasQueued(StreamKind stream) {
    return stream == StreamKind.CONTROL
        ? !controlQueue.isEmpty()
        : appendQueue.size() > 0 || !snapshotQueue.isEmpty();
  }

  /** Removes every queued item (not those in flight); their charges stay until released. */
  synchronized List<Outbound> removeQueued() {
    List<Outbound> all = new ArrayList<>(controlQueue);
    all.addAll(appendQueue.drain());
    all.addAll(snapshotQueue);
    controlQueue.clear();
    snapshotQueue.clear();
    for (Lane lane : new Lane[] {control, append, snapshot}) {
      lane.queuedBytes = 0;
      lane.queuedMessages = 0;
    }
    return all;
  }

  /** Bytes charged to {@code trafficClass}'s lane: queued or in flight. */
  long chargedBytes(TrafficClass trafficClass) {
    return lane(trafficClass).budget.usedBytes();
  }

  synchronized long queuedBytes(TrafficClass trafficClass) {
    return lane(trafficClass).queuedBytes;
  }

  synchronized int queuedMessages(TrafficClass trafficClass) {
    return lane(trafficClass).queuedMessages;
  }

  /** One lane's budget and what of it is queued (the rest is in flight). */
  private static final class Lane {
    final ByteBudget budget;
    long queuedBytes; // guarded by the Lanes' lock
    int queuedMessages; // guarded by the Lanes' lock

    Lane(ByteBudget budget) {
      this.budget = budget;
    }
  }
}
