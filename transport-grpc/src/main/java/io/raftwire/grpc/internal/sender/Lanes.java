package io.raftwire.grpc.internal.sender;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.Priority;
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
 * ranges, regular before elastic) and SNAPSHOT (FIFO). Each lane has a byte budget under the
 * sender's global budget; an item stays charged from acceptance until it is acknowledged or
 * dropped, so the bytes a sender holds in lanes, in gRPC's buffers and on the wire never exceed the
 * budgets.
 *
 * <p>Priority is a dimension of the APPEND lane: elastic APPENDs are charged to an elastic share of
 * the lane ({@link TransportLimits#elasticAppendLaneBytes()}) and of the global budget ({@link
 * TransportLimits#elasticGlobalQueueBytes()}), so they can never take the bytes regular appends
 * need; and regular and elastic APPENDs wait in separate round robins, regular always polled
 * first, so a regular append never waits behind a queued elastic one of another range. A range's
 * messages keep their order (its log's order): a regular append for a range with elastic appends
 * queued promotes them to the regular round robin ahead of it, so elastic appends of a range always
 * follow its regular ones. A batch takes elastic bytes only up to the caller's bound (see {@link
 * #poll}).
 *
 * <p>Priority is a dimension of the CONTROL lane too, for a different reason: there it protects
 * responses. A CONTROL message marked {@link Priority#ELASTIC} (background CONTROL, such as the
 * heartbeats of idle ranges that an adapter sends as envelopes rather than coalesced) is charged
 * to an elastic share of the lane ({@link #elasticControlLaneBytes}: {@link
 * TransportLimits#elasticQueueShare()} of {@link TransportLimits#controlLaneBytes()}, half by
 * default), so the rest of the lane (2 MiB of 4 by default) is reserved for regular CONTROL:
 * append and vote responses, votes, timeout-now. However many idle heartbeats wait, a response
 * still finds room. Only the budget is split: the CONTROL queue stays one FIFO, so a range's
 * CONTROL messages keep their order whatever their priorities. A CONTROL refusal for the lane's
 * budget is the lane's saturation signal ({@link ControlSaturation}: a metric and a rate-limited line).
 *
 * <p>Thread-safe: queue state is guarded by this object's lock, held briefly; charging is
 * lock-free.
 */
final class Lanes {
  private final Lane control;
  private final ByteBudget elasticControl;
  private final ControlSaturation saturation;
  private final Supplier<TransportLimits> limits;
  private final Lane append;
  private final Lane snapshot;
  private final ByteBudget elasticAppend;
  private final ByteBudget global;
  private final ByteBudget globalElastic;

  @GuardedBy("this")
  private final ArrayDeque<Outbound> controlQueue = new ArrayDeque<>();

  @GuardedBy("this")
  private final DrrQueue regularQueue;

  @GuardedBy("this")
  private final DrrQueue elasticQueue;

  @GuardedBy("this")
  private final ArrayDeque<Outbound> snapshotQueue = new ArrayDeque<>();

  @GuardedBy("this")
  private long elasticQueuedBytes;

  /**
   * @param global the sender's budget across destinations
   * @param globalElastic the sender's elastic budget across destinations (a root of its own: an
   *     elastic APPEND is charged to it and to its lane, which sits under {@code global})
   */
  Lanes(String destination, ByteBudget global, ByteBudget globalElastic, Supplier<TransportLimits> limits,
      long drrQuantumBytes, ControlSaturation saturation) {
    this.limits = limits;
    this.saturation = saturation;
    this.global = global;
    this.globalElastic = globalElastic;
    this.control = new Lane(global.child(destination + ".control", () -> limits.get().controlLaneBytes()));
    this.append = new Lane(global.child(destination + ".append", () -> limits.get().appendLaneBytes()));
    this.snapshot = new Lane(global.child(destination + ".snapshot", () -> limits.get().snapshotLaneBytes()));
    this.elasticAppend =
        append.budget.child(destination + ".append.elastic", () -> limits.get().elasticAppendLaneBytes());
    this.elasticControl =
        control.budget.child(destination + ".control.elastic", () -> elasticControlLaneBytes(limits.get()));
    this.regularQueue = new DrrQueue(drrQuantumBytes);
    this.elasticQueue = new DrrQueue(drrQuantumBytes);
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

  private static boolean elastic(Outbound item) {
    return item.lane() == TrafficClass.APPEND && item.priority() == Priority.ELASTIC;
  }

  private static boolean elasticControl(Outbound item) {
    return item.lane() == TrafficClass.CONTROL && item.priority() == Priority.ELASTIC;
  }

  /**
   * The most bytes elastic CONTROL may hold in one destination's CONTROL lane: {@link
   * TransportLimits#elasticQueueShare()} of {@link TransportLimits#controlLaneBytes()} (2 MiB of 4
   * by default); the rest is reserved for regular CONTROL.
   */
  static long elasticControlLaneBytes(TransportLimits limits) {
    return (long) (limits.controlLaneBytes() * limits.elasticQueueShare());
  }

  /**
   * Takes {@code message}'s bytes from its lane's budget and the global one; an elastic APPEND from
   * the lane's and the sender's elastic shares too.
   *
   * @return {@code LANE_BUDGET} or {@code GLOBAL_BUDGET} if one has no room (nothing taken), or
   *     null if charged
   */
  @Nullable DropReason charge(EnvelopeMessage message) {
    if (elasticControl(message)) {
      ByteBudget refused = elasticControl.tryAcquire(message.sizeBytes());
      if (refused != null) {
        return controlRefused(refused, true);
      }
      message.chargedTo(elasticControl, null);
      return null;
    }
    if (!elastic(message)) {
      ByteBudget budget = lane(message.lane()).budget;
      ByteBudget refused = budget.tryAcquire(message.sizeBytes());
      if (refused != null) {
        return message.lane() == TrafficClass.CONTROL
            ? controlRefused(refused, false)
            : refused == global ? DropReason.GLOBAL_BUDGET : DropReason.LANE_BUDGET;
      }
      message.chargedTo(budget, null);
      return null;
    }
    if (globalElastic.tryAcquire(message.sizeBytes()) != null) {
      return DropReason.GLOBAL_BUDGET;
    }
    ByteBudget refused = elasticAppend.tryAcquire(message.sizeBytes());
    if (refused != null) {
      globalElastic.release(message.sizeBytes());
      return refused == global ? DropReason.GLOBAL_BUDGET : DropReason.LANE_BUDGET;
    }
    message.chargedTo(elasticAppend, globalElastic);
    return null;
  }

  private DropReason controlRefused(ByteBudget refused, boolean elastic) {
    if (refused == global) {
      return DropReason.GLOBAL_BUDGET;
    }
    TransportLimits current = limits.get();
    long laneBytes = current.controlLaneBytes();
    saturation.refused(elastic, laneBytes, laneBytes - elasticControlLaneBytes(current));
    return DropReason.LANE_BUDGET;
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
        if (elastic(item)) {
          elasticQueue.add(item);
          elasticQueuedBytes += item.sizeBytes();
        } else {
          for (Outbound earlier : elasticQueue.remove(item.range())) {
            elasticQueuedBytes -= earlier.sizeBytes();
            regularQueue.add(earlier); // promoted: the range's order stays
          }
          regularQueue.add(item);
        }
        break;
      case SNAPSHOT:
        snapshotQueue.addLast(item);
        break;
    }
  }

  /**
   * Moves up to {@code maxMessages} items of the stream's lanes into {@code batch}, stopping once
   * {@code targetBytes} is reached (so a batch exceeds it by at most one item). DATA takes regular
   * APPENDs, then elastic APPENDs while the batch holds less than {@code elasticBytes} of them,
   * then SNAPSHOT; so a batch never puts a regular append behind an elastic one, and a regular
   * append that arrives while a batch is on its way waits behind at most {@code elasticBytes} (plus
   * one message) of elastic work in it. The items stay charged.
   *
   * @param elasticBytes elastic bytes this batch may take; {@code <= 0} takes none
   */
  synchronized void poll(StreamKind stream, long targetBytes, int maxMessages, long elasticBytes,
      List<Outbound> batch) {
    long bytes = 0;
    long elasticTaken = 0;
    while (batch.size() < maxMessages && bytes < targetBytes) {
      Outbound next;
      if (stream == StreamKind.CONTROL) {
        next = controlQueue.pollFirst();
      } else {
        next = regularQueue.poll();
        if (next == null && elasticTaken < elasticBytes) {
          next = elasticQueue.poll();
          if (next != null) {
            elasticTaken += next.sizeBytes();
            elasticQueuedBytes -= next.sizeBytes();
          }
        }
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
        : regularQueue.size() > 0 || elasticQueue.size() > 0 || !snapshotQueue.isEmpty();
  }

  /** Removes every queued item (not those in flight); their charges stay until released. */
  synchronized List<Outbound> removeQueued() {
    List<Outbound> all = new ArrayList<>(controlQueue);
    all.addAll(regularQueue.drain());
    all.addAll(elasticQueue.drain());
    all.addAll(snapshotQueue);
    controlQueue.clear();
    snapshotQueue.clear();
    elasticQueuedBytes = 0;
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

  /**
   * Bytes of APPENDs waiting in the APPEND lane's round robin of {@code priority} (elastic appends
   * promoted ahead of a regular one of their range count as regular).
   */
  synchronized long queuedAppendBytes(Priority priority) {
    return priority == Priority.ELASTIC ? elasticQueuedBytes : append.queuedBytes - elasticQueuedBytes;
  }

  /** {@return the budget of {@code trafficClass}'s lane now, in bytes} */
  long limitBytes(TrafficClass trafficClass) {
    return lane(trafficClass).budget.limitBytes();
  }

  /** {@return the budget of the CONTROL lane's elastic share now, in bytes} */
  long elasticControlLimitBytes() {
    return elasticControl.limitBytes();
  }

  /** {@return the budget of the APPEND lane's elastic share now, in bytes} */
  long elasticLimitBytes() {
    return elasticAppend.limitBytes();
  }

  /** Bytes charged to the CONTROL lane's elastic share: queued or in flight. */
  long chargedElasticControlBytes() {
    return elasticControl.usedBytes();
  }

  /** Bytes charged to the APPEND lane's elastic share: queued or in flight. */
  long chargedElasticBytes() {
    return elasticAppend.usedBytes();
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
