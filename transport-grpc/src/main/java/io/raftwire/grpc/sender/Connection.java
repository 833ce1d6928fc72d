package io.raftwire.grpc.sender;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.raftwire.grpc.wire.Ack;
import io.raftwire.grpc.wire.Admitted;
import io.raftwire.grpc.wire.Batch;
import io.raftwire.grpc.wire.ClientFrame;
import io.raftwire.grpc.wire.Envelope;
import io.raftwire.grpc.wire.Hello;
import io.raftwire.grpc.wire.Lane;
import io.raftwire.grpc.wire.MalformedEnvelopeException;
import io.raftwire.grpc.wire.RaftWireGrpc;
import io.raftwire.grpc.wire.Refusal;
import io.raftwire.grpc.wire.Refused;
import io.raftwire.grpc.wire.ServerFrame;
import io.raftwire.grpc.wire.WireCodec;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.DropReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane group's stream to a destination: CONTROL, or DATA (APPEND and SNAPSHOT). At most one
 * gRPC stream is open at a time; a new one is opened when there is something to send and the
 * destination's breaker allows it.
 *
 * <p>All writes to the stream happen in the drain loop, which a work-in-progress counter keeps to
 * one thread at a time; it writes only while the stream {@code isReady()}, so nothing piles up
 * inside gRPC or Netty, and batches grow naturally while the stream is busy. Callbacks from gRPC
 * run on Netty threads (direct executor) and never block.
 */
final class Connection {
  enum Kind {
    CONTROL,
    DATA
  }

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private final Sender sender;
  private final Destination destination;
  final Kind kind;
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicBoolean idleCheckRequested = new AtomicBoolean();
  private final Histogram batchBytes;
  private final Histogram batchMessages;
  private final Timer queueWait;

  private Stream current; // @GuardedBy("this")
  private long nextSeq = 1; // @GuardedBy("this"): of the current stream
  private final ArrayDeque<Outbound> inflight = new ArrayDeque<>(); // @GuardedBy("this"), by seq
  private volatile long lastActivityNanos;

  Connection(Sender sender, Destination destination, Kind kind, MetricRegistry metrics, String prefix) {
    this.sender = sender;
    this.destination = destination;
    this.kind = kind;
    String name = kind.name().toLowerCase(Locale.ROOT);
    this.batchBytes = metrics.histogram(MetricRegistry.name(prefix, name, "batch_bytes"));
    this.batchMessages = metrics.histogram(MetricRegistry.name(prefix, name, "batch_messages"));
    this.queueWait = metrics.timer(MetricRegistry.name(prefix, name, "queue_wait"));
    this.lastActivityNanos = sender.nanoTime();
  }

  /** Asks for the queue to be written out; cheap, from any thread. */
  void requestDrain() {
    if (wip.getAndIncrement() == 0) {
      try {
        sender.writerExecutor().execute(this::drainLoop);
      } catch (RejectedExecutionException closed) {
        wip.set(0); // the transport is closed; close() has reported everything
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    while (true) {
      try {
        drainOnce();
      } catch (RuntimeException e) {
        log.error("{}: {} writer failed", destination, kind, e);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void drainOnce() {
    if (idleCheckRequested.getAndSet(false)) {
      closeIfIdle();
    }
    Stream stream = openIfNeeded();
    if (stream == null || !stream.helloAcked) {
      return; // the hello answer triggers another drain
    }
    // A batch exceeds its target by at most one message, so half the frame limit keeps it safe.
    long target = Math.min(sender.config().targetBatchBytes(), stream.maxFrameBytes / 2);
    long largest = stream.maxFrameBytes - WireCodec.FRAME_SLACK_BYTES;
    List<Outbound> batch = new ArrayList<>();
    while (stream.requests.isReady()) {
      batch.clear();
      destination.queue.poll(kind, target, sender.config().maxBatchMessages(), batch);
      if (batch.isEmpty()) {
        return;
      }
      refuseUnfit(batch, largest);
      if (batch.isEmpty()) {
        continue;
      }
      ClientFrame frame;
      long bytes = 0;
      long oldest = Long.MAX_VALUE;
      synchronized (this) {
        if (current != stream) {
          destination.fail(batch, sender.isClosing() ? DropReason.CLOSED : DropReason.UNREACHABLE);
          return;
        }
        Batch.Builder b = Batch.newBuilder();
        for (Outbound o : batch) {
          o.seq = nextSeq++;
          inflight.addLast(o);
          b.addEnvelopes(encode(o));
          bytes += o.sizeBytes;
          oldest = Math.min(oldest, o.enqueuedNanos);
        }
        frame = ClientFrame.newBuilder().setBatch(b).build();
      }
      try {
        stream.requests.onNext(frame);
      } catch (RuntimeException e) {
        // The call was cancelled under us; its end (or close) reports what is in flight.
        log.debug("{}: {} write after the stream ended", destination, kind, e);
        return;
      }
      long now = sender.nanoTime();
      lastActivityNanos = now;
      batchBytes.update(bytes);
      int written = frame.getSerializedSize(); // memoized by the write above
      destination.zoneBytes.inc(written);
      if (kind == Kind.DATA) {
        destination.zoneDataBytes.inc(written);
      }
      batchMessages.update(batch.size());
      queueWait.update(now - oldest, TimeUnit.NANOSECONDS);
    }
  }

  private Envelope encode(Outbound o) {
    if (o.isBundle()) {
      List<RaftEnvelope> members = new ArrayList<>(o.members.size());
      for (Outbound m : o.members) {
        members.add(m.envelope);
      }
      return WireCodec.encodeBundle(members, o.sharedEntries, destination.store, o.seq);
    }
    return o.relayDrop != null ? WireCodec.encodeRelayed(o.envelope, o.seq) : WireCodec.encode(o.envelope, o.seq);
  }

  /** Removes and reports messages too large for the destination's frames: sent, they would break the stream. */
  private void refuseUnfit(List<Outbound> batch, long largestBytes) {
    List<Outbound> unfit = null;
    for (Outbound o : batch) {
      if (o.sizeBytes > largestBytes) {
        if (unfit == null) {
          unfit = new ArrayList<>();
        }
        unfit.add(o);
      }
    }
    if (unfit != null) {
      batch.removeAll(unfit);
      destination.fail(unfit, DropReason.TOO_LARGE);
    }
  }

  private Stream openIfNeeded() {
    synchronized (this) {
      if (current != null) {
        return current;
      }
      if (!destination.queue.hasQueued(kind) || !destination.allowsTraffic()) {
        return null;
      }
      return open();
    }
  }

  /**
   * Opens a stream (a hello only) if none is open and the breaker allows: fan-out members travel
   * on the agent's stream, but their followers' credit returns ride on this one.
   */
  void ensureOpen() {
    synchronized (this) {
      if (current == null && destination.allowsTraffic() && !sender.isClosing()) {
        open();
      }
    }
  }

  /** Opens a stream to say hello (a breaker probe) even with nothing queued. */
  void probe() {
    synchronized (this) {
      if (current == null) {
        open();
      }
    }
  }

  // @GuardedBy("this")
  private Stream open() {
    Stream stream = new Stream(sender.nanoTime());
    current = stream; // before start: a synchronous failure must find it current
    nextSeq = 1;
    lastActivityNanos = stream.openedNanos;
    ClientCall<ClientFrame, ServerFrame> call =
        destination.channel(kind).newCall(RaftWireGrpc.getStreamMethod(), CallOptions.DEFAULT);
    ClientCalls.asyncBidiStreamingCall(call, stream);
    Hello hello =
        Hello.newBuilder()
            .setProtocolVersion(WireCodec.PROTOCOL_VERSION)
            .setSenderStore(sender.localStore().value())
            .setDestinationStore(destination.store.value())
            .setLane(kind == Kind.CONTROL ? Lane.LANE_CONTROL : Lane.LANE_DATA)
            .build();
    try {
      stream.requests.onNext(ClientFrame.newBuilder().setHello(hello).build());
    } catch (RuntimeException e) {
      log.debug("{}: {} stream failed at hello", destination, kind, e);
    }
    return stream;
  }

  private void onAck(Stream stream, Ack ack) {
    List<Outbound> done = new ArrayList<>();
    List<Outbound> refused = List.of();
    List<DropReason> reasons = List.of();
    synchronized (this) {
      if (stream != current) {
        return;
      }
      Map<Long, Refused> bySeq = Map.of();
      if (ack.getRefusedCount() > 0) {
        bySeq = new HashMap<>();
        refused = new ArrayList<>();
        reasons = new ArrayList<>();
        for (Refused r : ack.getRefusedList()) {
          bySeq.put(r.getSeq(), r);
        }
      }
      long through = ack.getReceivedThrough();
      while (!inflight.isEmpty() && inflight.peekFirst().seq <= through) {
        Outbound o = inflight.pollFirst();
        done.add(o);
        Refused r = bySeq.get(o.seq);
        if (r != null) {
          refused.add(o);
          reasons.add(WireCodec.dropReason(r.getCode()));
          if (log.isDebugEnabled()) {
            log.debug("{}: {} refused {}: {}", destination, o.envelope, r.getCode(), r.getDetail());
          }
        }
      }
    }
    destination.release(done);
    for (Admitted admitted : ack.getAdmittedList()) {
      int priority = admitted.getPriorityValue();
      if (admitted.getRangeId() >= 1 && priority >= 1 && priority <= Priority.values().length) {
        sender.credits().onAdmitted(
            RangeId.of(admitted.getRangeId()), destination.store, Priority.values()[priority - 1],
            admitted.getUpToIndex());
      }
    }
    for (int i = 0; i < refused.size(); i++) {
      Outbound o = refused.get(i);
      if (o.isBundle()) {
        for (Outbound member : o.members) { // the agent refused the bundle as a whole
          sender.droppedAfterAccept(member, reasons.get(i));
        }
      } else {
        sender.droppedAfterAccept(o, reasons.get(i));
      }
    }
    lastActivityNanos = sender.nanoTime();
  }

  private void onRefusal(Refusal refusal) {
    try {
      RaftEnvelope envelope = WireCodec.decodeEcho(refusal.getEnvelope());
      sender.droppedEcho(envelope, WireCodec.dropReason(refusal.getCode()));
    } catch (MalformedEnvelopeException e) {
      log.warn("{}: unreadable refusal {} ({})", destination, refusal.getCode(), e.getMessage());
    }
  }

  private void ended(Stream stream, Status status) {
    List<Outbound> lost;
    synchronized (this) {
      if (stream != current) {
        return; // closed on purpose, already accounted
      }
      current = null;
      lost = new ArrayList<>(inflight);
      inflight.clear();
    }
    destination.fail(lost, sender.isClosing() ? DropReason.CLOSED : DropReason.UNREACHABLE);
    if (kind == Kind.DATA) {
      sender.credits().onDisconnect(destination.store); // its admission notices cannot come now
    }
    destination.onStreamFailure(kind, status);
  }

  /** Asks the writer to close the stream if it has been idle; see {@link #closeIfIdle()}. */
  void requestIdleCheck() {
    idleCheckRequested.set(true);
    requestDrain();
  }

  /**
   * In the writer: half-closes a stream that has nothing in flight or queued and sat idle. A DATA
   * stream stays open while credits wait for admission notices, which arrive on it.
   */
  private void closeIfIdle() {
    Stream stream;
    synchronized (this) {
      stream = current;
      if (stream == null
          || !inflight.isEmpty()
          || destination.queue.hasQueued(kind)
          || (kind == Kind.DATA && sender.credits().hasOutstanding(destination.store))
          || sender.nanoTime() - lastActivityNanos < sender.config().idleStreamTimeoutNanos()) {
        return;
      }
      current = null;
    }
    log.debug("{}: closing idle {} stream", destination, kind);
    try {
      stream.requests.onCompleted();
    } catch (RuntimeException e) {
      log.debug("{}: idle close of {} failed", destination, kind, e);
    }
  }

  /** Fails a stream whose destination has not answered its hello in time. */
  void checkHelloTimeout(long nowNanos) {
    Stream stream;
    synchronized (this) {
      stream = current;
    }
    if (stream != null
        && !stream.helloAcked
        && nowNanos - stream.openedNanos > sender.config().helloTimeoutNanos()) {
      log.warn("{}: no answer to the {} stream's hello; failing it", destination, kind);
      stream.requests.cancel("no hello answer", null);
    }
  }

  /** Closes on purpose: everything in flight is reported with {@code reason}. */
  void close(DropReason reason) {
    Stream stream;
    List<Outbound> lost;
    synchronized (this) {
      stream = current;
      current = null;
      lost = new ArrayList<>(inflight);
      inflight.clear();
    }
    destination.fail(lost, reason);
    if (stream != null) {
      try {
        stream.requests.cancel("transport closed", null);
      } catch (RuntimeException e) {
        log.debug("{}: cancel of {} failed", destination, kind, e);
      }
    }
  }

  /** One gRPC stream; callbacks of a stream that is no longer current are ignored. */
  private final class Stream implements ClientResponseObserver<ClientFrame, ServerFrame> {
    final long openedNanos;
    volatile ClientCallStreamObserver<ClientFrame> requests;
    volatile boolean helloAcked;
    volatile long maxFrameBytes = Long.MAX_VALUE;

    Stream(long openedNanos) {
      this.openedNanos = openedNanos;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ClientFrame> requestStream) {
      this.requests = requestStream;
      requestStream.setOnReadyHandler(Connection.this::requestDrain);
    }

    @Override
    public void onNext(ServerFrame frame) {
      switch (frame.getKindCase()) {
        case HELLO_ACK:
          long announced = frame.getHelloAck().getMaxFrameBytes();
          if (announced > WireCodec.FRAME_SLACK_BYTES) {
            maxFrameBytes = announced;
          }
          helloAcked = true;
          destination.onHelloAck();
          requestDrain();
          break;
        case ACK:
          onAck(this, frame.getAck());
          break;
        case REFUSAL:
          onRefusal(frame.getRefusal());
          break;
        default:
          break; // a frame kind from a newer protocol: ignored
      }
    }

    @Override
    public void onError(Throwable t) {
      ended(this, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended(this, Status.UNAVAILABLE.withDescription("the destination ended the stream"));
    }
  }
}
