package io.raftwire.grpc.internal.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.raftwire.grpc.TestPki;
import io.raftwire.grpc.internal.snapshot.transfer.SnapshotWire;
import io.raftwire.grpc.internal.wire.Chunk;
import io.raftwire.grpc.internal.wire.DelegateEvent;
import io.raftwire.grpc.internal.wire.DelegateRequest;
import io.raftwire.grpc.internal.wire.Finish;
import io.raftwire.grpc.internal.wire.Offer;
import io.raftwire.grpc.internal.wire.RaftSnapshotsGrpc;
import io.raftwire.grpc.internal.wire.Reserve;
import io.raftwire.grpc.internal.wire.SnapshotClientFrame;
import io.raftwire.grpc.internal.wire.SnapshotServerFrame;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32C;

/**
 * A client of a store's snapshot service that sends whatever a test tells it to, as bytes: frames
 * of the protocol in any order, or garbage. One channel; each {@link Call} is one stream.
 */
final class RawSnapshotClient implements AutoCloseable {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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
  static final MethodDescriptor<byte[], byte[]> TRANSFER =
      RaftSnapshotsGrpc.getTransferMethod().toBuilder(BYTES, BYTES).build();
  static final MethodDescriptor<byte[], byte[]> DELEGATE =
      RaftSnapshotsGrpc.getDelegateMethod().toBuilder(BYTES, BYTES).build();

  private final ManagedChannel channel;

  /** A plaintext client. */
  RawSnapshotClient(InetSocketAddress address) {
    this(address, InsecureChannelCredentials.create());
  }

  private RawSnapshotClient(InetSocketAddress address, ChannelCredentials credentials) {
    this.channel = NettyChannelBuilder.forAddress(address, credentials).build();
  }

  /**
   * A mutual TLS client that presents {@code material}'s certificate and trusts the chain of its
   * roots (no host name check: store certificates name stores, not addresses).
   */
  static RawSnapshotClient tls(InetSocketAddress address, TestPki.Material material) {
    try {
      AdvancedTlsX509TrustManager chains = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
      chains.updateTrustCredentials(material.roots().toFile());
      return new RawSnapshotClient(address, TlsChannelCredentials.newBuilder().trustManager(chains)
          .keyManager(material.chain().toFile(), material.key().toFile()).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Opens a stream of {@code method}; everything the server sends is collected. */
  Call open(MethodDescriptor<byte[], byte[]> method) {
    return new Call(channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static SnapshotClientFrame reserve(StoreId sender, StoreId recipient, StoreId leader, RangeId range) {
    return SnapshotClientFrame.newBuilder().setReserve(Reserve.newBuilder().setVersion(SnapshotWire.VERSION)
        .setSenderStore(sender.value()).setRecipientStore(recipient.value()).setLeaderStore(leader.value())
        .setRangeId(range.value()).setRemainingNanos(TimeUnit.MINUTES.toNanos(1))).build();
  }

  static SnapshotClientFrame offer(SnapshotMeta meta, int chunkBytes) {
    return SnapshotClientFrame.newBuilder()
        .setOffer(Offer.newBuilder().setMeta(SnapshotWire.proto(meta)).setChunkBytes(chunkBytes)).build();
  }

  /** A chunk of {@code data} at {@code offset} with its correct CRC32C. */
  static SnapshotClientFrame chunk(long offset, byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return SnapshotClientFrame.newBuilder().setChunk(Chunk.newBuilder().setOffset(offset)
        .setData(ByteString.copyFrom(data)).setCrc32C((int) crc.getValue())).build();
  }

  /** A well-formed delegation request: send {@code range} to {@code recipient} for {@code leader}, term 3, config 1. */
  static DelegateRequest delegate(StoreId leader, StoreId recipient, RangeId range) {
    return DelegateRequest.newBuilder().setVersion(SnapshotWire.VERSION).setLeaderStore(leader.value())
        .setRecipientStore(recipient.value()).setRangeId(range.value()).setTerm(3).setConfigGeneration(1)
        .setLeaderFirstLogIndex(1).setRemainingNanos(TimeUnit.MINUTES.toNanos(1)).build();
  }

  static SnapshotClientFrame finish() {
    return SnapshotClientFrame.newBuilder().setFinish(Finish.getDefaultInstance()).build();
  }

  /** The CRC32C of {@code data}, as a snapshot's meta carries it. */
  static int crc(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return (int) crc.getValue();
  }

  /** One stream. */
  static final class Call {
    final ClientCall<byte[], byte[]> call;
    /** What the server sent, unparsed (transfer frames or delegation events, by the method). */
    final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    /** Run whenever the stream becomes ready for more (on a gRPC thread). */
    volatile Runnable onReady = () -> {};

    Call(ClientCall<byte[], byte[]> call) {
      this.call = call;
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          received.add(message);
        }

        @Override
        public void onReady() {
          onReady.run();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          closed.complete(status);
        }
      }, new Metadata());
      call.request(Integer.MAX_VALUE);
    }

    void send(SnapshotClientFrame frame) {
      call.sendMessage(frame.toByteArray());
    }

    void sendBytes(byte[] bytes) {
      call.sendMessage(bytes);
    }

    /** The next frame from the server on a transfer, which must be of {@code kind}. */
    SnapshotServerFrame next(SnapshotServerFrame.KindCase kind) throws InterruptedException, InvalidProtocolBufferException {
      SnapshotServerFrame frame = SnapshotServerFrame.parseFrom(nextMessage(kind));
      assertEquals(kind, frame.getKindCase(), "got " + frame);
      return frame;
    }

    /** The next event from the server on a delegation call, which must be of {@code kind}. */
    DelegateEvent nextEvent(DelegateEvent.KindCase kind) throws InterruptedException, InvalidProtocolBufferException {
      DelegateEvent event = DelegateEvent.parseFrom(nextMessage(kind));
      assertEquals(kind, event.getKindCase(), "got " + event);
      return event;
    }

    private byte[] nextMessage(Object kind) throws InterruptedException {
      byte[] message = received.poll(30, TimeUnit.SECONDS);
      assertNotNull(message, "no " + kind + " from the server; closed: " + closed.getNow(null));
      return message;
    }

    /** How the server ended the stream. */
    Status status() throws Exception {
      try {
        return closed.get(30, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("the server did not end the stream", e);
      }
    }
  }
}
