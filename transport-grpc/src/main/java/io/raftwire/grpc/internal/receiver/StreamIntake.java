package io.raftwire.grpc.internal.receiver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.internal.wire.Ack;
import io.raftwire.grpc.internal.wire.Admitted;
import io.raftwire.grpc.internal.wire.Hello;
import io.raftwire.grpc.internal.wire.HelloAck;
import io.raftwire.grpc.internal.wire.InboundEnvelope;
import io.raftwire.grpc.internal.wire.InboundFrame;
import io.raftwire.grpc.internal.wire.InboundHeartbeats;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.Refusal;
import io.raftwire.grpc.internal.wire.RefusalCode;
import io.raftwire.grpc.internal.wire.Refused;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inbound stream from a sending store. Frames arrive on a gRPC thread, one at a time; they are
 * parsed here (so garbage is answered, not thrown) and each envelope is handed to the {@link
 * Intake} (or a bundle to the {@link BundleSink}) and acknowledged, or refused by sequence number.
 *
 * <p>Responses are coalesced and written only while the stream is ready: at most one pending ack
 * (the newest watermark with the refusals and credit returns since the last one) and a bounded
 * queue of late refusals; a sender that never reads its responses loses late refusal reports
 * (counted), never the receiver's memory.
 */
final class StreamIntake implements StreamObserver<InputStream>, LateRefusals {
  private static final Logger log = LoggerFactory.getLogger(StreamIntake.class);

  /** Most bytes of late refusals waiting for the stream to be ready. */
  static final long MAX_PENDING_REFUSAL_BYTES = 16L * 1024 * 1024;
  /** Most early refusals waiting for the stream to be ready before the stream is failed. */
  static final int MAX_PENDING_REFUSED = 65_536;
  private static final int PRIORITIES = 2;

  private final StoreId local;
  private final long maxFrameBytes;
  private final @Nullable StoreId authenticated;
  private final SenderRules rules;
  private final InboundStreams streams;
  private final Intake intake;

  /** Ranges the frame being taken made ready; handed to the workers once per frame. */
  private final ReadyRanges ready = new ReadyRanges();
  private final BundleSink bundles;
  private final HeartbeatIntake heartbeats;
  private final VerifiedHellos hellos;
  private final ReceiverMetrics counters;
  private final ServerCallStreamObserver<ServerFrame> responses;

  // Written once by the gRPC thread at the hello, before the stream is published to others.
  private volatile @Nullable StoreId sender;
  // Read and written only by the gRPC thread delivering this stream's frames (serial).
  private long lastSeq;
  // Set once by the gRPC thread at the hello, read when the stream ends: counted under its sender.
  volatile boolean counted;

  @GuardedBy("this")
  private boolean ended;

  @GuardedBy("this")
  private long pendingThrough;

  @GuardedBy("this")
  private long sentThrough;

  @GuardedBy("this")
  private final List<Refused> pendingRefused = new ArrayList<>();

  @GuardedBy("this")
  private final ArrayDeque<ServerFrame> pendingRefusals = new ArrayDeque<>();

  @GuardedBy("this")
  private long pendingRefusalBytes;

  /** Credit returns to piggyback: range id -> highest admitted index per priority (0: none). */
  @GuardedBy("this")
  private final Map<Long, long[]> pendingAdmitted = new HashMap<>();

  /**
   * @param authenticated the store the connection's certificate names; null if the server
   *     authenticates nobody
   */
  StreamIntake(StoreId local, long maxFrameBytes, @Nullable StoreId authenticated, SenderRules rules,
      InboundStreams streams, Intake intake, BundleSink bundles, HeartbeatIntake heartbeats, VerifiedHellos hellos,
      ReceiverMetrics counters, ServerCallStreamObserver<ServerFrame> responses) {
    this.heartbeats = heartbeats;
    this.local = local;
    this.maxFrameBytes = maxFrameBytes;
    this.authenticated = authenticated;
    this.rules = rules;
    this.streams = streams;
    this.intake = intake;
    this.bundles = bundles;
    this.hellos = hellos;
    this.counters = counters;
    this.responses = responses;
    responses.setOnReadyHandler(this::flush);
    responses.setOnCancelHandler(this::cancelled);
  }

  @Override
  public void onNext(InputStream raw) {
    synchronized (this) {
      if (ended) {
        return;
      }
    }
    InboundFrame frame;
    try {
      frame = InboundFrame.read(raw, sender, local);
    } catch (IOException e) {
      fail(ProtocolError.MALFORMED_FRAME, String.valueOf(e.getMessage()));
      return;
    }
    StoreId from = sender;
    if (from != null) {
      heartbeats.heard(from);
    }
    switch (frame.kind()) {
      case HELLO:
        onHello(frame.hello());
        break;
      case BATCH:
        onBatch(frame.heartbeats(), frame.envelopes());
        break;
      default:
        break; // a frame kind from a newer protocol: ignored
    }
  }

  private void onHello(Hello hello) {
    if (sender != null) {
      fail(ProtocolError.SECOND_HELLO, "second hello on one stream");
      return;
    }
    if (hello.getProtocolVersion() != WireCodec.PROTOCOL_VERSION) {
      fail(ProtocolError.UNSUPPORTED_VERSION, "protocol version " + hello.getProtocolVersion()
          + " is not supported by " + local + ", which speaks " + WireCodec.PROTOCOL_VERSION);
      return;
    }
    if (hello.getSenderStore() < 1) {
      fail(ProtocolError.NO_SENDER, "hello without a sender store");
      return;
    }
    StoreId from = StoreId.of(hello.getSenderStore());
    if (authenticated != null && !authenticated.equals(from)) {
      fail(ProtocolError.SENDER_NOT_AUTHENTICATED,
          "hello says " + from + " on a connection whose certificate names " + authenticated);
      return;
    }
    if (!rules.allowed(from)) {
      fail(ProtocolError.SENDER_NOT_ALLOWED, from + " is not on the allow-list");
      return;
    }
    sender = from;
    if (!streams.helloed(this)) {
      fail(ProtocolError.TOO_MANY_STREAMS, from + " has too many streams open here");
      return;
    }
    if (hello.getLane() == Lane.LANE_DATA) {
      streams.dataStreamOpened(from, this);
    }
    if (hello.getDestinationStore() == local.value()) {
      // Before the answer, so that a sender that has its answer knows it was heard. A hello for
      // another store (a stale address) says nothing about the sender's own address.
      hellos.verified(from);
    }
    write(
        ServerFrame.newBuilder()
            .setHelloAck(
                HelloAck.newBuilder()
                    .setProtocolVersion(WireCodec.PROTOCOL_VERSION)
                    .setStore(local.value())
                    .setMaxFrameBytes(maxFrameBytes))
            .build());
  }

  private void onBatch(@Nullable InboundHeartbeats beats, List<InboundEnvelope> batch) {
    StoreId from = sender;
    if (from == null) {
      fail(ProtocolError.BATCH_BEFORE_HELLO, "batch before hello");
      return;
    }
    // Check the whole batch before taking any of it, so that nothing of a refused batch is queued.
    // The heartbeat part's sequence number comes before the envelopes'.
    long through = lastSeq;
    if (beats != null) {
      if (beats.seq() != through + 1) {
        fail(ProtocolError.SEQUENCE, "heartbeats seq " + beats.seq() + " where " + (through + 1) + " was due");
        return;
      }
      through = beats.seq();
    }
    for (int i = 0, n = batch.size(); i < n; i++) {
      InboundEnvelope wire = batch.get(i);
      if (wire.seq() != through + 1) {
        fail(ProtocolError.SEQUENCE, "seq " + wire.seq() + " where " + (through + 1) + " was due");
        return;
      }
      through = wire.seq();
      if (wire.fromStore() < 0) {
        fail(ProtocolError.MALFORMED_FRAME, "from_store " + Long.toUnsignedString(wire.fromStore()) + " is no store id");
        return;
      }
      if (wire.fromStore() != 0 && wire.fromStore() != from.value() && !wire.isBundle()
          && !rules.mayRelay(from, StoreId.of(wire.fromStore()))) {
        fail(ProtocolError.RELAY_NOT_ALLOWED,
            from + " may not hand this store a message written by s" + wire.fromStore());
        return;
      }
    }
    List<Refused> refused = null;
    if (beats != null) {
      Refused refusal = takeHeartbeats(beats, from);
      if (refusal != null) {
        refused = new ArrayList<>();
        refused.add(refusal);
      }
    }
    try {
      for (int i = 0, n = batch.size(); i < n; i++) {
        InboundEnvelope wire = batch.get(i);
        DropReason reason;
        String detail = wire.malformed();
        if (detail != null) {
          reason = DropReason.MALFORMED;
        } else {
          detail = "";
          try {
            reason = take(wire, from);
          } catch (IllegalArgumentException e) {
            reason = DropReason.MALFORMED;
            detail = String.valueOf(e.getMessage());
          }
        }
        if (reason != null) {
          counters.dropped(reason);
          if (refused == null) {
            refused = new ArrayList<>();
          }
          refused.add(Refused.newBuilder().setSeq(wire.seq()).setCode(WireCodec.refusalCode(reason)).setDetail(detail).build());
        }
      }
    } finally {
      intake.schedule(ready); // one hand-over per frame, however many ranges it made ready
    }
    lastSeq = through;
    boolean overflow;
    synchronized (this) {
      pendingThrough = through;
      if (refused != null) {
        pendingRefused.addAll(refused);
      }
      overflow = pendingRefused.size() > MAX_PENDING_REFUSED;
    }
    if (overflow) {
      fail(ProtocolError.ACKS_NOT_READ, "the sender does not read its acknowledgements");
      return;
    }
    flush();
  }

  /** Queues a heartbeat part for the store's handler; its refusal, or null. A beacon is only acknowledged. */
  private @Nullable Refused takeHeartbeats(InboundHeartbeats beats, StoreId from) {
    DropReason reason;
    String detail = beats.malformed();
    if (detail != null) {
      reason = DropReason.MALFORMED;
    } else if (beats.records().isEmpty()) {
      return null;
    } else {
      detail = "";
      reason = heartbeats.admit(from, beats.records());
    }
    if (reason == null) {
      return null;
    }
    counters.dropped(reason);
    return Refused.newBuilder().setSeq(beats.seq()).setCode(WireCodec.refusalCode(reason)).setDetail(detail).build();
  }

  private @Nullable DropReason take(InboundEnvelope wire, StoreId from) {
    if (wire.isBundle()) {
      return bundles.accept(wire.bundleWire(), from, this);
    }
    if (wire.fromStore() != 0 && wire.fromStore() != from.value()) {
      counters.relayedIn.inc(); // relayed by the sender, its zone's fan-out agent; decoded as written by that store
    }
    return intake.admit(wire.envelope(), this, ready);
  }

  @Override
  public void refuseLate(RaftEnvelope envelope, RefusalCode code) {
    synchronized (this) {
      if (ended || pendingRefusalBytes + envelope.sizeBytes() > MAX_PENDING_REFUSAL_BYTES) {
        counters.unreportedRefusals.inc();
        return;
      }
      ServerFrame frame =
          ServerFrame.newBuilder()
              .setRefusal(Refusal.newBuilder().setEnvelope(WireCodec.encodeWithSender(envelope)).setCode(code))
              .build();
      pendingRefusals.addLast(frame);
      pendingRefusalBytes += frame.getSerializedSize();
    }
    flush();
  }

  /** Queues a credit return for the stream's sender; it rides on the next ack. Any thread. */
  synchronized void queueAdmitted(RangeId range, Priority priority, long upToIndex) {
    long[] indexes = pendingAdmitted.computeIfAbsent(range.value(), r -> new long[PRIORITIES]);
    int slot = slot(priority);
    indexes[slot] = Math.max(indexes[slot], upToIndex);
  }

  private static int slot(Priority priority) {
    return priority == Priority.REGULAR ? 0 : 1;
  }

  private static Priority priority(int slot) {
    return slot == 0 ? Priority.REGULAR : Priority.ELASTIC;
  }

  synchronized boolean hasPendingNotices() {
    return !pendingAdmitted.isEmpty();
  }

  @Nullable StoreId sender() {
    return sender;
  }

  /** Writes what is pending while the stream is ready. Any thread. */
  synchronized void flush() {
    if (ended) {
      return;
    }
    try {
      while (!pendingRefusals.isEmpty() && responses.isReady()) {
        ServerFrame frame = pendingRefusals.pollFirst();
        pendingRefusalBytes -= frame.getSerializedSize();
        responses.onNext(frame);
      }
      if ((pendingThrough > sentThrough || !pendingRefused.isEmpty() || !pendingAdmitted.isEmpty())
          && responses.isReady()) {
        Ack.Builder ack = Ack.newBuilder().setReceivedThrough(pendingThrough).addAllRefused(pendingRefused);
        for (Map.Entry<Long, long[]> e : pendingAdmitted.entrySet()) {
          long[] indexes = e.getValue();
          for (int slot = 0; slot < indexes.length; slot++) {
            if (indexes[slot] > 0) {
              ack.addAdmitted(Admitted.newBuilder().setRangeId(e.getKey())
                  .setPriority(WireCodec.wire(priority(slot))).setUpToIndex(indexes[slot]));
            }
          }
        }
        responses.onNext(ServerFrame.newBuilder().setAck(ack).build());
        sentThrough = pendingThrough;
        pendingRefused.clear();
        pendingAdmitted.clear();
      }
    } catch (RuntimeException e) {
      log.debug("{}: response write failed (stream ending)", local, e);
    }
  }

  private synchronized void write(ServerFrame frame) {
    if (!ended) {
      responses.onNext(frame);
    }
  }

  /** Ends the stream for {@code error}: counted, reported, answered with its status. Any thread. */
  void fail(ProtocolError error, String detail) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
    }
    Status status = error.status(detail);
    StoreId from = sender;
    counters.protocolError(error, from != null ? from : authenticated != null ? authenticated : "an unnamed sender", detail);
    streams.ended(this);
    try {
      responses.onError(status.asRuntimeException());
    } catch (RuntimeException e) {
      log.debug("{}: stream already gone", local, e);
    }
  }

  private void cancelled() {
    synchronized (this) {
      ended = true;
    }
    streams.ended(this);
  }

  @Override
  public void onError(Throwable t) {
    cancelled();
  }

  @Override
  public void onCompleted() {
    boolean wasEnded;
    synchronized (this) {
      wasEnded = ended;
    }
    if (!wasEnded) {
      flush();
      shutdown();
    }
  }

  /** Ends the stream from the receiver's side after flushing what is pending. */
  void shutdown() {
    synchronized (this) {
      if (ended) {
        return;
      }
      flush();
      ended = true;
      try {
        responses.onCompleted();
      } catch (RuntimeException e) {
        log.debug("{}: stream already gone", local, e);
      }
    }
    streams.ended(this);
  }
}
