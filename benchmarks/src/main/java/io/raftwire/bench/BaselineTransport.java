package io.raftwire.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.raftwire.example.kv.RaftTransportFactory;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.MalformedEnvelopeException;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A transport as Raft users commonly write one, for comparison: {@code FIFO} puts every message of
 * a destination in one unbounded queue and writes them one per {@code onNext}, without looking at
 * readiness (gRPC buffers the rest); {@code UNARY} makes one RPC per message. No lanes, no budgets,
 * no credits, no batching; nothing is ever refused. Messages carry raftwire's own envelope
 * encoding, so only the transport differs. Deliveries are serial per range, as the SPI requires.
 */
final class BaselineTransport implements RaftTransport {
  enum Mode {
    FIFO,
    UNARY
  }

  private static final String SERVICE = "raftwire.bench.Baseline";
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Stream"))
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Unary"))
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  private final Mode mode;
  private final StoreId store;
  private final StoreResolver peers;
  private final Server server;
  private final Map<RangeId, InboundHandler> handlers = new ConcurrentHashMap<>();
  private final Map<StoreId, Link> links = new ConcurrentHashMap<>();
  /** Bytes accepted by {@code send} and not yet written to gRPC (the FIFO queues). */
  final AtomicLong queuedBytes = new AtomicLong();
  private volatile boolean closed;

  /** Listens on a free port of 127.0.0.1 and publishes it into {@code addresses}, where it finds its peers. */
  BaselineTransport(Mode mode, StoreId store, Map<StoreId, InetSocketAddress> addresses) throws IOException {
    this(mode, store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), StoreResolver.of(addresses));
    addresses.put(store, listenAddress());
  }

  /**
   * Listens on {@code listenAddress} (port 0: a free one, see {@link #listenAddress()}) and finds
   * its peers with {@code peers}; a peer not resolved yet is unreachable (its sends are refused).
   */
  BaselineTransport(Mode mode, StoreId store, InetSocketAddress listenAddress, StoreResolver peers) throws IOException {
    this.mode = mode;
    this.store = store;
    this.peers = peers;
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(STREAM, ServerCalls.asyncClientStreamingCall(responses -> new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] message) {
            deliver(message);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            responses.onNext(new byte[0]);
            responses.onCompleted();
          }
        }))
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((message, responses) -> {
          deliver(message);
          responses.onNext(new byte[0]);
          responses.onCompleted();
        }))
        .build();
    this.server = NettyServerBuilder.forAddress(listenAddress).addService(service).build().start();
  }

  /** Where this transport's server listens. */
  InetSocketAddress listenAddress() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /** A factory of FIFO baselines for the example cluster ({@code LocalCluster.Builder#transportFactory}). */
  static RaftTransportFactory factory(Mode mode) {
    return (store, listenAddress, peers) -> {
      BaselineTransport transport = new BaselineTransport(mode, store, listenAddress, peers);
      return new RaftTransportFactory.Started(transport, transport.listenAddress());
    };
  }

  private void deliver(byte[] bytes) {
    RaftEnvelope envelope;
    try {
      envelope = WireCodec.decodeEcho(Envelope.parseFrom(bytes));
    } catch (IOException | MalformedEnvelopeException e) {
      return;
    }
    InboundHandler handler = handlers.get(envelope.range());
    if (handler != null) {
      synchronized (handler) {
        handler.deliver(envelope.range(), List.of(envelope));
      }
    }
  }

  @Override
  public StoreId localStore() {
    return store;
  }

  @Override
  public SendResult send(RaftEnvelope envelope) {
    if (closed) {
      return SendResult.refused(io.raftwire.transport.DropReason.CLOSED);
    }
    StoreId destination = envelope.to().store();
    if (!links.containsKey(destination) && peers.resolve(destination).isEmpty()) {
      return SendResult.refused(io.raftwire.transport.DropReason.UNREACHABLE);
    }
    byte[] bytes = WireCodec.encodeWithSender(envelope).toByteArray();
    Link link = links.computeIfAbsent(destination, Link::new);
    if (mode == Mode.UNARY) {
      ClientCalls.asyncUnaryCall(link.channel.newCall(UNARY, CallOptions.DEFAULT), bytes, IGNORE);
    } else {
      queuedBytes.addAndGet(bytes.length);
      link.queue.add(bytes);
      LockSupport.unpark(link.writer);
    }
    return SendResult.accepted();
  }

  private static final StreamObserver<byte[]> IGNORE = new StreamObserver<>() {
    @Override
    public void onNext(byte[] value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  };

  /** One destination: a channel and, for FIFO, a queue with its writer thread. */
  private final class Link {
    final ManagedChannel channel;
    final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
    final Thread writer;

    Link(StoreId destination) {
      this.channel = NettyChannelBuilder.forAddress(peers.resolve(destination).orElseThrow()).usePlaintext().build();
      this.writer = new Thread(this::writeLoop, "baseline-" + store + "-to-" + destination);
      writer.setDaemon(true);
      if (mode == Mode.FIFO) {
        writer.start();
      }
    }

    private void writeLoop() {
      StreamObserver<byte[]> stream = ClientCalls.asyncClientStreamingCall(channel.newCall(STREAM, CallOptions.DEFAULT), IGNORE);
      while (!closed) {
        byte[] next = queue.poll();
        if (next == null) {
          LockSupport.parkNanos(100_000);
          continue;
        }
        queuedBytes.addAndGet(-next.length);
        stream.onNext(next); // one message per write, readiness ignored: gRPC buffers the rest
      }
      stream.onCompleted();
    }
  }

  @Override
  public boolean isReachable(StoreId destination) {
    return peers.resolve(destination).isPresent();
  }

  @Override
  public Registration register(RangeId range, InboundHandler handler) {
    handlers.put(range, handler);
    return () -> handlers.remove(range, handler);
  }

  @Override
  public Registration addDropListener(DropListener listener) {
    return () -> {};
  }

  @Override
  public TransportLimits limits() {
    return TransportLimits.defaults();
  }

  @Override
  public void updateLimits(TransportLimits limits) {}

  @Override
  public void close() {
    closed = true;
    for (Link link : links.values()) {
      link.channel.shutdownNow();
    }
    server.shutdownNow();
  }
}
