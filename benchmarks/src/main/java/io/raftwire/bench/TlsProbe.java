package io.raftwire.bench;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.ServerFrame;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;

/**
 * Which TLS a server really runs: a gRPC client (grpc-netty-shaded, as raftwire's own channels)
 * opens a stream to it, reads the negotiated session once the stream is ready, and cancels the
 * stream before sending anything. Reports the protocol, cipher suite, record buffer sizes and
 * the TLS engine (BoringSSL through netty-tcnative, or the JDK's).
 */
final class TlsProbe {
  private static final long TIMEOUT_SECONDS = 10;

  private TlsProbe() {}

  static String describe(InetSocketAddress server, ChannelCredentials credentials) throws InterruptedException {
    // Without retries: a retriable call shows its stream's attributes only once it is committed.
    ManagedChannel channel = NettyChannelBuilder.forAddress(server, credentials).directExecutor().disableRetry().build();
    try {
      ClientCall<ClientFrame, ServerFrame> call = channel.newCall(RaftWireGrpc.getStreamMethod(), CallOptions.DEFAULT);
      CountDownLatch ready = new CountDownLatch(1);
      AtomicReference<Status> closed = new AtomicReference<>();
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onReady() {
          ready.countDown();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          closed.set(status);
          ready.countDown();
        }
      }, new Metadata());
      boolean answered = ready.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      call.cancel("TLS probe done", null);
      if (session == null) {
        Status status = closed.get();
        return !answered ? "no stream within " + TIMEOUT_SECONDS + " s"
            : status != null ? "no TLS session: the stream ended with " + status : "no TLS session (plaintext?)";
      }
      return String.format(Locale.ROOT, "%s %s, engine %s, records up to %d B (%d B of data)", session.getProtocol(),
          session.getCipherSuite(), engine(session), session.getPacketBufferSize(), session.getApplicationBufferSize());
    } finally {
      channel.shutdownNow();
    }
  }

  /** BoringSSL's sessions are netty-tcnative's (their class names say OpenSsl); the JDK's are its own. */
  private static String engine(SSLSession session) {
    String type = session.getClass().getName();
    return type.contains("OpenSsl") ? OpenSsl.versionString() + " (netty-tcnative)" : "the JDK's (" + type + ")";
  }
}
