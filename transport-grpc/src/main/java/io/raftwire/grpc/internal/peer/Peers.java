package io.raftwire.grpc.internal.peer;

import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.time.Timebase;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peers of one store, created on first use and shared by the Raft streams, snapshot transfers
 * and delegation requests: one address resolution, one set of channels, one breaker per peer.
 * Thread-safe.
 */
public final class Peers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Peers.class);

  private final StoreId local;
  private final StoreResolver resolver;
  private final String zoneTier;
  private final ChannelSettings channelSettings;
  private final Backoff backoff;
  private final Timebase timebase;
  private final StoreMetrics metrics;
  private final ConcurrentHashMap<StoreId, Peer> peers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param zoneTier the locality tier that names a zone
   * @param channelSettings how channels to peers are built
   * @param backoff the delays between probes of a peer that is down
   */
  public Peers(StoreId local, StoreResolver resolver, String zoneTier, ChannelSettings channelSettings, Backoff backoff,
      Timebase timebase, StoreMetrics metrics) {
    this.local = local;
    this.resolver = resolver;
    this.zoneTier = zoneTier;
    this.channelSettings = channelSettings;
    this.backoff = backoff;
    this.timebase = timebase;
    this.metrics = metrics;
  }

  /** The peer {@code store}, created now if its address resolves; null if it does not or after close. */
  public @Nullable Peer peer(StoreId store) {
    Peer existing = peers.get(store);
    if (existing != null || closed) {
      return existing;
    }
    Optional<InetSocketAddress> address = resolve(store);
    if (address.isEmpty()) {
      return null;
    }
    return peers.computeIfAbsent(store, s -> {
      Peer peer = new Peer(local, s, locality(s).value(zoneTier).orElse(null), address.get(), this,
          channelSettings, backoff, timebase, metrics.counter(GrpcMetrics.SENDER_RECONNECTS, s),
          metrics.counter(GrpcMetrics.SENDER_REDIALS_ON_HELLO, s));
      metrics.gauge(GrpcMetrics.SENDER_BREAKER, () -> peer.state().code(), s);
      return peer;
    });
  }

  /** The peer {@code store} if it was used before; null otherwise. */
  public @Nullable Peer existing(StoreId store) {
    return peers.get(store);
  }

  /**
   * {@code store} said hello on a stream of its own and the hello passed the receiver's checks: a
   * peer in use whose breaker is open is probed now (see {@link Peer#heardHello}). A store this one
   * never talked to gets no peer. Any thread; never blocks.
   */
  public void heardHello(StoreId store) {
    Peer peer = peers.get(store);
    if (peer != null) {
      peer.heardHello();
    }
  }

  /** The resolver's address of {@code store}; empty if unknown or if the resolver failed. */
  public Optional<InetSocketAddress> resolve(StoreId store) {
    try {
      return resolver.resolve(store);
    } catch (RuntimeException e) {
      log.warn("{}: resolver failed for {}", local, store, e);
      return Optional.empty();
    }
  }

  /** The resolver's locality of {@code store}; {@link Locality#UNKNOWN} if it failed. */
  public Locality locality(StoreId store) {
    try {
      return resolver.locality(store);
    } catch (RuntimeException e) {
      log.warn("{}: resolver failed on the locality of {}", local, store, e);
      return Locality.UNKNOWN;
    }
  }

  /** The zone of {@code store} (the configured tier of its locality), or null. */
  public @Nullable String zoneOf(StoreId store) {
    return locality(store).value(zoneTier).orElse(null);
  }

  /** Shuts every peer's channels down; later look-ups find none. */
  @Override
  public void close() {
    closed = true;
    for (Peer peer : peers.values()) {
      peer.close();
    }
  }
}
