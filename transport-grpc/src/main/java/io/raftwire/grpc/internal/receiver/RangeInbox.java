package io.raftwire.grpc.internal.receiver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.InboundHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The queues and handler of one registered range: a CONTROL queue and an APPEND (and SNAPSHOT)
 * queue, each with a byte budget under the receiver's shared one, and the APPEND queue also bounded
 * in messages. Elastic APPENDs are also charged to the receiver's elastic share, so they never fill
 * the shared budget regular appends need. The APPEND queue stays FIFO (a range's log order), so
 * priority acts across ranges: a range with a regular APPEND queued waits in the scheduler's
 * regular queue, one with only elastic work in the elastic queue ({@link Turn}). Queue state is guarded by the inbox's monitor; {@link #deliveryLock} is held while a
 * batch is taken and delivered, which makes deliveries serial and lets unregistration wait for the
 * one in progress.
 */
final class RangeInbox {
  final RangeId range;
  final InboundHandler handler;
  final ReentrantLock deliveryLock = new ReentrantLock();
  private final ByteBudget controlBudget;
  private final ByteBudget bulkBudget;
  private final ByteBudget elasticShared;

  @GuardedBy("this")
  boolean open = true;

  /** A worker is delivering this range. */
  @GuardedBy("this")
  private boolean running;

  /** Queued for the scheduler's urgent (CONTROL) queue. */
  @GuardedBy("this")
  private boolean inUrgent;

  /** Queued for the scheduler's regular queue. */
  @GuardedBy("this")
  private boolean inRegular;

  /** Queued for the scheduler's elastic queue. */
  @GuardedBy("this")
  private boolean inElastic;

  /** Regular APPENDs in {@link #bulk}. */
  @GuardedBy("this")
  private int regularBulk;

  @GuardedBy("this")
  private final ArrayDeque<InboundMessage> control = new ArrayDeque<>();

  @GuardedBy("this")
  private final ArrayDeque<InboundMessage> bulk = new ArrayDeque<>();

  /**
   * @param controlBudget this range's CONTROL bytes, under the receiver's CONTROL budget
   * @param bulkBudget this range's APPEND and SNAPSHOT bytes, under the receiver's receive budget
   * @param elasticShared the receiver's elastic share, charged beside {@code bulkBudget} for
   *     elastic APPENDs
   */
  RangeInbox(RangeId range, InboundHandler handler, ByteBudget controlBudget, ByteBudget bulkBudget,
      ByteBudget elasticShared) {
    this.range = range;
    this.handler = handler;
    this.controlBudget = controlBudget;
    this.bulkBudget = bulkBudget;
    this.elasticShared = elasticShared;
  }

  private static boolean isElastic(InboundMessage m) {
    return m.envelope.trafficClass() == TrafficClass.APPEND && m.envelope.priority() == Priority.ELASTIC;
  }

  private static boolean isRegularAppend(InboundMessage m) {
    return m.envelope.trafficClass() == TrafficClass.APPEND && m.envelope.priority() == Priority.REGULAR;
  }

  /**
   * Queues {@code message} if its queue and the receiver have room.
   *
   * @return {@code UNKNOWN_RANGE} once unregistered, {@code RECEIVER_BUDGET} without room, or null
   */
  @GuardedBy("this")
  @Nullable DropReason offer(InboundMessage message, ReceiverLimits limits) {
    if (!open) {
      return DropReason.UNKNOWN_RANGE;
    }
    if (message.envelope.trafficClass() == TrafficClass.CONTROL) {
      if (controlBudget.tryAcquire(message.sizeBytes) != null) {
        return DropReason.RECEIVER_BUDGET;
      }
      control.addLast(message);
    } else {
      if (bulk.size() >= limits.rangeAppendQueueMessages()) {
        return DropReason.RECEIVER_BUDGET;
      }
      boolean elastic = isElastic(message);
      if (elastic && elasticShared.tryAcquire(message.sizeBytes) != null) {
        return DropReason.RECEIVER_BUDGET;
      }
      if (bulkBudget.tryAcquire(message.sizeBytes) != null) {
        if (elastic) {
          elasticShared.release(message.sizeBytes);
        }
        return DropReason.RECEIVER_BUDGET;
      }
      bulk.addLast(message);
      if (isRegularAppend(message)) {
        regularBulk++;
      }
    }
    return null;
  }

  /**
   * All CONTROL messages, then up to {@code maxBulk} others ({@code 0}: CONTROL only); their bytes
   * leave the budgets.
   */
  @GuardedBy("this")
  List<InboundMessage> takeBatch(int maxBulk) {
    List<InboundMessage> batch = new ArrayList<>(control.size() + Math.min(maxBulk, bulk.size()));
    long controlBytes = 0;
    for (InboundMessage m : control) {
      controlBytes += m.sizeBytes;
    }
    batch.addAll(control);
    control.clear();
    long bulkBytes = 0;
    long elasticBytes = 0;
    for (int i = 0; i < maxBulk && !bulk.isEmpty(); i++) {
      InboundMessage m = bulk.pollFirst();
      bulkBytes += m.sizeBytes;
      if (isElastic(m)) {
        elasticBytes += m.sizeBytes;
      } else if (isRegularAppend(m)) {
        regularBulk--;
      }
      batch.add(m);
    }
    controlBudget.release(controlBytes);
    bulkBudget.release(bulkBytes);
    elasticShared.release(elasticBytes);
    return batch;
  }

  /**
   * After a message was added (under this lock): which scheduler queue this range must join now,
   * if any. A range joins the urgent queue when a CONTROL message comes, and the regular queue when
   * a regular APPEND comes while it waits only in the elastic one (the elastic entry turns stale).
   *
   * @return the queue to join, or null for none
   */
  @GuardedBy("this")
  @Nullable Turn toSchedule() {
    if (running) {
      return null; // its worker schedules it again when done
    }
    if (!control.isEmpty() && !inUrgent) {
      inUrgent = true;
      return Turn.URGENT;
    }
    if (inUrgent || inRegular || bulk.isEmpty()) {
      return null; // the urgent turn reschedules what it leaves
    }
    if (regularBulk > 0) {
      inRegular = true;
      return Turn.REGULAR;
    }
    if (!inElastic) {
      inElastic = true;
      return Turn.ELASTIC;
    }
    return null;
  }

  /** A worker took this range from a queue: true if it should deliver it now. */
  synchronized boolean claim(Turn turn) {
    switch (turn) {
      case URGENT:
        inUrgent = false;
        break;
      case REGULAR:
        inRegular = false;
        break;
      case ELASTIC:
        inElastic = false;
        break;
    }
    if (running || (control.isEmpty() && bulk.isEmpty())) {
      return false; // a stale entry: another worker has it, or nothing is left
    }
    running = true;
    return true;
  }

  /** Ends a worker's turn: which queue the range must join again, if more is queued. */
  synchronized @Nullable Turn finishRound() {
    running = false;
    if (control.isEmpty() && bulk.isEmpty()) {
      return null;
    }
    return toSchedule();
  }
}
