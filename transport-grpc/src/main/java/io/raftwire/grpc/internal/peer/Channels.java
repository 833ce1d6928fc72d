package io.raftwire.grpc.internal.peer;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC channels to one peer store's address, one per {@link ChannelKind} (DATA shares
 * CONTROL's when configured so), opened on first use with the credentials for that store (with
 * mutual TLS they accept only a server whose certificate names it). Not thread-safe: guarded by the owning {@link Peer}.
 */
final class Channels {
  private final ChannelSettings settings;
  private final StoreId store;
  private final Map<ChannelKind, ManagedChannel> open = new EnumMap<>(ChannelKind.class);
  private @Nullable InetSocketAddress address;

  Channels(ChannelSettings settings, StoreId store) {
    this.settings = settings;
    this.store = store;
  }

  @Nullable InetSocketAddress address() {
    return address;
  }

  /** Points the channels at {@code newAddress}: the old ones are shut down. */
  void connectTo(InetSocketAddress newAddress) {
    shutdown();
    address = newAddress;
  }

  /** The channel of {@code kind}, opened now if it is not open. */
  ManagedChannel get(ChannelKind kind) {
    ChannelKind shared = kind == ChannelKind.DATA && !settings.separateData() ? ChannelKind.CONTROL : kind;
    ManagedChannel channel = open.get(shared);
    if (channel == null) {
      InetSocketAddress to = address;
      if (to == null) {
        throw new IllegalStateException("no address to connect to");
      }
      channel = NettyChannelBuilder.forAddress(to, settings.credentials().apply(store))
          .directExecutor()
          .maxInboundMessageSize(settings.maxInboundMessageBytes())
          .flowControlWindow(settings.flowControlWindowBytes())
          .build();
      open.put(shared, channel);
    }
    return channel;
  }

  /** Makes the open channels retry their connection now rather than after gRPC's own backoff. */
  void resetConnectBackoff() {
    for (ManagedChannel channel : open.values()) {
      channel.resetConnectBackoff();
    }
  }

  void shutdown() {
    for (ManagedChannel channel : open.values()) {
      channel.shutdownNow();
    }
    open.clear();
  }
}
