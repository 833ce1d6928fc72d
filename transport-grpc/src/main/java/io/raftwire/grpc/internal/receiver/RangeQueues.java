package io.raftwire.grpc.internal.receiver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.Registration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registered ranges' inboxes: admission of arriving messages against the per-range and
 * shared budgets, and the worker turns that drain them through {@link Delivery}. A range is
 * scheduled once while it has pending work; its deliveries are serial, CONTROL first, and a worker
 * delivers one batch before it yields to the next range. Ranges with CONTROL waiting get most
 * turns and ranges with regular APPENDs queued are served before ranges with only elastic work,
 * each within the weights {@link RunQueue} keeps, so no kind of work is starved. The ranges a frame
 * makes ready are handed to the workers together ({@link #admit(RaftEnvelope, LateRefusals,
 * ReadyRanges)}, {@link #schedule}). Messages refused after they were queued (handler failure,
 * unregistration, close) are refused to the stream they came on. Thread-safe.
 *
 * <p>Metrics: {@link GrpcMetrics#RECEIVER_QUEUED_APPEND_BYTES}, {@link
 * GrpcMetrics#RECEIVER_QUEUED_CONTROL_BYTES}, {@link GrpcMetrics#RECEIVER_QUEUED_ELASTIC_CONTROL_BYTES},
 * {@link GrpcMetrics#RECEIVER_QUEUED_MESSAGES}, {@link
 * GrpcMetrics#RECEIVER_SCHEDULER_BACKLOG}, {@link GrpcMetrics#RECEIVER_SCHEDULER_WAKEUPS}, and drops
 * by reason.
 */
public final class RangeQueues implements Intake, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RangeQueues.class);

  private final StoreId local;
  private final Supplier<ReceiverLimits> limits;
  private final ByteBudget controlBytes;
  private final ByteBudget bulkBytes;
  private final ByteBudget elasticBytes;
  private final ByteBudget elasticControlBytes;
  private final ConcurrentHashMap<RangeId, RangeInbox> ranges = new ConcurrentHashMap<>();
  private final AtomicInteger queuedMessages = new AtomicInteger();
  private final RangeScheduler scheduler;
  private final Delivery delivery;
  private final int deliveryBatchMessages;
  private final Timebase timebase;
  private final ReceiverMetrics counters;
  private final Object lifecycle = new Object();
  private final TopRanges topRanges;
  private final Timebase.@Nullable Cancellable topRangesRefresh;
  private volatile boolean closed;

  /**
   * @param limits read for every arriving message
   * @param workerThreads threads that run handlers
   * @param deliveryBatchMessages most APPEND or SNAPSHOT messages per handler call
   * @param rangeQueueGauges how many ranges (those with the most bytes queued) have per-range
   *     queue gauges, chosen anew every {@link TopRanges#REFRESH_NANOS}; 0 for none
   * @param delivered told of the APPENDs with entries each handler call took
   */
  public RangeQueues(StoreId local, Supplier<ReceiverLimits> limits, int workerThreads, int deliveryBatchMessages,
      int rangeQueueGauges, DeliveredAppends delivered, Timebase timebase, StoreMetrics metrics, ReceiverMetrics counters) {
    this.local = local;
    this.limits = limits;
    this.deliveryBatchMessages = deliveryBatchMessages;
    this.timebase = timebase;
    this.counters = counters;
    this.controlBytes = ByteBudget.root("receiver.control", () -> limits.get().controlBudgetBytes());
    this.bulkBytes = ByteBudget.root("receiver.append", () -> limits.get().receiveBudgetBytes());
    this.elasticBytes = ByteBudget.root("receiver.elastic", () -> limits.get().elasticReceiveBudgetBytes());
    this.elasticControlBytes = ByteBudget.root("receiver.control.elastic", () -> elasticControlBudgetBytes(limits.get()));
    this.delivery = new Delivery(local, timebase, delivered, metrics);
    this.scheduler = new RangeScheduler(workerThreads, "raftwire-" + local + "-worker-", this::drain,
        metrics.counter(GrpcMetrics.RECEIVER_SCHEDULER_WAKEUPS));
    metrics.gauge(GrpcMetrics.RECEIVER_QUEUED_APPEND_BYTES, bulkBytes::usedBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_LIMIT_APPEND_BYTES, bulkBytes::limitBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_QUEUED_CONTROL_BYTES, controlBytes::usedBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_LIMIT_CONTROL_BYTES, controlBytes::limitBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_QUEUED_ELASTIC_BYTES, elasticBytes::usedBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_LIMIT_ELASTIC_BYTES, elasticBytes::limitBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_QUEUED_ELASTIC_CONTROL_BYTES, elasticControlBytes::usedBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_LIMIT_ELASTIC_CONTROL_BYTES, elasticControlBytes::limitBytes);
    metrics.gauge(GrpcMetrics.RECEIVER_QUEUED_MESSAGES, queuedMessages::get);
    metrics.gauge(GrpcMetrics.RECEIVER_SCHEDULER_BACKLOG, scheduler::backlog);
    metrics.gauge(GrpcMetrics.RECEIVER_RANGE_LIMIT_APPEND_BYTES, () -> limits.get().rangeAppendQueueBytes());
    metrics.gauge(GrpcMetrics.RECEIVER_RANGE_LIMIT_CONTROL_BYTES, () -> limits.get().rangeControlQueueBytes());
    this.topRanges = new TopRanges(rangeQueueGauges, ranges.values(), metrics);
    this.topRangesRefresh = rangeQueueGauges > 0
        ? timebase.scheduleWithFixedDelay(topRanges::refresh, TopRanges.REFRESH_NANOS, TopRanges.REFRESH_NANOS)
        : null;
  }

  /** Gives the per-range queue gauges to the ranges with the most bytes queued now (tests call it). */
  void refreshRangeGauges() {
    topRanges.refresh();
  }

  /**
   * The most bytes elastic CONTROL of all ranges together may have queued: {@link
   * ReceiverLimits#elasticReceiveShare()} of {@link ReceiverLimits#controlBudgetBytes()}.
   */
  static long elasticControlBudgetBytes(ReceiverLimits limits) {
    return (long) (limits.controlBudgetBytes() * limits.elasticReceiveShare());
  }

  /** Registers the handler of {@code range}; see {@code RaftTransport#register}. */
  public Registration register(RangeId range, InboundHandler handler) {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("transport of " + local + " is closed");
      }
      RangeInbox inbox = new RangeInbox(range, handler,
          controlBytes.child(range + ".control", () -> limits.get().rangeControlQueueBytes()),
          bulkBytes.child(range + ".append", () -> limits.get().rangeAppendQueueBytes()), elasticBytes,
          elasticControlBytes);
      if (ranges.putIfAbsent(range, inbox) != null) {
        throw new IllegalStateException(range + " already has a handler on " + local);
      }
      return () -> unregister(inbox, DropReason.UNKNOWN_RANGE, Long.MAX_VALUE);
    }
  }

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public @Nullable DropReason admit(RaftEnvelope envelope, LateRefusals origin, @Nullable ReadyRanges ready) {
    if (closed) {
      return DropReason.CLOSED;
    }
    if (!envelope.to().store().equals(local)) {
      return DropReason.WRONG_DESTINATION;
    }
    ReceiverLimits current = limits.get();
    if (envelope.sizeBytes() > current.maxMessageBytes()) {
      return DropReason.TOO_LARGE;
    }
    RangeInbox inbox = ranges.get(envelope.range());
    if (inbox == null) {
      return DropReason.UNKNOWN_RANGE;
    }
    InboundMessage message = new InboundMessage(envelope, origin, timebase.nanoTime());
    Turn queue;
    synchronized (inbox) {
      DropReason refusal = inbox.offer(message, current);
      if (refusal != null) {
        return refusal;
      }
      queuedMessages.incrementAndGet();
      queue = inbox.toSchedule();
    }
    if (queue != null) {
      if (ready != null) {
        ready.add(inbox, queue);
      } else {
        schedule(inbox, queue);
      }
    }
    return null;
  }

  @Override
  public void schedule(ReadyRanges ready) {
    if (ready.isEmpty()) {
      return;
    }
    if (!scheduler.submitAll(ready)) {
      for (RangeInbox inbox : ready.inboxes) {
        refuseAll(inbox);
      }
    }
    ready.clear();
  }

  private void schedule(RangeInbox inbox, Turn turn) {
    if (!scheduler.submit(inbox, turn)) {
      refuseAll(inbox);
    }
  }

  private void refuseAll(RangeInbox inbox) {
    List<InboundMessage> all;
    synchronized (inbox) {
      all = take(inbox, Integer.MAX_VALUE);
    }
    refuse(all, DropReason.CLOSED);
  }

  /**
   * A worker's turn on {@code inbox}: one batch, then the worker yields to the next range.
   *
   * @return the turn the range waits for again, or null
   */
  private @Nullable Turn drain(RangeInbox inbox, Turn turn) {
    if (!inbox.claim(turn)) {
      return null;
    }
    Turn again;
    try {
      List<InboundMessage> batch;
      boolean open;
      synchronized (inbox) {
        open = inbox.open;
        // An urgent turn delivers the heartbeats and votes alone: cheap, so that when every range
        // has one waiting, a round over all of them stays short. Appends wait for a normal turn.
        batch = take(inbox, turn == Turn.URGENT ? 0 : deliveryBatchMessages);
      }
      if (!batch.isEmpty()) {
        if (!open) {
          refuse(batch, closed ? DropReason.CLOSED : DropReason.UNKNOWN_RANGE);
        } else if (!delivery.deliver(inbox, batch)) {
          refuse(batch, DropReason.HANDLER_FAILED);
        }
      }
    } finally {
      again = inbox.finishRound(); // its worker hands it back to the scheduler with its next take
    }
    return again;
  }

  @GuardedBy("inbox")
  private List<InboundMessage> take(RangeInbox inbox, int maxBulk) {
    List<InboundMessage> batch = inbox.takeBatch(maxBulk);
    queuedMessages.addAndGet(-batch.size());
    return batch;
  }

  private void refuse(List<InboundMessage> messages, DropReason reason) {
    for (InboundMessage m : messages) {
      counters.dropped(reason);
      m.origin.refuseLate(m.envelope, WireCodec.refusalCode(reason));
    }
  }

  private void unregister(RangeInbox inbox, DropReason reason, long waitNanos) {
    List<InboundMessage> queued;
    synchronized (inbox) {
      inbox.open = false;
      queued = take(inbox, Integer.MAX_VALUE);
    }
    ranges.remove(inbox.range, inbox);
    refuse(queued, reason);
    if (inbox.deliveringOnThisThread()) {
      return; // from inside the handler: the current delivery is the last
    }
    try {
      if (!inbox.awaitIdle(waitNanos)) {
        log.warn("{}: handler of {} still delivering at close", local, inbox.range);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Refuses everything queued as {@code CLOSED} and stops the workers; waits at most {@code
   * timeoutNanos} (real time) for a delivery in progress.
   */
  public void close(long timeoutNanos) {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (topRangesRefresh != null) {
      topRangesRefresh.cancel();
    }
    topRanges.clear();
    long deadline = System.nanoTime() + timeoutNanos;
    for (RangeInbox inbox : ranges.values()) {
      unregister(inbox, DropReason.CLOSED, Math.max(0, deadline - System.nanoTime()));
    }
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(Math.max(0, deadline - System.nanoTime()))) {
        log.warn("{}: workers still busy after close (a handler is blocked)", local);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(TimeUnit.SECONDS.toNanos(5));
  }

  /** Bytes held by the shared budgets (CONTROL and the rest): zero when nothing is queued. */
  long heldBytes() {
    return controlBytes.usedBytes() + bulkBytes.usedBytes() + elasticBytes.usedBytes()
        + elasticControlBytes.usedBytes();
  }
}
