package io.raftwire.grpc.receiver;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.grpc.wire.Envelope;
import io.raftwire.grpc.wire.MalformedEnvelopeException;
import io.raftwire.grpc.wire.RaftWireGrpc;
import io.raftwire.grpc.wire.ServerFrame;
import io.raftwire.grpc.wire.WireCodec;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.Registration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving half of a gRPC transport: the gRPC service, per-range inboxes and the worker pool
 * that delivers them. Thread-safe.
 *
 * <p>Metrics under {@code <prefix>}: {@code queued_bytes.control}, {@code queued_bytes.append},
 * {@code queued_messages}, {@code dropped.<REASON>}, {@code deliver_latency} (oldest message of a
 * batch, arrival to handler call), {@code handler_time}, {@code scheduler_backlog} (ranges waiting
 * for a worker), {@code handler_failures}, {@code malformed_frames}, {@code protocol_errors},
 * {@code unreported_refusals} (late refusals whose stream was gone), {@code open_streams},
 * {@code notices_without_stream} (credit returns for a leader with no open stream: its side
 * returned them when the stream ended), {@code relayed_in} (messages another store relayed here as
 * a zone fan-out agent); as a fan-out agent: {@code fanout.bundles}, {@code
 * fanout.delivered_locally}, {@code fanout.forwarded}, {@code fanout.member_refused.<REASON>}.
 *
 * <p><b>Zone fan-out agent.</b> A bundle (see {@code raftwire.proto}) is checked as a whole first:
 * addressed to this store, well formed; otherwise it is refused like an envelope and the sender
 * drops every member. Then each member is rebuilt from its header and its span of the shared
 * entries: the one for this store is admitted like any arriving message; the others are handed
 * to this store's sender, which relays them with their writing store named, only to stores of its
 * own zone. A member refused here, by the relay or later by its follower comes back to
 * the writing store as a refusal of that member on its newest DATA stream to this store.
 */
public final class Receiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Receiver.class);

  private final StoreId localStore;
  private final GrpcTransportConfig config;
  private final Supplier<ReceiverLimits> limits;
  private final ConcurrentHashMap<RangeId, RangeInbox> ranges = new ConcurrentHashMap<>();
  private final Set<InboundStream> streams = ConcurrentHashMap.newKeySet();
  /** The newest DATA stream from each sending store: credit returns for it ride there. */
  private final ConcurrentHashMap<StoreId, InboundStream> dataStreams = new ConcurrentHashMap<>();
  private final RangeScheduler scheduler;
  private final Object lifecycle = new Object();
  private final long maxFrameBytes;
  private final BiConsumer<RangeId, List<RaftEnvelope>> onAppendsDelivered;
  private final Function<RaftEnvelope, DropReason> relay;
  private volatile boolean closed;

  private final AtomicLong bulkBytes = new AtomicLong();
  private final AtomicLong controlBytes = new AtomicLong();
  private final AtomicInteger queuedMessages = new AtomicInteger();
  private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
  private final Timer deliverLatency;
  private final Timer handlerTime;
  private final Counter handlerFailures;
  private final Counter malformedFrames;
  private final Counter protocolErrors;
  private final Counter unreportedRefusals;
  private final Counter noticesWithoutStream;
  private final Counter relayedIn;
  private final Counter bundles;
  private final Counter deliveredLocally;
  private final Counter forwarded;
  private final Map<DropReason, Counter> memberRefused = new EnumMap<>(DropReason.class);

  /**
   * A receiver for {@code config.localStore()}; {@code limits} is read for every message, {@code
   * maxFrameBytes} is the server's inbound frame limit, announced to every sender; {@code
   * onAppendsDelivered} is told, per delivered batch, of the APPENDs with entries a handler took
   * without failing; {@code relay} queues a fan-out member for another store of this zone and
   * returns its refusal or null (any thread, must not block).
   */
  public Receiver(
      GrpcTransportConfig config,
      Supplier<ReceiverLimits> limits,
      long maxFrameBytes,
      BiConsumer<RangeId, List<RaftEnvelope>> onAppendsDelivered,
      Function<RaftEnvelope, DropReason> relay,
      String prefix) {
    this.localStore = config.localStore();
    this.relay = relay;
    this.onAppendsDelivered = onAppendsDelivered;
    this.maxFrameBytes = maxFrameBytes;
    this.config = config;
    this.limits = limits;
    MetricRegistry metrics = config.metricRegistry();
    this.scheduler = new RangeScheduler(config.workerThreads(), "raftwire-" + localStore + "-worker-", this::drain);
    for (DropReason reason : DropReason.values()) {
      dropped.put(reason, metrics.counter(MetricRegistry.name(prefix, "dropped", reason.name())));
    }
    metrics.register(MetricRegistry.name(prefix, "queued_bytes", "append"), (Gauge<Long>) bulkBytes::get);
    metrics.register(MetricRegistry.name(prefix, "queued_bytes", "control"), (Gauge<Long>) controlBytes::get);
    metrics.register(MetricRegistry.name(prefix, "queued_messages"), (Gauge<Integer>) queuedMessages::get);
    metrics.register(MetricRegistry.name(prefix, "scheduler_backlog"), (Gauge<Integer>) scheduler::backlog);
    metrics.register(MetricRegistry.name(prefix, "open_streams"), (Gauge<Integer>) streams::size);
    this.deliverLatency = metrics.timer(MetricRegistry.name(prefix, "deliver_latency"));
    this.handlerTime = metrics.timer(MetricRegistry.name(prefix, "handler_time"));
    this.handlerFailures = metrics.counter(MetricRegistry.name(prefix, "handler_failures"));
    this.malformedFrames = metrics.counter(MetricRegistry.name(prefix, "malformed_frames"));
    this.protocolErrors = metrics.counter(MetricRegistry.name(prefix, "protocol_errors"));
    this.unreportedRefusals = metrics.counter(MetricRegistry.name(prefix, "unreported_refusals"));
    this.noticesWithoutStream = metrics.counter(MetricRegistry.name(prefix, "notices_without_stream"));
    this.relayedIn = metrics.counter(MetricRegistry.name(prefix, "relayed_in"));
    this.bundles = metrics.counter(MetricRegistry.name(prefix, "fanout", "bundles"));
    this.deliveredLocally = metrics.counter(MetricRegistry.name(prefix, "fanout", "delivered_locally"));
    this.forwarded = metrics.counter(MetricRegistry.name(prefix, "fanout", "forwarded"));
    for (DropReason reason : DropReason.values()) {
      memberRefused.put(reason, metrics.counter(MetricRegistry.name(prefix, "fanout", "member_refused", reason.name())));
    }
  }

  /** The gRPC service to add to the server. */
  public ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(RaftWireGrpc.SERVICE_NAME)
        .addMethod(
            WireCodec.rawServerMethod(),
            ServerCalls.asyncBidiStreamingCall(
                responses -> {
                  InboundStream stream =
                      new InboundStream(this, (ServerCallStreamObserver<ServerFrame>) responses);
                  streams.add(stream);
                  if (closed) {
                    stream.shutdown();
                  }
                  return stream;
                }))
        .build();
  }

  /** Registers the handler of {@code range}; see {@code RaftTransport#register}. */
  public Registration register(RangeId range, InboundHandler handler) {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("transport of " + localStore + " is closed");
      }
      RangeInbox inbox = new RangeInbox(range, handler);
      if (ranges.putIfAbsent(range, inbox) != null) {
        throw new IllegalStateException(range + " already has a handler on " + localStore);
      }
      return () -> unregister(inbox, DropReason.UNKNOWN_RANGE, Long.MAX_VALUE);
    }
  }

  /** Checks and queues an arriving message; returns the refusal reason, or null if queued. */
  DropReason admit(RaftEnvelope envelope, InboundStream origin) {
    if (closed) {
      return DropReason.CLOSED;
    }
    if (!envelope.to().store().equals(localStore)) {
      return DropReason.WRONG_DESTINATION;
    }
    ReceiverLimits current = limits.get();
    long size = envelope.sizeBytes();
    if (size > current.maxMessageBytes()) {
      return DropReason.TOO_LARGE;
    }
    RangeInbox inbox = ranges.get(envelope.range());
    if (inbox == null) {
      return DropReason.UNKNOWN_RANGE;
    }
    InboundMessage message = new InboundMessage(envelope, origin, config.nanoClock().getAsLong());
    Boolean queue;
    synchronized (inbox) {
      if (!inbox.open) {
        return DropReason.UNKNOWN_RANGE;
      }
      if (envelope.trafficClass() == TrafficClass.CONTROL) {
        if (inbox.controlBytes + size > current.rangeControlQueueBytes()
            || !reserve(controlBytes, size, current.controlBudgetBytes())) {
          return DropReason.RECEIVER_BUDGET;
        }
      } else {
        if (inbox.bulkBytes + size > current.rangeAppendQueueBytes()
            || inbox.bulk.size() >= current.rangeAppendQueueMessages()
            || !reserve(bulkBytes, size, current.receiveBudgetBytes())) {
          return DropReason.RECEIVER_BUDGET;
        }
      }
      inbox.add(message);
      queuedMessages.incrementAndGet();
      queue = inbox.toSchedule();
    }
    if (queue != null) {
      schedule(inbox, queue);
    }
    return null;
  }

  /**
   * As the zone's fan-out agent, takes a bundle from {@code writer}: returns the refusal of the
   * whole bundle, or null once every member was admitted here, handed to the relay, or refused
   * back to the writer on its own.
   */
  DropReason acceptBundle(Envelope wire, StoreId writer, InboundStream origin) {
    if (closed) {
      return DropReason.CLOSED;
    }
    if (wire.getToStore() != localStore.value()) {
      return DropReason.WRONG_DESTINATION;
    }
    List<RaftEnvelope> members;
    try {
      members = WireCodec.decodeBundle(wire, writer);
    } catch (MalformedEnvelopeException e) {
      log.debug("{}: {}", localStore, e.getMessage());
      return DropReason.MALFORMED;
    }
    bundles.inc();
    for (RaftEnvelope member : members) {
      StoreId to = member.to().store();
      DropReason refusal;
      if (to.equals(localStore)) {
        refusal = admit(member, origin);
        if (refusal == null) {
          deliveredLocally.inc();
        }
      } else {
        refusal = relay.apply(member);
        if (refusal == null) {
          forwarded.inc();
        }
      }
      if (refusal != null) {
        memberRefused.get(refusal).inc();
        origin.refuseLate(member, WireCodec.relayRefusalCode(refusal));
      }
    }
    return null;
  }

  /** A message arrived relayed by a fan-out agent. */
  void relayedIn() {
    relayedIn.inc();
  }

  /**
   * A message this store relayed for {@code envelope.from().store()} was dropped: tell that store on
   * its newest DATA stream here. Any thread.
   */
  public void relayDropped(RaftEnvelope envelope, DropReason reason) {
    InboundStream stream = dataStreams.get(envelope.from().store());
    if (stream == null) {
      unreportedRefusals.inc();
      return;
    }
    stream.refuseLate(envelope, WireCodec.relayRefusalCode(reason));
  }

  private static boolean reserve(AtomicLong counter, long size, long budget) {
    while (true) {
      long current = counter.get();
      if (current + size > budget) {
        return false;
      }
      if (counter.compareAndSet(current, current + size)) {
        return true;
      }
    }
  }

  private void schedule(RangeInbox inbox, boolean urgent) {
    if (!scheduler.submit(inbox, urgent)) {
      List<InboundMessage> all;
      synchronized (inbox) {
        all = takeAll(inbox);
      }
      refuse(all, DropReason.CLOSED);
    }
  }

  /** Delivers one batch of {@code inbox}, then yields the worker to the next range. */
  private void drain(RangeInbox inbox, boolean fromUrgent) {
    if (!inbox.claim(fromUrgent)) {
      return;
    }
    inbox.deliveryLock.lock();
    try {
      List<InboundMessage> batch;
      boolean open;
      synchronized (inbox) {
        open = inbox.open;
        // An urgent turn delivers the heartbeats and votes alone: cheap, so that when every range
        // has one waiting, a round over all of them stays short. Appends wait for a normal turn.
        batch = inbox.takeBatch(fromUrgent ? 0 : config.deliveryBatchMessages());
      }
      dequeued(batch);
      if (!batch.isEmpty()) {
        if (open) {
          deliver(inbox, batch);
        } else {
          refuse(batch, closed ? DropReason.CLOSED : DropReason.UNKNOWN_RANGE);
        }
      }
    } finally {
      inbox.deliveryLock.unlock();
    }
    Boolean again = inbox.finishRound();
    if (again != null) {
      schedule(inbox, again);
    }
  }

  // @GuardedBy("inbox.deliveryLock")
  private void deliver(RangeInbox inbox, List<InboundMessage> batch) {
    List<RaftEnvelope> envelopes = new ArrayList<>(batch.size());
    long oldest = Long.MAX_VALUE;
    for (InboundMessage m : batch) {
      envelopes.add(m.envelope);
      oldest = Math.min(oldest, m.enqueuedNanos);
    }
    long start = config.nanoClock().getAsLong();
    deliverLatency.update(start - oldest, TimeUnit.NANOSECONDS);
    try {
      inbox.handler.deliver(inbox.range, Collections.unmodifiableList(envelopes));
    } catch (Throwable t) {
      handlerFailures.inc();
      log.warn("{}: handler of {} failed on a batch of {}", localStore, inbox.range, batch.size(), t);
      refuse(batch, DropReason.HANDLER_FAILED);
      return;
    } finally {
      handlerTime.update(config.nanoClock().getAsLong() - start, TimeUnit.NANOSECONDS);
    }
    List<RaftEnvelope> appends = new ArrayList<>(envelopes.size());
    for (RaftEnvelope envelope : envelopes) {
      if (!envelope.entries().isEmpty()) {
        appends.add(envelope);
      }
    }
    if (!appends.isEmpty()) {
      onAppendsDelivered.accept(inbox.range, appends);
    }
  }

  private void dequeued(List<InboundMessage> batch) {
    long bulk = 0;
    long control = 0;
    for (InboundMessage m : batch) {
      if (m.envelope.trafficClass() == TrafficClass.CONTROL) {
        control += m.sizeBytes;
      } else {
        bulk += m.sizeBytes;
      }
    }
    bulkBytes.addAndGet(-bulk);
    controlBytes.addAndGet(-control);
    queuedMessages.addAndGet(-batch.size());
  }

  // @GuardedBy("inbox")
  private List<InboundMessage> takeAll(RangeInbox inbox) {
    List<InboundMessage> all = inbox.takeBatch(Integer.MAX_VALUE);
    dequeued(all);
    return all;
  }

  private void refuse(List<InboundMessage> messages, DropReason reason) {
    for (InboundMessage m : messages) {
      countDrop(reason);
      m.origin.refuseLate(m.envelope, WireCodec.refusalCode(reason));
    }
  }

  private void unregister(RangeInbox inbox, DropReason reason, long waitNanos) {
    List<InboundMessage> queued;
    synchronized (inbox) {
      inbox.open = false;
      queued = takeAll(inbox);
    }
    ranges.remove(inbox.range, inbox);
    refuse(queued, reason);
    if (inbox.deliveryLock.isHeldByCurrentThread()) {
      return; // from inside the handler: the current delivery is the last
    }
    try {
      if (inbox.deliveryLock.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
        inbox.deliveryLock.unlock();
      } else {
        log.warn("{}: handler of {} still delivering at close", localStore, inbox.range);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void countDrop(DropReason reason) {
    dropped.get(reason).inc();
  }

  void malformedFrame() {
    malformedFrames.inc();
  }

  void protocolError() {
    protocolErrors.inc();
  }

  void unreportedRefusal() {
    unreportedRefusals.inc();
  }

  void streamEnded(InboundStream stream) {
    streams.remove(stream);
    StoreId sender = stream.sender();
    if (sender != null) {
      dataStreams.remove(sender, stream);
    }
  }

  void dataStreamOpened(StoreId sender, InboundStream stream) {
    dataStreams.put(sender, stream);
  }

  /**
   * The entries of {@code range} up to {@code upToIndex}, received from {@code leader}, were
   * admitted: queue the credit return on the leader's newest DATA stream. Any thread.
   */
  public void admitted(StoreId leader, RangeId range, Priority priority, long upToIndex) {
    InboundStream stream = dataStreams.get(leader);
    if (stream == null) {
      noticesWithoutStream.inc();
      return;
    }
    stream.queueAdmitted(range, priority, upToIndex);
  }

  /** Sends the credit returns still waiting for an ack to ride on. Called by a timer. */
  public void flushNotices() {
    for (InboundStream stream : dataStreams.values()) {
      if (stream.hasPendingNotices()) {
        stream.flush();
      }
    }
  }

  StoreId localStore() {
    return localStore;
  }

  long maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Refuses everything queued as {@code CLOSED} (echoed to senders while their streams are open),
   * ends every stream, and stops the workers; waits at most {@code timeoutNanos} for a delivery in
   * progress.
   */
  public void close(long timeoutNanos) {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    for (RangeInbox inbox : ranges.values()) {
      unregister(inbox, DropReason.CLOSED, Math.max(0, deadline - System.nanoTime()));
    }
    for (InboundStream stream : streams) {
      stream.shutdown();
    }
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(Math.max(0, deadline - System.nanoTime()))) {
        log.warn("{}: workers still busy after close (a handler is blocked)", localStore);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(TimeUnit.SECONDS.toNanos(5));
  }
}
