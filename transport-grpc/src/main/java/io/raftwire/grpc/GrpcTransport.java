package io.raftwire.grpc;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.admission.CreditWindows;
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
   * @param config what to listen on, whom to talk to and with which budgets; validated when built
   * @return the running transport; the caller owns it and must {@link #close() close} it
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

  /** {@return the address the server is bound to, with the real port if 0 was configured} */
  InetSocketAddress listenAddress();

  /** {@return the receiver budgets in force now} */
  ReceiverLimits receiverLimits();

  /**
   * Replaces the receiver budgets; effective for the next arriving message. Safe to call from any
   * thread.
   *
   * @param limits the budgets to apply from now on; they replace the current ones whole
   */
  void updateReceiverLimits(ReceiverLimits limits);

  /**
   * {@return the credit windows every destination stream is given now: at first {@link
   * io.raftwire.admission.AdmissionConfig#creditWindows()}} With credit auto-tuning they are the
   * floor each stream is scaled from.
   */
  CreditWindows creditWindows();

  /**
   * Gives every destination stream, and every stream opened later, the credit windows {@code
   * windows}, at once. Credits in use stay in use: a smaller window can leave a stream in debt, and
   * proposals then wait until enough returns; nothing sent is dropped. A larger one lets waiting
   * proposals proceed. Safe to call from any thread. The metrics {@code
   * credits.<destination>.regular_limit_bytes} and {@code ...elastic_limit_bytes} follow.
   *
   * @param windows the new windows
   */
  void updateCreditWindows(CreditWindows windows);

  /**
   * {@return the stores allowed to talk to this one now, as an unmodifiable set; empty: every store}
   * See {@link PeerSecurity}.
   */
  Set<StoreId> allowedStores();

  /**
   * Replaces the allow-list (empty: every store). A store taken off it is refused at its next
   * handshake and call, and its open Raft streams end {@code PERMISSION_DENIED}; with mutual TLS, so
   * does a snapshot transfer it is sending (its stage is deleted). With mutual TLS the store is the
   * one its certificate names; insecure, the one a stream's hello claims.
   *
   * @param stores the new allow-list, copied; empty allows every store
   */
  void updateAllowedStores(Set<StoreId> stores);

  /**
   * {@return the registry this transport's metrics live in: {@link
   * GrpcTransportConfig#metricRegistry()}}
   */
  MetricRegistry metrics();
}
