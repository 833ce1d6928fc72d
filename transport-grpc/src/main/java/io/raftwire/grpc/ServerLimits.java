package io.raftwire.grpc;

import java.util.concurrent.TimeUnit;

/**
 * What the transport's gRPC server allows one connection and one peer, so that a peer that opens
 * thousands of streams, resets streams as fast as it can, sends huge headers, trickles bytes or
 * holds idle connections cannot take the store's memory, threads or file descriptors. Immutable;
 * fixed for the transport's life. The inbound message limit is not here: every service's is the
 * frame limit the server announces to senders (derived from the batch size and the receiver's
 * largest message), so that a declared length above it is refused before any byte is buffered.
 *
 * <p>The defaults leave room for what honest stores do: a store holds at most three connections to
 * a peer (CONTROL, DATA and SNAPSHOT) and two Raft streams on them, plus a snapshot transfer or
 * delegation call per slot, and it never pings or resets streams in bulk.
 */
public final class ServerLimits {
  /** Default most concurrent calls (streams) on one connection: 100. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION = 100;
  /** Default most bytes of headers (metadata) per call: 8 KiB. */
  public static final int DEFAULT_MAX_INBOUND_METADATA_BYTES = 8 * 1024;
  /** Default time a new connection has to finish its TLS and HTTP/2 handshakes: 10 s. */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Default quiet time after which the server pings a connection to see whether it is alive: 60 s. */
  public static final long DEFAULT_KEEP_ALIVE_TIME_NANOS = TimeUnit.SECONDS.toNanos(60);
  /** Default time a ping may go unanswered before the connection is closed: 20 s. */
  public static final long DEFAULT_KEEP_ALIVE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);
  /** Default shortest interval between a client's pings; faster pingers are sent away: 10 s. */
  public static final long DEFAULT_PERMIT_KEEP_ALIVE_TIME_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Default time a connection may have no call open before it is closed: 10 minutes. */
  public static final long DEFAULT_MAX_CONNECTION_IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);
  /** Default longest life of a connection: unlimited ({@link Long#MAX_VALUE}). */
  public static final long DEFAULT_MAX_CONNECTION_AGE_NANOS = Long.MAX_VALUE;
  /** Default most stream resets a client may send per window before its connection is closed: 200. */
  public static final int DEFAULT_MAX_RST_FRAMES_PER_WINDOW = 200;
  /** Default window of the stream reset limit: 10 s. */
  public static final long DEFAULT_RST_FRAMES_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Default most connections one authenticated store may use at once (mutual TLS only): 8. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_PEER = 8;
  /** Default most Raft streams one sending store may have open at once: 16. */
  public static final int DEFAULT_MAX_STREAMS_PER_PEER = 16;

  private static final ServerLimits DEFAULTS = new Builder().build();

  private final int maxConcurrentCallsPerConnection;
  private final int maxInboundMetadataBytes;
  private final long handshakeTimeoutNanos;
  private final long keepAliveTimeNanos;
  private final long keepAliveTimeoutNanos;
  private final long permitKeepAliveTimeNanos;
  private final long maxConnectionIdleNanos;
  private final long maxConnectionAgeNanos;
  private final int maxRstFramesPerWindow;
  private final long rstFramesWindowNanos;
  private final int maxConnectionsPerPeer;
  private final int maxStreamsPerPeer;

  private ServerLimits(Builder b) {
    this.maxConcurrentCallsPerConnection = b.maxConcurrentCallsPerConnection;
    this.maxInboundMetadataBytes = b.maxInboundMetadataBytes;
    this.handshakeTimeoutNanos = b.handshakeTimeoutNanos;
    this.keepAliveTimeNanos = b.keepAliveTimeNanos;
    this.keepAliveTimeoutNanos = b.keepAliveTimeoutNanos;
    this.permitKeepAliveTimeNanos = b.permitKeepAliveTimeNanos;
    this.maxConnectionIdleNanos = b.maxConnectionIdleNanos;
    this.maxConnectionAgeNanos = b.maxConnectionAgeNanos;
    this.maxRstFramesPerWindow = b.maxRstFramesPerWindow;
    this.rstFramesWindowNanos = b.rstFramesWindowNanos;
    this.maxConnectionsPerPeer = b.maxConnectionsPerPeer;
    this.maxStreamsPerPeer = b.maxStreamsPerPeer;
  }

  /** {@return the defaults (the {@code DEFAULT_*} constants)} */
  public static ServerLimits defaults() {
    return DEFAULTS;
  }

  /** {@return a builder starting from the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return the most concurrent calls (streams) the server allows on one connection} See {@link
   * Builder#maxConcurrentCallsPerConnection}.
   */
  public int maxConcurrentCallsPerConnection() {
    return maxConcurrentCallsPerConnection;
  }

  /**
   * {@return the most bytes of headers (metadata) one call may send} See {@link
   * Builder#maxInboundMetadataBytes}.
   */
  public int maxInboundMetadataBytes() {
    return maxInboundMetadataBytes;
  }

  /**
   * {@return the nanoseconds a new connection has to finish its TLS and HTTP/2 handshakes} See
   * {@link Builder#handshakeTimeoutNanos}.
   */
  public long handshakeTimeoutNanos() {
    return handshakeTimeoutNanos;
  }

  /**
   * {@return the nanoseconds of quiet after which the server pings a connection} See {@link
   * Builder#keepAliveTimeNanos}.
   */
  public long keepAliveTimeNanos() {
    return keepAliveTimeNanos;
  }

  /**
   * {@return the nanoseconds a ping may go unanswered before the connection is closed} See {@link
   * Builder#keepAliveTimeoutNanos}.
   */
  public long keepAliveTimeoutNanos() {
    return keepAliveTimeoutNanos;
  }

  /**
   * {@return the shortest interval, in nanoseconds, the server allows between a client's pings} See
   * {@link Builder#permitKeepAliveTimeNanos}.
   */
  public long permitKeepAliveTimeNanos() {
    return permitKeepAliveTimeNanos;
  }

  /**
   * {@return the nanoseconds a connection may have no call open before it is closed} See {@link
   * Builder#maxConnectionIdleNanos}.
   */
  public long maxConnectionIdleNanos() {
    return maxConnectionIdleNanos;
  }

  /**
   * {@return the longest life of a connection in nanoseconds; {@link Long#MAX_VALUE}: unlimited}
   * See {@link Builder#maxConnectionAgeNanos}.
   */
  public long maxConnectionAgeNanos() {
    return maxConnectionAgeNanos;
  }

  /**
   * {@return the most stream resets a client may send per window before its connection is closed}
   * See {@link Builder#maxRstFramesPerWindow}.
   */
  public int maxRstFramesPerWindow() {
    return maxRstFramesPerWindow;
  }

  /**
   * {@return the window of the stream reset limit, in nanoseconds} See {@link
   * Builder#maxRstFramesPerWindow}.
   */
  public long rstFramesWindowNanos() {
    return rstFramesWindowNanos;
  }

  /**
   * {@return the most connections one authenticated store may use at once (mutual TLS only)} See
   * {@link Builder#maxConnectionsPerPeer}.
   */
  public int maxConnectionsPerPeer() {
    return maxConnectionsPerPeer;
  }

  /**
   * {@return the most Raft streams one sending store may have open at once} See {@link
   * Builder#maxStreamsPerPeer}.
   */
  public int maxStreamsPerPeer() {
    return maxStreamsPerPeer;
  }

  @Override
  public String toString() {
    return "ServerLimits{maxConcurrentCallsPerConnection=" + maxConcurrentCallsPerConnection
        + ", maxInboundMetadataBytes=" + maxInboundMetadataBytes
        + ", handshakeTimeoutNanos=" + handshakeTimeoutNanos
        + ", keepAliveTimeNanos=" + keepAliveTimeNanos
        + ", keepAliveTimeoutNanos=" + keepAliveTimeoutNanos
        + ", permitKeepAliveTimeNanos=" + permitKeepAliveTimeNanos
        + ", maxConnectionIdleNanos=" + maxConnectionIdleNanos
        + ", maxConnectionAgeNanos=" + maxConnectionAgeNanos
        + ", maxRstFramesPerWindow=" + maxRstFramesPerWindow + " per " + rstFramesWindowNanos + " ns"
        + ", maxConnectionsPerPeer=" + maxConnectionsPerPeer
        + ", maxStreamsPerPeer=" + maxStreamsPerPeer + "}";
  }

  /** Builds {@link ServerLimits}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private int maxConcurrentCallsPerConnection = DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION;
    private int maxInboundMetadataBytes = DEFAULT_MAX_INBOUND_METADATA_BYTES;
    private long handshakeTimeoutNanos = DEFAULT_HANDSHAKE_TIMEOUT_NANOS;
    private long keepAliveTimeNanos = DEFAULT_KEEP_ALIVE_TIME_NANOS;
    private long keepAliveTimeoutNanos = DEFAULT_KEEP_ALIVE_TIMEOUT_NANOS;
    private long permitKeepAliveTimeNanos = DEFAULT_PERMIT_KEEP_ALIVE_TIME_NANOS;
    private long maxConnectionIdleNanos = DEFAULT_MAX_CONNECTION_IDLE_NANOS;
    private long maxConnectionAgeNanos = DEFAULT_MAX_CONNECTION_AGE_NANOS;
    private int maxRstFramesPerWindow = DEFAULT_MAX_RST_FRAMES_PER_WINDOW;
    private long rstFramesWindowNanos = DEFAULT_RST_FRAMES_WINDOW_NANOS;
    private int maxConnectionsPerPeer = DEFAULT_MAX_CONNECTIONS_PER_PEER;
    private int maxStreamsPerPeer = DEFAULT_MAX_STREAMS_PER_PEER;

    private Builder() {}

    /**
     * Default {@link #DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION}; at least 4. HTTP/2's stream limit
     * the server announces.
     *
     * @param calls the most concurrent calls (streams) on one connection
     * @return this builder
     */
    public Builder maxConcurrentCallsPerConnection(int calls) {
      this.maxConcurrentCallsPerConnection = calls;
      return this;
    }

    /**
     * Default {@link #DEFAULT_MAX_INBOUND_METADATA_BYTES}; at least 1 KiB. Larger headers fail the
     * call.
     *
     * @param bytes the most bytes of headers per call
     * @return this builder
     */
    public Builder maxInboundMetadataBytes(int bytes) {
      this.maxInboundMetadataBytes = bytes;
      return this;
    }

    /**
     * Default {@link #DEFAULT_HANDSHAKE_TIMEOUT_NANOS}; positive. A connection slower than this is
     * closed.
     *
     * @param nanos the time a new connection has to finish its handshakes, in nanoseconds
     * @return this builder
     */
    public Builder handshakeTimeoutNanos(long nanos) {
      this.handshakeTimeoutNanos = nanos;
      return this;
    }

    /**
     * Default {@link #DEFAULT_KEEP_ALIVE_TIME_NANOS}; positive. Quiet time before the server pings.
     *
     * @param nanos the quiet time in nanoseconds
     * @return this builder
     */
    public Builder keepAliveTimeNanos(long nanos) {
      this.keepAliveTimeNanos = nanos;
      return this;
    }

    /**
     * Default {@link #DEFAULT_KEEP_ALIVE_TIMEOUT_NANOS}; positive. Unanswered ping time before
     * closing.
     *
     * @param nanos the time a ping may go unanswered, in nanoseconds
     * @return this builder
     */
    public Builder keepAliveTimeoutNanos(long nanos) {
      this.keepAliveTimeoutNanos = nanos;
      return this;
    }

    /**
     * Default {@link #DEFAULT_PERMIT_KEEP_ALIVE_TIME_NANOS}; positive. A client pinging more often
     * is sent away.
     *
     * @param nanos the shortest interval allowed between a client's pings, in nanoseconds
     * @return this builder
     */
    public Builder permitKeepAliveTimeNanos(long nanos) {
      this.permitKeepAliveTimeNanos = nanos;
      return this;
    }

    /**
     * Default {@link #DEFAULT_MAX_CONNECTION_IDLE_NANOS}; positive. A connection with no call open
     * this long is closed (a sender reconnects when it next has something to send).
     *
     * @param nanos the idle time in nanoseconds
     * @return this builder
     */
    public Builder maxConnectionIdleNanos(long nanos) {
      this.maxConnectionIdleNanos = nanos;
      return this;
    }

    /**
     * Default {@link #DEFAULT_MAX_CONNECTION_AGE_NANOS} (unlimited); positive. A connection is asked to
     * go away after this long, its calls may finish; set it to make every peer handshake again
     * regularly (for instance to pick up rotated certificates everywhere).
     *
     * @param nanos the longest life of a connection in nanoseconds; {@link Long#MAX_VALUE}: unlimited
     * @return this builder
     */
    public Builder maxConnectionAgeNanos(long nanos) {
      this.maxConnectionAgeNanos = nanos;
      return this;
    }

    /**
     * Defaults {@link #DEFAULT_MAX_RST_FRAMES_PER_WINDOW} per {@link #DEFAULT_RST_FRAMES_WINDOW_NANOS}.
     * A client that resets more streams than this in the window (the "rapid reset" pattern) has its
     * connection closed.
     *
     * @param frames the most stream resets per window; positive
     * @param windowNanos the window in nanoseconds; at least 1 second
     * @return this builder
     */
    public Builder maxRstFramesPerWindow(int frames, long windowNanos) {
      this.maxRstFramesPerWindow = frames;
      this.rstFramesWindowNanos = windowNanos;
      return this;
    }

    /**
     * Default {@link #DEFAULT_MAX_CONNECTIONS_PER_PEER}; at least 3. With mutual TLS, calls on the
     * connections one store holds beyond this are refused {@code RESOURCE_EXHAUSTED}, and the idle
     * limit closes them. Insecure servers cannot tell peers apart and do not count.
     *
     * @param connections the most connections one store may use at once
     * @return this builder
     */
    public Builder maxConnectionsPerPeer(int connections) {
      this.maxConnectionsPerPeer = connections;
      return this;
    }

    /**
     * Default {@link #DEFAULT_MAX_STREAMS_PER_PEER}; at least 2. A Raft stream from a store that has
     * this many open is refused {@code RESOURCE_EXHAUSTED}.
     *
     * @param streams the most Raft streams one sending store may have open at once
     * @return this builder
     */
    public Builder maxStreamsPerPeer(int streams) {
      this.maxStreamsPerPeer = streams;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the limits
     * @throws IllegalArgumentException naming the setting whose value makes no sense
     */
    public ServerLimits build() {
      check(maxConcurrentCallsPerConnection >= 4, "maxConcurrentCallsPerConnection must be >= 4",
          maxConcurrentCallsPerConnection);
      check(maxInboundMetadataBytes >= 1024, "maxInboundMetadataBytes must be >= 1024", maxInboundMetadataBytes);
      check(handshakeTimeoutNanos > 0, "handshakeTimeoutNanos must be > 0", handshakeTimeoutNanos);
      check(keepAliveTimeNanos > 0, "keepAliveTimeNanos must be > 0", keepAliveTimeNanos);
      check(keepAliveTimeoutNanos > 0, "keepAliveTimeoutNanos must be > 0", keepAliveTimeoutNanos);
      check(permitKeepAliveTimeNanos > 0, "permitKeepAliveTimeNanos must be > 0", permitKeepAliveTimeNanos);
      check(maxConnectionIdleNanos > 0, "maxConnectionIdleNanos must be > 0", maxConnectionIdleNanos);
      check(maxConnectionAgeNanos > 0, "maxConnectionAgeNanos must be > 0", maxConnectionAgeNanos);
      check(maxRstFramesPerWindow > 0, "maxRstFramesPerWindow must be > 0", maxRstFramesPerWindow);
      check(rstFramesWindowNanos >= TimeUnit.SECONDS.toNanos(1), "the reset window must be >= 1 s",
          rstFramesWindowNanos);
      check(maxConnectionsPerPeer >= 3, "maxConnectionsPerPeer must be >= 3", maxConnectionsPerPeer);
      check(maxStreamsPerPeer >= 2, "maxStreamsPerPeer must be >= 2", maxStreamsPerPeer);
      return new ServerLimits(this);
    }

    private static void check(boolean ok, String rule, long value) {
      if (!ok) {
        throw new IllegalArgumentException(rule + ", was " + value);
      }
    }
  }
}
