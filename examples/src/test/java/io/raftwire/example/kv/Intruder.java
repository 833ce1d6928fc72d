package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.raftwire.example.security.TlsFiles;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hostile client of a store's raftwire server, for the attack tests: it connects over TLS with
 * no client certificate, or with the stolen certificate and key of some store, or in plaintext,
 * trusts whatever server answers (an attacker does not care whom it talks to), and writes Raft
 * stream frames of its own making, including frames no real store would write.
 */
final class Intruder implements AutoCloseable {
  private final ManagedChannel channel;

  private Intruder(ManagedChannel channel) {
    this.channel = channel;
  }

  /** TLS without a client certificate. */
  static Intruder withoutCertificate(InetSocketAddress store) {
    return new Intruder(NettyChannelBuilder.forAddress(store, TlsChannelCredentials.newBuilder()
        .trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()).build());
  }

  /** TLS presenting the certificate and key of {@code stolen} (another store's, valid). */
  static Intruder withCertificateOf(InetSocketAddress store, TlsFiles stolen) {
    try {
      return new Intruder(NettyChannelBuilder.forAddress(store, TlsChannelCredentials.newBuilder()
          .keyManager(stolen.certificateChain().toFile(), stolen.privateKey().toFile())
          .trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Plaintext, as every peer was before mutual TLS. */
  static Intruder plaintext(InetSocketAddress store) {
    return new Intruder(NettyChannelBuilder.forAddress(store, InsecureChannelCredentials.create()).build());
  }

  /** The channel, for attacks below the Raft stream protocol. */
  ManagedChannel channel() {
    return channel;
  }

  /** Opens a Raft stream (one gRPC call); its frames are whatever the caller writes. */
  Stream stream() {
    return new Stream(channel.newCall(WireCodec.rawServerMethod(), CallOptions.DEFAULT));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One Raft stream: what was written on it, what came back, how it ended. */
  static final class Stream {
    private final ClientCall<InputStream, ServerFrame> call;
    /** The frames the store answered with. */
    final ConcurrentLinkedQueue<ServerFrame> answers = new ConcurrentLinkedQueue<>();
    /** How the store ended the stream. */
    final CompletableFuture<Status> end = new CompletableFuture<>();
    /** Completed when the call may be written to (the store's stream limit let it open). */
    final CompletableFuture<Void> ready = new CompletableFuture<>();

    private Stream(ClientCall<InputStream, ServerFrame> call) {
      this.call = call;
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(ServerFrame message) {
          answers.add(message);
          call.request(1);
        }

        @Override
        public void onReady() {
          ready.complete(null);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          end.complete(status);
        }
      }, new Metadata());
      call.request(1);
    }

    /** Writes one protobuf frame. */
    Stream send(ClientFrame frame) {
      return send(new ByteArrayInputStream(frame.toByteArray()));
    }

    /** Writes one frame of raw bytes (a {@link io.grpc.KnownLength} stream is not buffered first). */
    Stream send(InputStream frame) {
      call.sendMessage(frame);
      return this;
    }

    /** Resets the stream (HTTP/2 RST_STREAM). */
    void cancel() {
      call.cancel("intruder resets the stream", null);
    }

    /** Waits for the store to end the stream. */
    Status awaitEnd() {
      return end.orTimeout(30, TimeUnit.SECONDS).join();
    }

    /**
     * Waits for the store to answer the hello and returns the frame limit it announced.
     *
     * @throws AssertionError if the stream ends first
     */
    long awaitHelloAck() {
      await().atMost(SecuredCluster.WAIT)
          .until(() -> end.isDone() || answers.stream().anyMatch(ServerFrame::hasHelloAck));
      return answers.stream().filter(ServerFrame::hasHelloAck).findFirst()
          .orElseThrow(() -> new AssertionError("the hello was refused: " + end.join()))
          .getHelloAck().getMaxFrameBytes();
    }
  }

  /**
   * One frame that declares {@code declaredBytes} in its length prefix but of which the intruder
   * hands over only the first {@code sentBytes} (zeros) until {@link #release}; then it ends short,
   * which fails the intruder's own call. A store that buffered a frame before checking its length
   * would wait for the rest for ever; one that checks the prefix refuses it at once.
   */
  static final class HeldBackFrame extends InputStream implements KnownLength {
    private final int declaredBytes;
    private final int sentBytes;
    private int position;
    /** Completed once the first {@code sentBytes} were taken and the rest is being held back. */
    final CompletableFuture<Void> heldBack = new CompletableFuture<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    HeldBackFrame(int declaredBytes, int sentBytes) {
      this.declaredBytes = declaredBytes;
      this.sentBytes = sentBytes;
    }

    @Override
    public int available() {
      return declaredBytes - position;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position < sentBytes) {
        int n = Math.min(len, sentBytes - position);
        Arrays.fill(b, off, off + n, (byte) 0);
        position += n;
        return n;
      }
      heldBack.complete(null);
      released.join();
      return -1;
    }

    /** Lets the writing thread go: the frame ends short of what it declared. */
    void release() {
      released.complete(null);
    }
  }
}
