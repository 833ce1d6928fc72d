package io.raftwire.grpc;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.grpc.internal.wire.Hello;
import io.raftwire.grpc.internal.wire.Lane;
import io.raftwire.grpc.internal.wire.Priority;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.TrafficClass;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * A hand-written peer for tests: a gRPC channel to one store (plaintext, or TLS with or without a
 * client certificate) that speaks the Raft stream protocol frame by frame, or sends raw bytes, to
 * do what a real store never would.
 */
final class RawPeer implements AutoCloseable {
  final ManagedChannel channel;
  /** The leaf certificates the servers presented, in handshake order (TLS only). */
  final List<X509Certificate> serverCertificates = new CopyOnWriteArrayList<>();

  private RawPeer(InetSocketAddress to, ChannelCredentials credentials) {
    this.channel = NettyChannelBuilder.forAddress(to, credentials).build();
  }

  static RawPeer plaintext(InetSocketAddress to) {
    return new RawPeer(to, InsecureChannelCredentials.create());
  }

  /**
   * A TLS peer that trusts {@code material.roots()} (chain only, no host name check) and presents
   * {@code material}'s certificate, or none if {@code withCertificate} is false.
   */
  static RawPeer tls(InetSocketAddress to, TestPki.Material material, boolean withCertificate) {
    return new RawPeer(to, material, withCertificate);
  }

  private RawPeer(InetSocketAddress to, TestPki.Material material, boolean withCertificate) {
    try {
      AdvancedTlsX509TrustManager chains = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
      chains.updateTrustCredentials(material.roots().toFile());
      TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder().trustManager(new Recording(chains));
      if (withCertificate) {
        credentials.keyManager(material.chain().toFile(), material.key().toFile());
      }
      this.channel = NettyChannelBuilder.forAddress(to, credentials.build()).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Opens a Raft stream that sends protobuf frames. */
  StreamObserver<ClientFrame> open(Responses responses) {
    return RaftWireGrpc.newStub(channel).stream(responses);
  }

  /** Opens a Raft stream that sends whatever bytes it is given. */
  StreamObserver<InputStream> openRaw(Responses responses) {
    MethodDescriptor<InputStream, ServerFrame> raw = RaftWireGrpc.getStreamMethod()
        .toBuilder(new RawBytes(), RaftWireGrpc.getStreamMethod().getResponseMarshaller()).build();
    ClientCall<InputStream, ServerFrame> call = channel.newCall(raw, CallOptions.DEFAULT);
    return ClientCalls.asyncBidiStreamingCall(call, responses);
  }

  static ClientFrame hello(long sender, long destination, Lane lane) {
    return ClientFrame.newBuilder()
        .setHello(Hello.newBuilder().setProtocolVersion(WireCodec.PROTOCOL_VERSION).setSenderStore(sender).setDestinationStore(destination).setLane(lane))
        .build();
  }

  static ClientFrame batch(Envelope... envelopes) {
    return ClientFrame.newBuilder().setBatch(Batch.newBuilder().addAllEnvelopes(List.of(envelopes))).build();
  }

  /** A CONTROL envelope for range {@code range} on {@code toStore} whose payload is {@code value}. */
  static Envelope control(long seq, long range, long toStore, long value) {
    return Envelope.newBuilder().setSeq(seq).setRangeId(range).setFromReplica(1).setToStore(toStore).setToReplica(2)
        .setTrafficClass(TrafficClass.CONTROL).setPriority(Priority.REGULAR)
        .setPayload(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(value).array()))
        .build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }

  /** Records what a raw client stream receives, and how it ends. */
  static final class Responses implements StreamObserver<ServerFrame> {
    final ConcurrentLinkedQueue<ServerFrame> frames = new ConcurrentLinkedQueue<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();
    /** Completes with the hello answer. */
    final CompletableFuture<ServerFrame> helloAck = new CompletableFuture<>();

    @Override
    public void onNext(ServerFrame value) {
      frames.add(value);
      if (value.hasHelloAck()) {
        helloAck.complete(value);
      }
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }
  }

  /** Passes bytes through unparsed. */
  static final class RawBytes implements MethodDescriptor.Marshaller<InputStream> {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      try {
        return new ByteArrayInputStream(stream.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Verifies chains only, and records the server's leaf certificate. */
  private final class Recording extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager chains;

    Recording(X509ExtendedTrustManager chains) {
      this.chains = chains;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
        throws CertificateException {
      serverCertificates.add(chain[0]);
      chains.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
        throws CertificateException {
      serverCertificates.add(chain[0]);
      chains.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      serverCertificates.add(chain[0]);
      chains.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
        throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return chains.getAcceptedIssuers();
    }
  }
}
