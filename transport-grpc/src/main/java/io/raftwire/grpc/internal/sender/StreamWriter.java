package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Timer;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.raftwire.grpc.internal.peer.Peer;
import io.raftwire.grpc.internal.wire.Ack;
import io.raftwire.grpc.internal.wire.Admitted;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Hello;
import io.raftwire.grpc.internal.wire.MalformedEnvelopeException;
import io.raftwire.grpc.internal.wire.OutboundFrame;
import io.raftwire.grpc.internal.wire.Refusal;
import io.raftwire.grpc.internal.wire.Refused;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.transport.DropReason;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream to a destination: CONTROL, or DATA (APPEND and SNAPSHOT). At most one gRPC stream is
 * open at a time; one is opened when there is something to send and the peer's breaker allows it.
 *
 * <p>All writes happen in the drain loop, which a work-in-progress counter keeps to one writer
 * thread at a time; it writes only while the stream {@code isReady()}, so nothing piles up inside
 * gRPC or Netty, and batches grow naturally while the stream is busy. Sequence numbers are assigned
 * and items recorded as in flight under this writer's lock; encoding happens outside it. Callbacks
 * from gRPC run on Netty threads (direct executor) and never block: acknowledged items are released
 * and refused ones reported outside the lock.
 */
final class StreamWriter {
  private static final Logger log = LoggerFactory.getLogger(StreamWriter.class);

  /** What the writer counts. */
  record Metrics(Histogram batchBytes, Histogram batchMessages, Timer queueWait, Counter zoneBytes,
      @Nullable Counter zoneDataBytes) {}

  private final StreamKind kind;
  private final Peer peer;
  private final Lanes lanes;
  private final CreditLedger ledger;
  private final Drops drops;
  private final Executor writers;
  private final Timebase timebase;
  private final SenderSettings settings;
  private final Metrics metrics;
  /** The destination's coalesced heartbeats, written ahead of the lane; CONTROL only, else null. */
  private final @Nullable HeartbeatQueue heartbeats;
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicBoolean idleCheckRequested = new AtomicBoolean();
  private volatile long lastActivityNanos;
  /**
   * Set by the writer when it stopped because the stream was not ready, cleared when the stream
   * becomes ready (its handler drains then) or a stream ends or opens: while set, newly queued work
   * need not wake the writer, which saves a task hand-off and a thread wake-up per send while the
   * destination is the bottleneck.
   */
  private volatile boolean waitingForReady;

  @GuardedBy("this")
  private @Nullable Stream current;

  @GuardedBy("this")
  private boolean closed;

  StreamWriter(StreamKind kind, Peer peer, Lanes lanes, @Nullable HeartbeatQueue heartbeats, CreditLedger ledger,
      Drops drops, Executor writers, Timebase timebase, SenderSettings settings, Metrics metrics) {
    this.heartbeats = heartbeats;
    this.kind = kind;
    this.peer = peer;
    this.lanes = lanes;
    this.ledger = ledger;
    this.drops = drops;
    this.writers = writers;
    this.timebase = timebase;
    this.settings = settings;
    this.metrics = metrics;
    this.lastActivityNanos = timebase.nanoTime();
  }

  /**
   * Work was queued in the lanes: asks for it to be written unless the writer waits for the
   * stream to become ready anyway. Cheap, from any thread.
   */
  void workQueued() {
    if (!waitingForReady) {
      requestDrain();
    }
  }

  /** Asks for the lanes to be written out; cheap, from any thread. */
  void requestDrain() {
    if (wip.getAndIncrement() == 0) {
      try {
        writers.execute(this::drainLoop);
      } catch (RejectedExecutionException closing) {
        wip.set(0); // the transport is closed; close() reports everything
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    while (true) {
      try {
        drainOnce();
      } catch (RuntimeException e) {
        log.error("{}: {} writer failed", peer, kind, e);
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
    long target = Math.min(settings.targetBatchBytes(), stream.maxFrameBytes / 2);
    long largest = stream.maxFrameBytes - WireCodec.FRAME_SLACK_BYTES;
    List<Outbound> batch = new ArrayList<>();
    while (true) {
      if (!stream.requests().isReady()) {
        waitingForReady = true;
        if (!stream.requests().isReady()) {
          return; // the on-ready handler drains next
        }
        waitingForReady = false; // became ready between the two looks: its handler may have run already
      }
      batch.clear();
      long room = target;
      if (heartbeats != null) {
        // Every heartbeat queued for the destination, as one item ahead of the lane (its sequence
        // number comes first); it takes at most half a frame, the lane's messages the rest.
        Outbound flush = heartbeats.take(largest / 2, timebase.nanoTime());
        if (flush != null) {
          batch.add(flush);
          room = Math.max(1, room - flush.sizeBytes());
        }
      }
      long elasticRoom = Math.min(settings.elasticBatchBytes(),
          settings.elasticInflightBytes() - stream.elasticInflightBytes());
      lanes.poll(kind, room, settings.maxBatchMessages(), elasticRoom, batch);
      if (batch.isEmpty()) {
        return;
      }
      refuseUnfit(batch, largest);
      if (batch.isEmpty()) {
        continue;
      }
      DropReason lost = stream.assignSeqs(batch, timebase.nanoTime());
      if (lost != null) {
        Outbounds.fail(batch, lost);
        return;
      }
      write(stream, batch);
    }
  }

  private void write(Stream stream, List<Outbound> batch) {
    OutboundFrame.Builder b = OutboundFrame.builder(batch.size());
    long bytes = 0;
    long oldest = Long.MAX_VALUE;
    for (int i = 0, n = batch.size(); i < n; i++) {
      Outbound o = batch.get(i);
      o.addTo(b, o.seq, peer.store());
      bytes += o.sizeBytes();
      oldest = Math.min(oldest, o.enqueuedNanos());
    }
    OutboundFrame frame = b.build();
    int written = frame.frameBytes();
    try {
      stream.requests().onNext(frame);
    } catch (RuntimeException e) {
      // The call was cancelled under us; its end (or close) reports what is in flight.
      log.debug("{}: {} write after the stream ended", peer, kind, e);
      return;
    }
    long now = timebase.nanoTime();
    lastActivityNanos = now;
    metrics.batchBytes().update(bytes);
    metrics.batchMessages().update(batch.size());
    metrics.queueWait().update(now - oldest, TimeUnit.NANOSECONDS);
    metrics.zoneBytes().inc(written);
    Counter data = metrics.zoneDataBytes();
    if (data != null) {
      data.inc(written);
    }
  }

  /** Removes and reports messages too large for the destination's frames: sent, they would break the stream. */
  private static void refuseUnfit(List<Outbound> batch, long largestBytes) {
    List<Outbound> unfit = null;
    for (Outbound o : batch) {
      if (o.sizeBytes() > largestBytes) {
        if (unfit == null) {
          unfit = new ArrayList<>();
        }
        unfit.add(o);
      }
    }
    if (unfit != null) {
      batch.removeAll(unfit);
      Outbounds.fail(unfit, DropReason.TOO_LARGE);
    }
  }

  private synchronized @Nullable Stream openIfNeeded() {
    if (current != null) {
      return current;
    }
    if (closed || !hasQueued() || !peer.allowsTraffic()) {
      return null;
    }
    return open();
  }

  /** True if the lane, or for CONTROL the destination's heartbeats, hold something to write. */
  private boolean hasQueued() {
    return lanes.hasQueued(kind) || (heartbeats != null && heartbeats.hasPending());
  }

  /**
   * Opens a stream (a hello only) if none is open and the breaker allows: fan-out members travel
   * on the agent's stream, but their followers' credit returns ride on this one.
   */
  synchronized void ensureOpen() {
    if (current == null && !closed && peer.allowsTraffic()) {
      open();
    }
  }

  /** Opens a stream to say hello (a breaker probe) even with nothing queued. */
  synchronized void probe() {
    if (current == null && !closed) {
      open();
    }
  }

  @GuardedBy("this")
  private @Nullable Stream open() {
    Stream stream = new Stream(timebase.nanoTime());
    ClientCall<InputStream, ServerFrame> call;
    try {
      call = ClientInterceptors.intercept(peer.channel(kind.channel()), kind.header())
          .newCall(WireCodec.rawClientMethod(), CallOptions.DEFAULT);
    } catch (IllegalStateException peerClosed) {
      return null;
    }
    current = stream; // before start: a synchronous failure must find it current
    waitingForReady = false;
    lastActivityNanos = stream.openedNanos;
    ClientCalls.asyncBidiStreamingCall(call, stream);
    Hello hello =
        Hello.newBuilder()
            .setProtocolVersion(WireCodec.PROTOCOL_VERSION)
            .setSenderStore(settings.localStore().value())
            .setDestinationStore(peer.store().value())
            .setLane(kind.wire())
            .build();
    try {
      stream.requests().onNext(WireCodec.stream(ClientFrame.newBuilder().setHello(hello).build()));
    } catch (RuntimeException e) {
      log.debug("{}: {} stream failed at hello", peer, kind, e);
    }
    return stream;
  }

  private void onAck(Stream stream, Ack ack) {
    List<Outbound> done = new ArrayList<>();
    List<Outbound> refused = new ArrayList<>(0);
    List<DropReason> reasons = new ArrayList<>(0);
    synchronized (this) {
      if (stream != current) {
        return;
      }
      Map<Long, Refused> bySeq = Map.of();
      if (ack.getRefusedCount() > 0) {
        bySeq = new HashMap<>();
        for (Refused r : ack.getRefusedList()) {
          bySeq.put(r.getSeq(), r);
        }
      }
      stream.acknowledge(ack.getReceivedThrough(), bySeq, done, refused, reasons);
    }
    long now = timebase.nanoTime();
    if (kind == StreamKind.DATA && !done.isEmpty()) {
      // The newest frame this ack covers was written this long ago: a round trip (the least of an
      // interval is the link's; the rest queued behind earlier frames).
      ledger.roundTrip(peer.store(), now - done.get(done.size() - 1).writtenNanos);
    }
    boolean elasticDone = false;
    Releases releases = new Releases();
    for (Outbound o : done) {
      elasticDone |= isElastic(o);
      o.release(releases);
    }
    releases.flush();
    for (Admitted admitted : ack.getAdmittedList()) {
      returnCredits(admitted);
    }
    for (int i = 0; i < refused.size(); i++) {
      refused.get(i).dropped(reasons.get(i));
    }
    lastActivityNanos = now;
    if (elasticDone && lanes.hasQueued(kind)) {
      requestDrain(); // elastic appends may have waited for in-flight room
    }
  }

  private static boolean isElastic(Outbound o) {
    return o.lane() == TrafficClass.APPEND && o.priority() == Priority.ELASTIC;
  }

  /** {@return the most elastic APPEND bytes that may be written and not yet acknowledged} */
  long elasticInflightLimitBytes() {
    return settings.elasticInflightBytes();
  }

  /** Elastic APPEND bytes written on the current stream and not yet acknowledged. */
  long elasticInflightBytes() {
    Stream stream;
    synchronized (this) {
      stream = current;
    }
    return stream == null ? 0 : stream.elasticInflightBytes();
  }

  private void returnCredits(Admitted admitted) {
    if (admitted.getRangeId() < 1) {
      return;
    }
    Priority priority;
    try {
      priority = WireCodec.priority(admitted.getPriority(), admitted.getPriorityValue());
    } catch (IllegalArgumentException unknown) {
      return; // a priority of a newer protocol: its credits return when the stream ends
    }
    ledger.admitted(RangeId.of(admitted.getRangeId()), peer.store(), priority, admitted.getUpToIndex());
  }

  private void onRefusal(Refusal refusal) {
    try {
      RaftEnvelope envelope = WireCodec.decodeEcho(refusal.getEnvelope());
      drops.echoed(envelope, WireCodec.dropReason(refusal.getCode()));
    } catch (MalformedEnvelopeException e) {
      log.warn("{}: unreadable refusal {} ({})", peer, refusal.getCode(), e.getMessage());
    }
  }

  /**
   * The stream ended: by the destination ({@code goodbye}: it completed the stream, which a
   * receiver does only when its transport closes) or with {@code status}. What was in flight is
   * reported lost and the peer's breaker opens; a goodbye is not a failure (see {@link Peer#left}).
   */
  private void ended(Stream stream, Status status, boolean goodbye) {
    List<Outbound> lost;
    DropReason reason;
    synchronized (this) {
      if (stream != current) {
        return; // closed on purpose, already accounted
      }
      current = null;
      waitingForReady = false;
      lost = stream.takeInflight();
      reason = closed ? DropReason.CLOSED : DropReason.UNREACHABLE;
    }
    Outbounds.fail(lost, reason);
    if (kind == StreamKind.DATA) {
      ledger.disconnected(peer.store()); // its admission notices cannot come now
    }
    if (goodbye) {
      peer.left(kind + " stream");
    } else {
      peer.failed(kind + " stream", status);
    }
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
          || stream.hasInflight()
          || hasQueued()
          || (kind == StreamKind.DATA && ledger.hasOutstanding(peer.store()))
          || timebase.nanoTime() - lastActivityNanos < settings.idleStreamTimeoutNanos()) {
        return;
      }
      current = null;
    }
    log.debug("{}: closing idle {} stream", peer, kind);
    try {
      stream.requests().onCompleted();
    } catch (RuntimeException e) {
      log.debug("{}: idle close of {} failed", peer, kind, e);
    }
  }

  /** Fails a stream whose destination has not answered its hello in time. */
  void checkHelloTimeout(long nowNanos) {
    Stream stream;
    synchronized (this) {
      stream = current;
    }
    if (stream != null && !stream.helloAcked && nowNanos - stream.openedNanos > settings.helloTimeoutNanos()) {
      log.warn("{}: no answer to the {} stream's hello; failing it", peer, kind);
      stream.requests().cancel("no hello answer", null);
    }
  }

  /** Closes on purpose: everything in flight is reported with {@code reason}. */
  void close(DropReason reason) {
    Stream stream;
    List<Outbound> lost;
    synchronized (this) {
      closed = true;
      stream = current;
      current = null;
      lost = stream == null ? List.of() : stream.takeInflight();
    }
    Outbounds.fail(lost, reason);
    if (stream != null) {
      try {
        stream.requests().cancel("transport closed", null);
      } catch (RuntimeException e) {
        log.debug("{}: cancel of {} failed", peer, kind, e);
      }
    }
  }

  /** One gRPC stream and what was written on it; callbacks of a stream no longer current are ignored. */
  private final class Stream implements ClientResponseObserver<InputStream, ServerFrame> {
    final long openedNanos;
    volatile @Nullable ClientCallStreamObserver<InputStream> requests;
    volatile boolean helloAcked;
    volatile long maxFrameBytes = Long.MAX_VALUE;

    @GuardedBy("StreamWriter.this")
    private long nextSeq = 1;

    @GuardedBy("StreamWriter.this")
    private final ArrayDeque<Outbound> inflight = new ArrayDeque<>();

    /** Bytes of elastic APPENDs in {@link #inflight}. */
    @GuardedBy("StreamWriter.this")
    private long elasticInflight;

    Stream(long openedNanos) {
      this.openedNanos = openedNanos;
    }

    ClientCallStreamObserver<InputStream> requests() {
      ClientCallStreamObserver<InputStream> r = requests;
      if (r == null) {
        throw new IllegalStateException("stream not started");
      }
      return r;
    }

    /** Numbers {@code batch} and records it in flight; or, if this stream ended, the drop reason. */
    @Nullable DropReason assignSeqs(List<Outbound> batch, long nowNanos) {
      synchronized (StreamWriter.this) {
        if (current != this) {
          return closed ? DropReason.CLOSED : DropReason.UNREACHABLE;
        }
        for (Outbound o : batch) {
          o.seq = nextSeq++;
          o.writtenNanos = nowNanos;
          inflight.addLast(o);
          if (isElastic(o)) {
            elasticInflight += o.sizeBytes();
          }
        }
        return null;
      }
    }

    /** Moves what {@code through} acknowledges out of flight; the refused ones with their reasons too. */
    void acknowledge(long through, Map<Long, Refused> refusedBySeq, List<Outbound> done, List<Outbound> refused,
        List<DropReason> reasons) {
      synchronized (StreamWriter.this) {
        acknowledgeLocked(through, refusedBySeq, done, refused, reasons);
      }
    }

    @GuardedBy("StreamWriter.this")
    private void acknowledgeLocked(long through, Map<Long, Refused> refusedBySeq, List<Outbound> done,
        List<Outbound> refused, List<DropReason> reasons) {
      boolean anyRefused = !refusedBySeq.isEmpty(); // most acks refuse nothing: no lookup per message
      while (!inflight.isEmpty() && inflight.peekFirst().seq <= through) {
        Outbound o = inflight.pollFirst();
        if (isElastic(o)) {
          elasticInflight -= o.sizeBytes();
        }
        done.add(o);
        Refused r = anyRefused ? refusedBySeq.get(o.seq) : null;
        if (r != null) {
          refused.add(o);
          reasons.add(WireCodec.dropReason(r.getCode()));
          if (log.isDebugEnabled()) {
            log.debug("{}: seq {} refused: {} {}", peer, o.seq, r.getCode(), r.getDetail());
          }
        }
      }
    }

    long elasticInflightBytes() {
      synchronized (StreamWriter.this) {
        return elasticInflight;
      }
    }

    boolean hasInflight() {
      synchronized (StreamWriter.this) {
        return !inflight.isEmpty();
      }
    }

    List<Outbound> takeInflight() {
      synchronized (StreamWriter.this) {
        List<Outbound> all = new ArrayList<>(inflight);
        inflight.clear();
        elasticInflight = 0;
        return all;
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<InputStream> requestStream) {
      this.requests = requestStream;
      requestStream.setOnReadyHandler(() -> {
        waitingForReady = false;
        requestDrain();
      });
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
          peer.connected();
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
      ended(this, Status.fromThrowable(t), false);
    }

    @Override
    public void onCompleted() {
      ended(this, Status.UNAVAILABLE.withDescription("the destination ended the stream"), true);
    }
  }
}
