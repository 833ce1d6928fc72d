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
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.message.TrafficClass;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * What the raw baselines share ({@link RawCeiling}, {@link RawEncoded}): one plain gRPC
 * bidirectional stream of the generated {@code RaftWire} service from a channel to a server on
 * 127.0.0.1, both on the direct executor (callbacks run on gRPC's own threads, nothing is handed
 * off), frames parsed by the generated marshaller, over plaintext or mutual TLS with gRPC's own
 * TLS credentials. The sender writes frames only while the stream is ready, from its on-ready
 * handler; the receiver's handler says how many messages each frame delivered.
 */
final class RawStream implements AutoCloseable {
  /** raftwire's default batch: a frame carries up to 1 MiB or 1024 messages. */
  private static final long BATCH_BYTES = 1 << 20;

  private static final int BATCH_MESSAGES = 1024;

  private final Server server;
  private final ManagedChannel channel;
  private final AtomicLong received = new AtomicLong();
  private final Optional<BenchPki> pki;
  private final String tls;
  private volatile boolean stop;

  /**
   * @param tls whether to run over mutual TLS, with certificates made now
   * @param deliver the receiver's handler of one parsed frame: the messages it delivered
   */
  RawStream(boolean tls, ToLongFunction<ClientFrame> deliver) throws IOException, InterruptedException {
    RaftWireGrpc.RaftWireImplBase service = new RaftWireGrpc.RaftWireImplBase() {
      @Override
      public StreamObserver<ClientFrame> stream(StreamObserver<ServerFrame> responses) {
        return new StreamObserver<>() {
          @Override
          public void onNext(ClientFrame frame) {
            received.addAndGet(deliver.applyAsLong(frame));
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

  /**
   * Messages of {@code bytes} of entry data per frame, batched like raftwire: up to 1 MiB or 1024
   * messages, at least one.
   */
  static int batchMessages(int bytes) {
    long perMessage = Transports.message(1, TrafficClass.APPEND, 0, bytes).sizeBytes();
    return (int) Math.max(1, Math.min(BATCH_MESSAGES, BATCH_BYTES / perMessage));
  }

  /** The TLS the stream runs ({@link TlsProbe}); empty for plaintext. */
  String tls() {
    return tls;
  }

  /** Messages the receiver's handler delivered so far. */
  long received() {
    return received.get();
  }

  /** Opens the stream and writes {@code frames.get()} whenever it is ready, until {@link #close()}. */
  void start(Supplier<ClientFrame> frames) {
    RaftWireGrpc.newStub(channel).stream(new ClientResponseObserver<ClientFrame, ServerFrame>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ClientFrame> requests) {
        requests.setOnReadyHandler(() -> {
          while (!stop && requests.isReady()) {
            requests.onNext(frames.get());
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
