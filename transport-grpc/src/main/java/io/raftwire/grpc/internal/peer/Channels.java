package io.raftwire.grpc.internal.peer;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC channels to one address, one per {@link ChannelKind} (DATA shares CONTROL's when
 * configured so), opened on first use. Not thread-safe: guarded by the owning {@link Peer}.
 */
final class Channels {
  /** Responses on Raft streams may echo a refused message of up to the receiver's size limit. */
  private static final int MAX_RAFT_RESPONSE_FRAME_BYTES = 64 * 1024 * 1024;

  private final boolean separateData;
  private final Map<ChannelKind, ManagedChannel> open = new EnumMap<>(ChannelKind.class);
  private @Nullable InetSocketAddress address;

  Channels(boolean separateData) {
    this.separateData = separateData;
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
    ChannelKind shared = kind == ChannelKind.DATA && !separateData ? ChannelKind.CONTROL : kind;
    ManagedChannel channel = open.get(shared);
    if (channel == null) {
      InetSocketAddress to = address;
      if (to == null) {
        throw new IllegalStateException("no address to connect to");
      }
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress(to).usePlaintext().directExecutor();
      if (shared != ChannelKind.SNAPSHOT) {
        builder.maxInboundMessageSize(MAX_RAFT_RESPONSE_FRAME_BYTES);
      }
      channel = builder.build();
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
