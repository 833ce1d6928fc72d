package io.raftwire.adapter.ratis;

import io.raftwire.transport.RaftTransport;
import java.util.Objects;

/**
 * What {@link RaftwireRatis#configure} hands the RPC factory through Ratis's {@code Parameters}:
 * the server's transport, the store directory and the adapter's options. Immutable.
 */
final class Binding {
  /** The {@code Parameters} key it is stored under. */
  static final String KEY = "raftwire.ratis.binding";

  final RaftTransport transport;
  final RatisStores stores;
  final RatisOptions options;

  Binding(RaftTransport transport, RatisStores stores, RatisOptions options) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.options = Objects.requireNonNull(options, "options");
  }
}
