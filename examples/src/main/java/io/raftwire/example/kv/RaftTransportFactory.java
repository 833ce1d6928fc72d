package io.raftwire.example.kv;

import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Starts a store's Raft transport other than raftwire's (see {@link
 * KvNode.Config.Builder#transportFactory}): how a benchmark runs the example cluster on a
 * comparison baseline.
 */
@FunctionalInterface
public interface RaftTransportFactory {
  /**
   * Starts the transport of {@code store}.
   *
   * @param store the store the transport sends for
   * @param listenAddress where to listen; port 0 for a free port (the returned address says which)
   * @param peers where the other stores listen; a store it does not resolve yet is unreachable
   * @return the started transport and the address it listens on
   * @throws IOException if it cannot listen
   */
  Started start(StoreId store, InetSocketAddress listenAddress, StoreResolver peers) throws IOException;

  /** A started transport and where it listens. */
  record Started(RaftTransport transport, InetSocketAddress listenAddress) {
    public Started {
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(listenAddress, "listenAddress");
    }
  }
}
