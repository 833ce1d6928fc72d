package io.raftwire.grpc;

import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Starts gRPC transports on 127.0.0.1 with ephemeral ports that can all find each other. */
final class GrpcCluster implements AutoCloseable {
  final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Map<StoreId, GrpcTransport> transports = new ConcurrentHashMap<>();

  /** Receiver limits that match sender {@code limits}: room for two of the largest messages. */
  static ReceiverLimits receiverLimitsFor(TransportLimits limits) {
    long max = limits.maxMessageBytes();
    long rangeQueue = Math.max(2 * max, 128 * 1024);
    return ReceiverLimits.builder()
        .maxMessageBytes(max)
        .rangeAppendQueueBytes(rangeQueue)
        .receiveBudgetBytes(Math.max(rangeQueue, 256L * 1024 * 1024))
        .build();
  }

  /** A config for {@code store} with fast reconnects (tests should not wait for backoff). */
  GrpcTransportConfig.Builder config(StoreId store, TransportLimits limits) {
    return GrpcTransportConfig.builder(store, StoreResolver.of(addresses)).security(PeerSecurity.insecure())
        .limits(limits)
        .receiverLimits(receiverLimitsFor(limits))
        .workerThreads(4)
        .reconnectBackoff(TimeUnit.MILLISECONDS.toNanos(20), TimeUnit.MILLISECONDS.toNanos(200), 2.0, 0.2);
  }

  GrpcTransport start(StoreId store, TransportLimits limits) {
    return start(config(store, limits).build());
  }

  GrpcTransport start(StoreId store, TransportLimits limits, UnaryOperator<GrpcTransportConfig.Builder> tweak) {
    return start(tweak.apply(config(store, limits)).build());
  }

  GrpcTransport start(GrpcTransportConfig config) {
    GrpcTransport transport = GrpcTransport.start(config);
    transports.put(config.localStore(), transport);
    addresses.put(config.localStore(), transport.listenAddress());
    return transport;
  }

  @Override
  public void close() {
    transports.values().forEach(GrpcTransport::close);
  }
}
