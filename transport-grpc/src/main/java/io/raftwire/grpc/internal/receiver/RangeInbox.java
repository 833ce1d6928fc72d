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
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The queues and handler of one registered range: a CONTROL queue and an APPEND (and SNAPSHOT)
 * queue, each with a byte budget under the receiver's shared one, and the APPEND queue also bounded
 * in messages. Elastic APPENDs are also charged to the receiver's elastic share, so they never fill
 * the shared budget regular appends need; elastic CONTROL (background heartbeats sent as
 * envelopes) to the receiver's elastic CONTROL share, so responses and votes always find room. The APPEND queue stays FIFO (a range's log order), so
 * priority acts across ranges: a range with a regular APPEND queued waits in the scheduler's
 * regular queue, one with only elastic work in the elastic queue ({@link Turn}).
 *
 * <p>All state is guarded by the inbox's monitor; there is no lock of its own for deliveries. A
 * worker claims the range ({@link #claim}: {@code running}, and the delivering thread is
 * remembered) before it takes a batch and gives it back in {@link #finishRound}, so deliveries are
 * serial, and unregistration waits on the monitor for the one in progress ({@link
 * #awaitIdle}).
 *
 * <p><b>Small when idle.</b> The queues are allocated with the first message that needs one and
 * dropped again when a batch empties them after a burst (a queue that held more than {@link
 * #KEEP_QUEUE_UP_TO} messages), so a registered range that gets no envelopes (its heartbeats
 * coalesced) holds no queue at all, and one burst does not leave a large array behind.
 */
final class RangeInbox {
  final RangeId range;
  final InboundHandler handler;

  /** A queue that held more messages than this is dropped once emptied (kept for reuse below it). */
  static final int KEEP_QUEUE_UP_TO = 16;

  /** Initial capacity of a queue: one heartbeat and its company. */
  private static final int INITIAL_QUEUE_CAPACITY = 4;
  private final ByteBudget controlBudget;
  private final ByteBudget bulkBudget;
  private final ByteBudget elasticShared;
  private final ByteBudget elasticControlShared;

  @GuardedBy("this")
  boolean open = true;

  /** A worker is delivering this range. */
  @GuardedBy("this")
  private boolean running;

  /** The thread delivering this range while {@link #running}. */
  @GuardedBy("this")
  private @Nullable Thread deliverer;

  /** A thread waits in {@link #awaitIdle} for the delivery in progress to end. */
  @GuardedBy("this")
  private boolean idleAwaited;

  /** Most messages {@link #control} held since it was allocated. */
  @GuardedBy("this")
  private int controlPeak;

  /** Most messages {@link #bulk} held since it was allocated. */
  @GuardedBy("this")
  private int bulkPeak;

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

  /** CONTROL messages; null while none came since it was last dropped. */
  @GuardedBy("this")
  private @Nullable ArrayDeque<InboundMessage> control;

  /** APPEND and SNAPSHOT messages, FIFO; null while none came since it was last dropped. */
  @GuardedBy("this")
  private @Nullable ArrayDeque<InboundMessage> bulk;

  /**
   * @param controlBudget this range's CONTROL bytes, under the receiver's CONTROL budget
   * @param bulkBudget this range's APPEND and SNAPSHOT bytes, under the receiver's receive budget
   * @param elasticShared the receiver's elastic share, charged beside {@code bulkBudget} for
   *     elastic APPENDs
   * @param elasticControlShared the receiver's elastic CONTROL share, charged beside {@code
   *     controlBudget} for elastic CONTROL messages
   */
  RangeInbox(RangeId range, InboundHandler handler, ByteBudget controlBudget, ByteBudget bulkBudget,
      ByteBudget elasticShared, ByteBudget elasticControlShared) {
    this.range = range;
    this.handler = handler;
    this.controlBudget = controlBudget;
    this.bulkBudget = bulkBudget;
    this.elasticShared = elasticShared;
    this.elasticControlShared = elasticControlShared;
  }

  /** {@return bytes of APPEND and SNAPSHOT messages queued for this range} */
  long queuedAppendBytes() {
    return bulkBudget.usedBytes();
  }

  /** {@return bytes of CONTROL messages queued for this range} */
  long queuedControlBytes() {
    return controlBudget.usedBytes();
  }

  private static boolean isElastic(InboundMessage m) {
    return m.envelope.trafficClass() == TrafficClass.APPEND && m.envelope.priority() == Priority.ELASTIC;
  }

  private static boolean isElasticControl(InboundMessage m) {
    return m.envelope.trafficClass() == TrafficClass.CONTROL && m.envelope.priority() == Priority.ELASTIC;
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
      boolean elastic = isElasticControl(message);
      if (elastic && elasticControlShared.tryAcquire(message.sizeBytes) != null) {
        return DropReason.RECEIVER_BUDGET;
      }
      if (controlBudget.tryAcquire(message.sizeBytes) != null) {
        if (elastic) {
          elasticControlShared.release(message.sizeBytes);
        }
        return DropReason.RECEIVER_BUDGET;
      }
      if (control == null) {
        control = new ArrayDeque<>(INITIAL_QUEUE_CAPACITY);
      }
      control.addLast(message);
      controlPeak = Math.max(controlPeak, control.size());
    } else {
      if (bulkSize() >= limits.rangeAppendQueueMessages()) {
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
      if (bulk == null) {
        bulk = new ArrayDeque<>(INITIAL_QUEUE_CAPACITY);
      }
      bulk.addLast(message);
      bulkPeak = Math.max(bulkPeak, bulk.size());
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
    int controlCount = control == null ? 0 : control.size();
    int bulkCount = bulk == null ? 0 : Math.min(maxBulk, bulk.size());
    if (controlCount + bulkCount == 0) {
      return List.of();
    }
    List<InboundMessage> batch = new ArrayList<>(controlCount + bulkCount);
    if (control != null) {
      long controlBytes = 0;
      long elasticControlBytes = 0;
      for (InboundMessage m : control) {
        controlBytes += m.sizeBytes;
        if (isElasticControl(m)) {
          elasticControlBytes += m.sizeBytes;
        }
      }
      batch.addAll(control);
      control.clear();
      controlBudget.release(controlBytes);
      elasticControlShared.release(elasticControlBytes);
      if (controlPeak > KEEP_QUEUE_UP_TO) {
        control = null; // after a burst: let its large array go
        controlPeak = 0;
      }
    }
    if (bulk != null) {
      long bulkBytes = 0;
      long elasticBytes = 0;
      for (int i = 0; i < bulkCount; i++) {
        InboundMessage m = bulk.pollFirst();
        bulkBytes += m.sizeBytes;
        if (isElastic(m)) {
          elasticBytes += m.sizeBytes;
        } else if (isRegularAppend(m)) {
          regularBulk--;
        }
        batch.add(m);
      }
      bulkBudget.release(bulkBytes);
      elasticShared.release(elasticBytes);
      if (bulk.isEmpty() && bulkPeak > KEEP_QUEUE_UP_TO) {
        bulk = null;
        bulkPeak = 0;
      }
    }
    return batch;
  }

  @GuardedBy("this")
  private boolean controlEmpty() {
    return control == null || control.isEmpty();
  }

  @GuardedBy("this")
  private int bulkSize() {
    return bulk == null ? 0 : bulk.size();
  }

  /** True if the queues hold nothing (for tests: an idle inbox holds no queue arrays). */
  synchronized boolean holdsNoQueues() {
    return control == null && bulk == null;
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
    if (!controlEmpty() && !inUrgent) {
      inUrgent = true;
      return Turn.URGENT;
    }
    if (inUrgent || inRegular || bulkSize() == 0) {
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
    if (running || (controlEmpty() && bulkSize() == 0)) {
      return false; // a stale entry: another worker has it, or nothing is left
    }
    running = true;
    deliverer = Thread.currentThread();
    return true;
  }

  /** Ends a worker's turn: which queue the range must join again, if more is queued. */
  synchronized @Nullable Turn finishRound() {
    running = false;
    deliverer = null;
    if (idleAwaited) {
      idleAwaited = false;
      notifyAll();
    }
    if (controlEmpty() && bulkSize() == 0) {
      return null;
    }
    return toSchedule();
  }

  /** True if the calling thread is delivering this range (unregistration from inside the handler). */
  synchronized boolean deliveringOnThisThread() {
    return deliverer == Thread.currentThread();
  }

  /**
   * Waits up to {@code nanos} (real time) for the delivery in progress, if any, to end.
   *
   * @return true if no delivery is in progress any more
   */
  synchronized boolean awaitIdle(long nanos) throws InterruptedException {
    long left = nanos;
    while (running) {
      if (left <= 0) {
        return false;
      }
      idleAwaited = true;
      long start = System.nanoTime();
      TimeUnit.NANOSECONDS.timedWait(this, left);
      left -= System.nanoTime() - start;
    }
    return true;
  }
}
