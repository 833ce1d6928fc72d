package io.raftwire.grpc.internal.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.grpc.stub.ServerCallStreamObserver;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Hello;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A stream asks gRPC for one frame beyond the one it is taking, so the next frame is read off the
 * connection (and its bytes returned to the HTTP/2 window) while this one is parsed and admitted;
 * an ended stream asks for nothing more.
 */
class StreamIntakeReadAheadTest {
  private static final StoreId SENDER = StoreId.of(1);
  private static final StoreId LOCAL = StoreId.of(2);

  private final Responses responses = new Responses();
  private final List<RaftEnvelope> admitted = new ArrayList<>();
  private final StreamIntake stream = intake();

  @Test
  void asksForOneFrameAheadAndOneMoreForEveryFrameTaken() {
    assertTrue(responses.autoRequestDisabled, "gRPC's one-at-a-time requests are replaced");
    assertEquals(StreamIntake.READ_AHEAD_FRAMES, responses.requested);
    assertEquals(2, responses.requested, "the frame being taken and one more");

    stream.onNext(WireCodec.stream(hello()));
    stream.onNext(WireCodec.stream(batch(1, 2)));
    stream.onNext(WireCodec.stream(batch(3)));

    assertEquals(2 + 3, responses.requested, "one more frame asked for per frame taken");
    assertEquals(3, admitted.size());
    assertEquals(3, responses.lastAck().getAck().getReceivedThrough());
  }

  @Test
  void aBatchWithRefusedEnvelopesStillAsksForTheNextFrame() {
    stream.onNext(WireCodec.stream(hello()));
    stream.onNext(WireCodec.stream(batch(1, 2)));
    refuseNext = true;
    stream.onNext(WireCodec.stream(batch(3)));

    assertEquals(2 + 3, responses.requested);
    assertEquals(1, responses.lastAck().getAck().getRefusedCount());
    assertEquals(3, responses.lastAck().getAck().getRefused(0).getSeq());
  }

  @Test
  void aMalformedFrameEndsTheStreamAndNothingMoreIsAskedFor() {
    stream.onNext(WireCodec.stream(hello()));
    stream.onNext(new ByteArrayInputStream(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}));
    stream.onNext(WireCodec.stream(batch(1)));

    assertNotNull(responses.error, "the stream is failed with a status");
    assertEquals(2 + 1, responses.requested, "only the hello asked for another frame");
    assertTrue(admitted.isEmpty(), "nothing is taken from a failed stream");
  }

  private boolean refuseNext;

  private StreamIntake intake() {
    StoreMetrics metrics = new StoreMetrics(new MetricRegistry(), LOCAL);
    ReceiverMetrics counters = new ReceiverMetrics(metrics, ProblemLog.create(() -> 0L, 1_000_000_000L, 16, 16, line -> { }));
    SenderRules rules = new SenderRules() {
      @Override
      public boolean allowed(StoreId store) {
        return true;
      }

      @Override
      public boolean mayRelay(StoreId relay, StoreId writer) {
        return false;
      }

      @Override
      public @Nullable StoreId authenticatedPeer() {
        return null;
      }
    };
    InboundStreams streams = new InboundStreams(LOCAL, rules, 4, counters, metrics);
    Intake intake = new Intake() {
      @Override
      public @Nullable DropReason admit(RaftEnvelope envelope, LateRefusals origin, @Nullable ReadyRanges ready) {
        if (refuseNext) {
          return DropReason.UNKNOWN_RANGE;
        }
        admitted.add(envelope);
        return null;
      }

      @Override
      public void schedule(ReadyRanges ready) {}

      @Override
      public boolean closed() {
        return false;
      }
    };
    HeartbeatIntake heartbeats = new HeartbeatIntake() {
      @Override
      public @Nullable DropReason admit(StoreId from, List<Heartbeat> beats) {
        return null;
      }

      @Override
      public void heard(StoreId from) {}
    };
    return new StreamIntake(LOCAL, 1 << 20, null, rules, streams, intake, BundleSink.NONE, heartbeats, sender -> {},
        counters, responses);
  }

  private static ClientFrame hello() {
    return ClientFrame.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(WireCodec.PROTOCOL_VERSION)
        .setSenderStore(SENDER.value()).setDestinationStore(LOCAL.value()).setLane(Lane.LANE_DATA)).build();
  }

  private static ClientFrame batch(long... seqs) {
    Batch.Builder b = Batch.newBuilder();
    for (long seq : seqs) {
      b.addEnvelopes(WireCodec.encode(GrpcEnvelopes.append(seq), seq));
    }
    return ClientFrame.newBuilder().setBatch(b).build();
  }

  /** The server side of the call as the stream sees it: records what the stream asks and writes. */
  private static final class Responses extends ServerCallStreamObserver<ServerFrame> {
    boolean autoRequestDisabled;
    int requested;
    final List<ServerFrame> written = new ArrayList<>();
    @Nullable Throwable error;

    ServerFrame lastAck() {
      for (int i = written.size() - 1; i >= 0; i--) {
        if (written.get(i).hasAck()) {
          return written.get(i);
        }
      }
      throw new AssertionError("no ack written: " + written);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {
      autoRequestDisabled = true;
    }

    @Override
    public void disableAutoRequest() {
      autoRequestDisabled = true;
    }

    @Override
    public void request(int count) {
      requested += count;
    }

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(ServerFrame value) {
      written.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }
}
