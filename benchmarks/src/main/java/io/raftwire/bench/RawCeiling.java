package io.raftwire.bench;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.TrafficClass;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling: raw gRPC bidirectional streaming of the same envelopes, batched like raftwire (up
 * to 1 MiB or 1024 per frame), written only while the stream is ready, parsed by the receiver —
 * and nothing else (no queues, lanes, budgets, acks, delivery threads). Over plaintext, or over
 * mutual TLS with gRPC's own TLS credentials (the TLS ceiling: what TLS costs gRPC alone).
 */
final class RawCeiling implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  final AtomicLong received = new AtomicLong();
  private volatile boolean stop;
  private final Optional<BenchPki> pki;
  private final String tls;

  /** @param tls whether to run over mutual TLS, with certificates made now */
  RawCeiling(boolean tls) throws IOException, InterruptedException {
    RaftWireGrpc.RaftWireImplBase service = new RaftWireGrpc.RaftWireImplBase() {
      @Override
      public StreamObserver<ClientFrame> stream(StreamObserver<ServerFrame> responses) {
        return new StreamObserver<>() {
          @Override
          public void onNext(ClientFrame frame) {
            received.addAndGet(frame.getBatch().getEnvelopesCount());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            responses.onCompleted();
          }
        };
      }
    };
    pki = tls ? Optional.of(BenchPki.create(Transports.SENDER, Transports.RECEIVER)) : Optional.empty();
    ServerCredentials serverCredentials = pki.isPresent()
        ? pki.get().serverCredentials(Transports.RECEIVER) : InsecureServerCredentials.create();
    ChannelCredentials channelCredentials = pki.isPresent()
        ? pki.get().channelCredentials(Transports.SENDER) : InsecureChannelCredentials.create();
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverCredentials)
        .directExecutor().maxInboundMessageSize(64 << 20).addService(service).build().start();
    InetSocketAddress address = (InetSocketAddress) server.getListenSockets().get(0);
    channel = NettyChannelBuilder.forAddress(address, channelCredentials).directExecutor().build();
    this.tls = tls ? TlsProbe.describe(address, channelCredentials) : "";
  }

  /** The TLS the ceiling runs ({@link TlsProbe}); empty for plaintext. */
  String tls() {
    return tls;
  }

  /** Streams envelopes with {@code bytes} of entry data until {@link #close()}. */
  void start(int bytes) {
    long perMessage = Transports.message(1, TrafficClass.APPEND, 0, bytes).sizeBytes();
    int count = (int) Math.max(1, Math.min(1024, (1 << 20) / perMessage));
    Batch.Builder batch = Batch.newBuilder();
    for (int i = 0; i < count; i++) {
      batch.addEnvelopes(WireCodec.encode(Transports.message(1 + i % 8, TrafficClass.APPEND, i, bytes), i + 1));
    }
    ClientFrame frame = ClientFrame.newBuilder().setBatch(batch).build();
    RaftWireGrpc.newStub(channel).stream(new ClientResponseObserver<ClientFrame, ServerFrame>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ClientFrame> requests) {
        requests.setOnReadyHandler(() -> {
          while (!stop && requests.isReady()) {
            requests.onNext(frame);
          }
        });
      }

      @Override
      public void onNext(ServerFrame value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
  }

  @Override
  public void close() {
    stop = true;
    channel.shutdownNow();
    server.shutdownNow();
    pki.ifPresent(BenchPki::close);
  }
}
