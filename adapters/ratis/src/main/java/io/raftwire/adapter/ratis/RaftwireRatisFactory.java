package io.raftwire.adapter.ratis;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.transport.TransportLimits;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.ServerFactory;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.client.ClientFactory;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * The factory behind {@link RaftwireRpcType}: server-to-server RPC over raftwire, clients and
 * admin on Ratis's own gRPC services.
 *
 * <p>The client and admin services are those of ratis-grpc, built from the same properties ({@code
 * raft.grpc.*}: ports, TLS in the {@code Parameters}). They would also serve Ratis's
 * server-to-server gRPC methods; an interceptor refuses those with {@code PERMISSION_DENIED} and
 * counts them in {@code raftwire.<store>.ratis.grpc_server_calls_refused}, so the Raft traffic of
 * this server arrives over raftwire only. The log appender is the adapter's {@link RaftwireLogAppender}:
 * pipelined appends within a window, heartbeats that overtake them (see the package documentation).
 */
final class RaftwireRatisFactory implements ServerFactory, ClientFactory {
  /** Room kept in a raftwire message beside the largest Ratis request: the frame and entry overheads. */
  static final long MESSAGE_OVERHEAD_BYTES = 64 * 1024;

  private final Parameters parameters;

  RaftwireRatisFactory(Parameters parameters) {
    this.parameters = parameters;
  }

  @Override
  public RpcType getRpcType() {
    return RaftwireRpcType.INSTANCE;
  }

  @Override
  public RaftServerRpc newRaftServerRpc(RaftServer server) {
    Binding binding = parameters.get(Binding.KEY, Binding.class);
    if (binding == null) {
      throw new IllegalStateException("raft.rpc.type is raftwire but the server's Parameters hold no raftwire transport: "
          + "set up the server with RaftwireRatis.configure(properties, parameters, transport, stores)");
    }
    checkProperties(server.getProperties(), binding.transport.limits());
    MetricRegistry metrics = binding.options.metricRegistry();
    Counter refused = metrics.counter(MetricRegistry.name(RatisServerRpc.prefixOf(binding.transport.localStore()),
        "grpc_server_calls_refused"));
    GrpcServices.Customizer user = GrpcConfigKeys.Server.servicesCustomizer(parameters);
    GrpcServices.Customizer customizer = (builder, types) -> {
      builder.intercept(new RefuseServerProtocol(refused));
      return user == null ? builder : user.customize(builder, types);
    };
    Parameters grpcParameters = new Parameters();
    GrpcConfigKeys.Server.setServicesCustomizer(grpcParameters, customizer);
    copyTls(parameters, grpcParameters);
    GrpcServices clientServices = new GrpcFactory(grpcParameters).newRaftServerRpc(server);
    return new RatisServerRpc(server, binding, clientServices);
  }

  /** The adapter's own appender: pipelined appends, heartbeats beside them (see {@link RaftwireLogAppender}). */
  @Override
  public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
    RaftServerRpc rpc = server.getRaftServer().getServerRpc();
    if (!(rpc instanceof RatisServerRpc)) {
      throw new IllegalStateException("the raftwire log appender needs the raftwire server RPC, not " + rpc.getClass().getName());
    }
    return new RaftwireLogAppender(server, state, follower, (RatisServerRpc) rpc, ((RatisServerRpc) rpc).options());
  }

  @Override
  public RaftClientRpc newRaftClientRpc(ClientId clientId, RaftProperties properties) {
    return new GrpcFactory(parameters).newRaftClientRpc(clientId, properties);
  }

  /**
   * Ratis's largest requests (an append of up to {@code raft.server.log.appender.buffer.byte-limit},
   * a snapshot chunk of up to {@code raft.server.log.appender.snapshot.chunk.size.max}) must fit a
   * raftwire message, or every such request would be refused; and followers must not compose their
   * appends (why: {@link RaftwireRatis}'s {@code configure}).
   *
   * @throws IllegalArgumentException naming the property to change
   */
  static void checkProperties(RaftProperties properties, TransportLimits limits) {
    if (RaftServerConfigKeys.Log.appendEntriesComposeEnabled(properties)) {
      throw new IllegalArgumentException(RaftServerConfigKeys.Log.APPEND_ENTRIES_COMPOSE_ENABLED_KEY + " is true, but a"
          + " follower composing its appends answers an append that starts where a pending one starts as done without"
          + " writing it, and raftwire's appender pipelines appends and resends after a window reset: leave the key"
          + " unset (raftwire sets it false) or set it false");
    }
    long room = limits.maxMessageBytes() - MESSAGE_OVERHEAD_BYTES;
    long append = RaftServerConfigKeys.Log.Appender.bufferByteLimit(properties).getSize();
    if (append > room) {
      throw new IllegalArgumentException(RaftServerConfigKeys.Log.Appender.BUFFER_BYTE_LIMIT_KEY + " is " + append
          + " bytes but raftwire messages hold at most " + limits.maxMessageBytes() + " (with " + MESSAGE_OVERHEAD_BYTES
          + " of overhead): lower it, or raise the transport's maxMessageBytes");
    }
    long chunk = RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(properties).getSize();
    if (chunk > room) {
      throw new IllegalArgumentException(RaftServerConfigKeys.Log.Appender.SNAPSHOT_CHUNK_SIZE_MAX_KEY + " is " + chunk
          + " bytes but raftwire messages hold at most " + limits.maxMessageBytes() + " (with " + MESSAGE_OVERHEAD_BYTES
          + " of overhead): lower it, or raise the transport's maxMessageBytes");
    }
  }

  private static void copyTls(Parameters from, Parameters to) {
    if (GrpcConfigKeys.TLS.conf(from) != null) {
      GrpcConfigKeys.TLS.setConf(to, GrpcConfigKeys.TLS.conf(from));
    }
    if (GrpcConfigKeys.Admin.tlsConf(from) != null) {
      GrpcConfigKeys.Admin.setTlsConf(to, GrpcConfigKeys.Admin.tlsConf(from));
    }
    if (GrpcConfigKeys.Client.tlsConf(from) != null) {
      GrpcConfigKeys.Client.setTlsConf(to, GrpcConfigKeys.Client.tlsConf(from));
    }
    if (GrpcConfigKeys.Server.tlsConf(from) != null) {
      GrpcConfigKeys.Server.setTlsConf(to, GrpcConfigKeys.Server.tlsConf(from));
    }
  }

  /** Refuses Ratis's server-to-server gRPC methods: that traffic arrives over raftwire. */
  private static final class RefuseServerProtocol implements ServerInterceptor {
    private final Counter refused;

    RefuseServerProtocol(Counter refused) {
      this.refused = refused;
    }

    @Override
    public <Q, S> ServerCall.Listener<Q> interceptCall(ServerCall<Q, S> call, Metadata headers, ServerCallHandler<Q, S> next) {
      if (RaftServerProtocolServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
        refused.inc();
        call.close(Status.PERMISSION_DENIED.withDescription(
            "this Ratis server talks to its peers over raftwire; its gRPC server protocol is closed"), new Metadata());
        return new ServerCall.Listener<Q>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
