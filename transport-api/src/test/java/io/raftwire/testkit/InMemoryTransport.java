package io.raftwire.testkit;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One store's transport in an {@link InMemoryNetwork}; see there for the semantics. */
final class InMemoryTransport implements RaftTransport {
  private static final Logger log = LoggerFactory.getLogger(InMemoryTransport.class);

  /** Most messages other than CONTROL in one delivered batch; CONTROL is never split. */
  static final int MAX_BATCH_MESSAGES = 64;

  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final InMemoryNetwork network;
  private final StoreId store;
  private volatile TransportLimits limits;
  private final AtomicLong globalQueuedBytes = new AtomicLong();
  private final ConcurrentHashMap<StoreId, InMemoryNetwork.OutLink> links =
      new ConcurrentHashMap<>();
  /** Messages this store accepted whose fate is not decided yet. */
  private final Set<Message> outstanding = ConcurrentHashMap.newKeySet();

  private final Object lifecycle = new Object();
  private final ConcurrentHashMap<RangeId, RangeSlot> ranges = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<DropListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ExecutorService workers;
  private final ExecutorService notifier;

  InMemoryTransport(
      InMemoryNetwork network, StoreId store, TransportLimits limits, int workerThreads) {
    this.network = network;
    this.store = store;
    this.limits = limits;
    AtomicInteger workerNumber = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            workerThreads,
            r -> daemon(r, "raftwire-inmemory-" + store + "-worker-" + workerNumber.incrementAndGet()));
    this.notifier =
        Executors.newSingleThreadExecutor(r -> daemon(r, "raftwire-inmemory-" + store + "-drops"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public StoreId localStore() {
    return store;
  }

  boolean isOpen() {
    return !closed.get();
  }

  @Override
  public SendResult send(RaftEnvelope envelope) {
    Objects.requireNonNull(envelope, "envelope");
    DropReason refusal = admit(envelope);
    if (refusal == null) {
      return SendResult.accepted();
    }
    notifyDropped(DroppedMessage.of(envelope, refusal, false));
    return SendResult.refused(refusal);
  }

  /** Charges and transmits {@code envelope}; returns the refusal reason, or null if accepted. */
  private DropReason admit(RaftEnvelope envelope) {
    if (closed.get()) {
      return DropReason.CLOSED;
    }
    if (!envelope.from().store().equals(store)) {
      return DropReason.WRONG_SOURCE;
    }
    TransportLimits current = limits;
    long size = envelope.sizeBytes();
    if (size > current.maxMessageBytes()) {
      return DropReason.TOO_LARGE;
    }
    StoreId destination = envelope.to().store();
    if (!network.isReachable(store, destination)) {
      return DropReason.UNREACHABLE;
    }
    InMemoryNetwork.OutLink link =
        links.computeIfAbsent(
            destination, d -> new InMemoryNetwork.OutLink(d, network.linkRandom(store, d)));
    synchronized (link) {
      AtomicLong lane = link.lane(envelope.trafficClass());
      if (lane.get() + size > current.laneBytes(envelope.trafficClass())) {
        return DropReason.LANE_BUDGET;
      }
      if (!reserveGlobal(size, current.globalQueueBytes())) {
        return DropReason.GLOBAL_BUDGET;
      }
      lane.addAndGet(size);
      Message message = new Message(this, link, envelope, true);
      outstanding.add(message);
      if (closed.get()) {
        // close() may have swept `outstanding` before the add: undo, and refuse.
        message.cancel();
        return DropReason.CLOSED;
      }
      network.transmit(link, message);
    }
    return null;
  }

  private boolean reserveGlobal(long size, long budget) {
    while (true) {
      long current = globalQueuedBytes.get();
      if (current + size > budget) {
        return false;
      }
      if (globalQueuedBytes.compareAndSet(current, current + size)) {
        return true;
      }
    }
  }

  private void release(Message message) {
    long size = message.envelope.sizeBytes();
    message.link.lane(message.envelope.trafficClass()).addAndGet(-size);
    globalQueuedBytes.addAndGet(-size);
    outstanding.remove(message);
  }

  long queuedBytes(StoreId destination, TrafficClass trafficClass) {
    InMemoryNetwork.OutLink link = links.get(destination);
    return link == null ? 0 : link.lane(trafficClass).get();
  }

  @Override
  public boolean isReachable(StoreId destination) {
    return !closed.get() && network.isReachable(store, destination);
  }

  @Override
  public Registration register(RangeId range, InboundHandler handler) {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(handler, "handler");
    synchronized (lifecycle) {
      if (closed.get()) {
        throw new IllegalStateException("transport of " + store + " is closed");
      }
      RangeSlot slot = new RangeSlot(range, handler);
      if (ranges.putIfAbsent(range, slot) != null) {
        throw new IllegalStateException(range + " already has a handler on " + store);
      }
      return () -> unregister(slot, DropReason.UNKNOWN_RANGE, Long.MAX_VALUE);
    }
  }

  @Override
  public Registration addDropListener(DropListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (lifecycle) {
      if (closed.get()) {
        throw new IllegalStateException("transport of " + store + " is closed");
      }
      listeners.add(listener);
    }
    return () -> listeners.remove(listener);
  }

  @Override
  public TransportLimits limits() {
    return limits;
  }

  @Override
  public void updateLimits(TransportLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
    }
    network.remove(this);
    long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
    for (Message message : outstanding) {
      message.dropPending(DropReason.CLOSED);
    }
    for (RangeSlot slot : ranges.values()) {
      unregister(slot, DropReason.CLOSED, Math.max(0, deadline - System.nanoTime()));
    }
    workers.shutdown();
    awaitQuietly(workers, deadline);
    notifier.shutdown();
    awaitQuietly(notifier, deadline);
    listeners.clear();
  }

  private void awaitQuietly(ExecutorService executor, long deadlineNanos) {
    try {
      if (!executor.awaitTermination(
          Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        log.warn("{}: threads still busy after close (a handler or listener is blocked)", store);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "InMemoryTransport{" + store + (closed.get() ? ", closed" : "") + "}";
  }

  // ---------------------------------------------------------------- receiving side

  /** A message arrives from the network. Must not block: may run under the sender's link lock. */
  void inbound(Message message) {
    if (closed.get()) {
      message.dropPending(DropReason.CLOSED);
      return;
    }
    RangeSlot slot = ranges.get(message.envelope.range());
    if (slot == null || !slot.offer(message)) {
      message.dropPending(DropReason.UNKNOWN_RANGE);
    }
  }

  private void schedule(RangeSlot slot) {
    try {
      workers.execute(() -> drain(slot));
    } catch (RejectedExecutionException shutDown) {
      // Only after close, which already swept the slot; sweep whatever raced in.
      for (Message message : slot.takeAll()) {
        message.dropPending(DropReason.CLOSED);
      }
    }
  }

  /** Delivers one batch of {@code slot}, then yields the worker to other ranges (fairness). */
  private void drain(RangeSlot slot) {
    slot.deliveryLock.lock();
    try {
      List<Message> batch;
      boolean open;
      synchronized (slot) {
        open = slot.open;
        batch = slot.takeBatch();
      }
      if (!batch.isEmpty()) {
        deliver(slot, batch, open);
      }
    } finally {
      slot.deliveryLock.unlock();
    }
    if (slot.finishRound()) {
      schedule(slot);
    }
  }

  // @GuardedBy("slot.deliveryLock")
  private void deliver(RangeSlot slot, List<Message> batch, boolean open) {
    if (!open) {
      DropReason reason = closed.get() ? DropReason.CLOSED : DropReason.UNKNOWN_RANGE;
      for (Message message : batch) {
        message.dropPending(reason);
      }
      return;
    }
    List<Message> claimed = new ArrayList<>(batch.size());
    List<RaftEnvelope> envelopes = new ArrayList<>(batch.size());
    for (Message message : batch) {
      if (message.claim()) {
        claimed.add(message);
        envelopes.add(message.envelope);
      }
    }
    if (claimed.isEmpty()) {
      return;
    }
    try {
      slot.handler.deliver(slot.range, Collections.unmodifiableList(envelopes));
    } catch (Throwable t) {
      log.warn("{}: handler of {} failed; reporting {} messages", store, slot.range, claimed.size(), t);
      for (Message message : claimed) {
        message.failClaimed(DropReason.HANDLER_FAILED);
      }
      return;
    }
    for (Message message : claimed) {
      message.delivered();
    }
  }

  /** Ends a range's registration; waits up to {@code waitNanos} for a delivery in progress. */
  private void unregister(RangeSlot slot, DropReason reason, long waitNanos) {
    List<Message> queued;
    synchronized (slot) {
      slot.open = false;
      queued = slot.takeAll();
    }
    ranges.remove(slot.range, slot);
    for (Message message : queued) {
      message.dropPending(reason);
    }
    if (slot.deliveryLock.isHeldByCurrentThread()) {
      return; // called from inside the handler: the current delivery is the last
    }
    try {
      if (slot.deliveryLock.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
        slot.deliveryLock.unlock();
      } else {
        log.warn("{}: handler of {} still delivering at close", store, slot.range);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void notifyDropped(DroppedMessage dropped) {
    if (listeners.isEmpty()) {
      return;
    }
    try {
      notifier.execute(
          () -> {
            for (DropListener listener : listeners) {
              try {
                listener.onDropped(dropped);
              } catch (RuntimeException e) {
                log.warn("{}: drop listener failed on {}", store, dropped, e);
              }
            }
          });
    } catch (RejectedExecutionException closedAlready) {
      log.debug("{}: closed, not reporting {}", store, dropped);
    }
  }

  /** The inbound queues and handler of one registered range. */
  private final class RangeSlot {
    final RangeId range;
    final InboundHandler handler;
    /** Held while a batch is taken and delivered: deliveries are serial and closable. */
    final ReentrantLock deliveryLock = new ReentrantLock();

    boolean open = true; // @GuardedBy("this")
    boolean scheduled; // @GuardedBy("this")
    final ArrayDeque<Message> control = new ArrayDeque<>(); // @GuardedBy("this")
    final ArrayDeque<Message> bulk = new ArrayDeque<>(); // @GuardedBy("this"): APPEND, SNAPSHOT

    RangeSlot(RangeId range, InboundHandler handler) {
      this.range = range;
      this.handler = handler;
    }

    /** Queues {@code message}; false if the range was unregistered. */
    boolean offer(Message message) {
      boolean start;
      synchronized (this) {
        if (!open) {
          return false;
        }
        (message.envelope.trafficClass() == TrafficClass.CONTROL ? control : bulk).add(message);
        start = !scheduled;
        scheduled = true;
      }
      if (start) {
        schedule(this);
      }
      return true;
    }

    /** All CONTROL, then up to {@link #MAX_BATCH_MESSAGES} others (at least one). */
    // @GuardedBy("this")
    List<Message> takeBatch() {
      List<Message> batch = new ArrayList<>(control.size() + Math.min(bulk.size(), MAX_BATCH_MESSAGES));
      batch.addAll(control);
      control.clear();
      for (int i = 0; i < MAX_BATCH_MESSAGES && !bulk.isEmpty(); i++) {
        batch.add(bulk.poll());
      }
      return batch;
    }

    synchronized List<Message> takeAll() {
      List<Message> all = new ArrayList<>(control);
      all.addAll(bulk);
      control.clear();
      bulk.clear();
      return all;
    }

    /** Ends a worker's turn: true if more is queued and the range must be scheduled again. */
    synchronized boolean finishRound() {
      scheduled = !control.isEmpty() || !bulk.isEmpty();
      return scheduled;
    }
  }

  /**
   * One accepted message on its way. Its fate is decided exactly once: {@code PENDING} moves to
   * {@code CLAIMED} when a worker takes it for delivery, or straight to {@code DONE} when dropped;
   * {@code CLAIMED} ends as delivered or failed by the handler.
   */
  static final class Message {
    private static final int PENDING = 0;
    private static final int CLAIMED = 1;
    private static final int DONE = 2;

    private final InMemoryTransport sender;
    private final InMemoryNetwork.OutLink link;
    private final RaftEnvelope envelope;
    /** False for a fault-injected duplicate: it is not charged and its fate is not reported. */
    private final boolean original;
    private final AtomicInteger state = new AtomicInteger(PENDING);

    Message(InMemoryTransport sender, InMemoryNetwork.OutLink link, RaftEnvelope envelope, boolean original) {
      this.sender = sender;
      this.link = link;
      this.envelope = envelope;
      this.original = original;
    }

    InMemoryTransport sender() {
      return sender;
    }

    RaftEnvelope envelope() {
      return envelope;
    }

    Message duplicate() {
      return new Message(sender, link, envelope, false);
    }

    boolean claim() {
      return state.compareAndSet(PENDING, CLAIMED);
    }

    void delivered() {
      if (state.compareAndSet(CLAIMED, DONE) && original) {
        sender.release(this);
      }
    }

    /** Drops a message nobody has claimed yet, and reports it to the sender's listeners. */
    void dropPending(DropReason reason) {
      if (state.compareAndSet(PENDING, DONE)) {
        reportDropped(reason);
      }
    }

    /** Fails a claimed message whose delivery threw, and reports it. */
    void failClaimed(DropReason reason) {
      if (state.compareAndSet(CLAIMED, DONE)) {
        reportDropped(reason);
      }
    }

    /** Undoes the acceptance of a message that never left {@code send}. */
    void cancel() {
      if (state.compareAndSet(PENDING, DONE)) {
        sender.release(this);
      }
    }

    private void reportDropped(DropReason reason) {
      if (original) {
        sender.release(this);
        sender.notifyDropped(DroppedMessage.of(envelope, reason, true));
      }
    }
  }
}
