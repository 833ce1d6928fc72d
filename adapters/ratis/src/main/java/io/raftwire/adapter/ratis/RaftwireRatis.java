package io.raftwire.adapter.ratis;

import io.raftwire.transport.RaftTransport;
import java.util.Objects;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;

/**
 * Where a Ratis application switches its servers to raftwire. One call per server, before {@code
 * RaftServer.newBuilder()...build()}: the properties get raftwire's {@link RaftwireRpcType}, the
 * parameters the server's transport; the state machine, the groups and the clients do not change.
 * Thread-safe; it only writes the given objects.
 */
public final class RaftwireRatis {
  private RaftwireRatis() {}

  /**
   * {@link #configure(RaftProperties, Parameters, RaftTransport, RatisStores, RatisOptions)} with
   * the default options, whose metrics go to a registry of their own.
   *
   * @param properties the server's Ratis properties; written
   * @param parameters the server's Ratis parameters; written
   * @param transport the open transport of the server's store; it stays the caller's, who closes it
   *     after the server
   * @param stores the directory of every server's store, this one's included; read live
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if Ratis's request sizes do not fit the transport's messages, or the
   *     properties enable append composing
   */
  public static void configure(RaftProperties properties, Parameters parameters, RaftTransport transport, RatisStores stores) {
    configure(properties, parameters, transport, stores, RatisOptions.defaults());
  }

  /**
   * Makes the Ratis server built from {@code properties} and {@code parameters} talk to its peers
   * over {@code transport}.
   *
   * <ul>
   *   <li>{@code raft.rpc.type} becomes {@link RaftwireRpcType} (clients built from the same
   *       properties get Ratis's gRPC client, which talks to the servers' client ports as before).
   *   <li>Ratis's largest requests must fit a raftwire message ({@code maxMessageBytes} of the
   *       transport's limits, 8 MiB by default). The append buffer ({@code
   *       raft.server.log.appender.buffer.byte-limit}, Ratis's default 4 MiB) and the snapshot chunk
   *       ({@code ...snapshot.chunk.size.max}, Ratis's default 16 MiB) are lowered to half a message
   *       where the properties leave them unset and they would not fit; set explicitly, a value
   *       that does not fit is refused here and again when the server is built.
   *   <li>{@code raft.server.log.append-entries.compose.enabled} becomes false where unset; true is
   *       refused here and when the server is built. A follower that composes its appends treats an
   *       append starting at the index of one still pending as already written and answers it
   *       SUCCESS up to its last entry, entries it never wrote. The adapter's appender pipelines
   *       appends and resends from the follower's next index after a window reset, so such an
   *       append is sent and the leader counts entries the follower lacks: the follower's heartbeats
   *       then report a log shorter than its acknowledged match index and it never catches up.
   * </ul>
   *
   * @param properties the server's Ratis properties; written
   * @param parameters the server's Ratis parameters; written
   * @param transport the open transport of the server's store; it stays the caller's, who closes it
   *     after the server
   * @param stores the directory of every server's store, this one's included; read live
   * @param options the adapter's options for this server
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if Ratis's request sizes, as set, do not fit the transport's messages, or
   *     the properties enable append composing
   */
  public static void configure(RaftProperties properties, Parameters parameters, RaftTransport transport, RatisStores stores,
      RatisOptions options) {
    Objects.requireNonNull(properties, "properties");
    Objects.requireNonNull(parameters, "parameters");
    Binding binding = new Binding(transport, stores, options);
    long room = transport.limits().maxMessageBytes() - RaftwireRatisFactory.MESSAGE_OVERHEAD_BYTES;
    SizeInBytes half = SizeInBytes.valueOf(Math.max(1, transport.limits().maxMessageBytes() / 2));
    if (properties.get(RaftServerConfigKeys.Log.Appender.BUFFER_BYTE_LIMIT_KEY) == null
        && RaftServerConfigKeys.Log.Appender.bufferByteLimit(properties).getSize() > room) {
      RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, half);
    }
    if (properties.get(RaftServerConfigKeys.Log.Appender.SNAPSHOT_CHUNK_SIZE_MAX_KEY) == null
        && RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(properties).getSize() > room) {
      RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(properties, half);
    }
    if (properties.get(RaftServerConfigKeys.Log.APPEND_ENTRIES_COMPOSE_ENABLED_KEY) == null) {
      RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(properties, false);
    }
    RaftwireRatisFactory.checkProperties(properties, transport.limits());
    RaftConfigKeys.Rpc.setType(properties, RaftwireRpcType.INSTANCE);
    parameters.put(Binding.KEY, binding, Binding.class);
  }
}
