package io.raftwire.grpc;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.transport.RaftTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * The gRPC {@link RaftTransport}: one per store, both client (to every peer) and server.
 *
 * <p>Everything {@link RaftTransport} documents holds. In addition it listens on {@link
 * #listenAddress()}, exposes its receiver budgets for runtime changes, and registers the metrics
 * named by {@link GrpcMetrics} in {@link GrpcTransportConfig#metricRegistry()} under {@code
 * raftwire.<store>.}.
 */
public interface GrpcTransport extends RaftTransport {

  /**
   * Starts the transport: binds the server and the worker threads. Connections to peers are opened
   * on first use.
   *
   * @throws UncheckedIOException if the listen address cannot be bound
   * @throws IllegalArgumentException if the TLS material cannot be read, does not belong together,
   *     or does not name this store
   */
  static GrpcTransport start(GrpcTransportConfig config) {
    try {
      return GrpcTransportImpl.start(config);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on " + config.listenAddress() + " for " + config.localStore(), e);
    }
  }

  /** The address the server is bound to (with the real port if 0 was configured). */
  InetSocketAddress listenAddress();

  /** The receiver budgets in force now. */
  ReceiverLimits receiverLimits();

  /** Replaces the receiver budgets; effective for the next arriving message. */
  void updateReceiverLimits(ReceiverLimits limits);

  /** The stores allowed to talk to this one now; empty: every store (see {@link PeerSecurity}). */
  Set<StoreId> allowedStores();

  /**
   * Replaces the allow-list (empty: every store). A store taken off it is refused at its next
   * handshake and call, and its open Raft streams end {@code PERMISSION_DENIED}. With mutual TLS the
   * store is the one its certificate names; insecure, the one a stream's hello claims.
   */
  void updateAllowedStores(Set<StoreId> stores);

  /** The registry this transport's metrics live in. */
  MetricRegistry metrics();
}
