package io.raftwire.grpc;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.internal.wire.Ack;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.HelloAck;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A peer that speaks the wire protocol but can stop reading its DATA streams, so that HTTP/2 flow
 * control makes the sender's data stream not ready: a slow network, for real. CONTROL streams are
 * always read and acknowledged.
 */
final class StallingPeer implements AutoCloseable {
  final ConcurrentLinkedQueue<Envelope> control = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Envelope> data = new ConcurrentLinkedQueue<>();
  private final List<ServerCallStreamObserver<ServerFrame>> dataStreams = new CopyOnWriteArrayList<>();
  private volatile boolean stalled = true;
  private final Server server;

  StallingPeer(long storeId) {
    RaftWireGrpc.RaftWireImplBase service =
        new RaftWireGrpc.RaftWireImplBase() {
          @Override
          public StreamObserver<ClientFrame> stream(StreamObserver<ServerFrame> observer) {
            ServerCallStreamObserver<ServerFrame> responses = (ServerCallStreamObserver<ServerFrame>) observer;
            responses.disableAutoRequest();
            responses.request(1);
            return new StreamObserver<>() {
              Lane lane;

              @Override
              public void onNext(ClientFrame frame) {
                if (frame.hasHello()) {
                  lane = frame.getHello().getLane();
                  reply(
                      responses,
                      ServerFrame.newBuilder()
                          .setHelloAck(HelloAck.newBuilder().setProtocolVersion(WireCodec.PROTOCOL_VERSION).setStore(storeId))
                          .build());
                  if (lane == Lane.LANE_DATA) {
                    dataStreams.add(responses);
                    if (stalled) {
                      return; // read nothing more until resume()
                    }
                  }
                } else {
                  long through = 0;
                  for (Envelope e : frame.getBatch().getEnvelopesList()) {
                    (lane == Lane.LANE_CONTROL ? control : data).add(e);
                    through = e.getSeq();
                  }
                  reply(responses, ServerFrame.newBuilder().setAck(Ack.newBuilder().setReceivedThrough(through)).build());
                }
                responses.request(1);
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
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .directExecutor()
              .addService(service)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void reply(ServerCallStreamObserver<ServerFrame> responses, ServerFrame frame) {
    synchronized (responses) {
      responses.onNext(frame);
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /** Starts reading the DATA streams again. */
  void resume() {
    stalled = false;
    for (ServerCallStreamObserver<ServerFrame> stream : dataStreams) {
      stream.request(1);
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
