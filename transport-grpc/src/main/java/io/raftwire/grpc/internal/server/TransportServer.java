package io.raftwire.grpc.internal.server;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.raftwire.grpc.ServerLimits;
import io.raftwire.grpc.internal.security.TransportSecurity;
import io.raftwire.grpc.internal.wire.WireCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Builds and starts a store's gRPC server. Stateless. */
public final class TransportServer {
  private TransportServer() {}

  /**
   * Binds {@code address} and starts serving {@code services}: calls run on {@code callExecutor}
   * (each call's callbacks one at a time) except streams whose {@link WireCodec#LANE_HEADER} says
   * CONTROL, which run on the transport's I/O threads, as every call does if it is null (the
   * services never block either), every inbound message is at most {@code
   * maxFrameBytes} (refused before buffering otherwise), a peer may send {@code windowBytes} ahead of
   * what the services have read (HTTP/2 flow control, per connection and per stream), and {@code
   * limits} hold per connection.
   *
   * @throws IOException if the address cannot be bound
   */
  public static Server start(InetSocketAddress address, TransportSecurity security, ServerLimits limits,
      long maxFrameBytes, int windowBytes, List<ServerServiceDefinition> services, @Nullable Executor callExecutor) throws IOException {
    GrpcLogLimiter.install();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address, security.serverCredentials())
        .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxFrameBytes))
        .flowControlWindow(windowBytes)
        .maxConcurrentCallsPerConnection(limits.maxConcurrentCallsPerConnection())
        .maxInboundMetadataSize(limits.maxInboundMetadataBytes())
        .handshakeTimeout(limits.handshakeTimeoutNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTime(limits.keepAliveTimeNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(limits.keepAliveTimeoutNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(limits.permitKeepAliveTimeNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionIdle(limits.maxConnectionIdleNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionAge(limits.maxConnectionAgeNanos(), TimeUnit.NANOSECONDS)
        .maxRstFramesPerWindow(limits.maxRstFramesPerWindow(),
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toSeconds(limits.rstFramesWindowNanos()))));
    if (callExecutor != null) {
      builder.executor(callExecutor);
      // A CONTROL stream's frames are small and latency-bound: read them where they arrive.
      Executor network = Runnable::run;
      builder.callExecutor(new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> @Nullable Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
          return WireCodec.CONTROL_LANE.equals(headers.get(WireCodec.LANE_HEADER)) ? network : null;
        }
      });
    } else {
      builder.directExecutor();
    }
    services.forEach(builder::addService);
    security.configure(builder);
    return builder.build().start();
  }
}
