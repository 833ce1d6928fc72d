package io.raftwire.grpc;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.time.Timebase;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link GrpcTransport} needs to start. Immutable; build with {@link
 * #builder(StoreId, StoreResolver)}. Byte budgets ({@link TransportLimits}, {@link
 * ReceiverLimits}) can also be changed after start; the rest is fixed for the transport's life.
 */
public final class GrpcTransportConfig {
  private static final long MiB = 1024L * 1024L;

  /**
   * Default target size of one batch written to a stream: 1 MiB. Measured on loopback, 64 logical
   * messages per write are 20-50x faster than one, and 16 KiB x 64 reaches about two thirds of raw
   * TCP; much larger writes gain nothing and delay the next CONTROL batch.
   */
  public static final long DEFAULT_TARGET_BATCH_BYTES = MiB;
  /**
   * Default HTTP/2 flow-control window of every raftwire connection and stream, inbound: 1 MiB,
   * gRPC's own default and one target batch. It is how many bytes a peer may send that this store's
   * parser has not taken yet, so it also caps one connection's throughput at this many bytes per
   * round trip (about 20 MB/s at 50 ms): raise it for links with a long round trip. On loopback,
   * five interleaved S4 rounds with 4 MiB moved 0.91-1.04 of what 1 MiB moved (within the spread);
   * at worst this many bytes wait in the network buffers per connection (a peer has one, or two
   * with separate DATA).
   */
  public static final int DEFAULT_STREAM_WINDOW_BYTES = (int) MiB;
  /** Default most messages per written batch: 1024. */
  public static final int DEFAULT_MAX_BATCH_MESSAGES = 1024;
  /**
   * Default deficit-round-robin quantum across ranges in the APPEND lane: 64 KiB, so a range with a
   * large backlog yields to the others after about one typical append batch.
   */
  public static final long DEFAULT_DRR_QUANTUM_BYTES = 64 * 1024;
  /**
   * Default most elastic APPEND bytes in one written batch: 64 KiB (exceeded by at most one
   * message). A regular append that comes while a batch is on its way waits behind at most this
   * much elastic work in it, about 60 µs at loopback speed; elastic work still moves in batches
   * large enough to amortize a write.
   */
  public static final long DEFAULT_ELASTIC_BATCH_BYTES = 64 * 1024;
  /**
   * Default most elastic APPEND bytes written to one destination and not yet acknowledged: 4 MiB.
   * This bounds the elastic bytes ahead of a regular append in gRPC's and the kernel's buffers and
   * in the receiver's parser; it also caps elastic throughput to one destination at 4 MiB per
   * acknowledgement round trip (400 MB/s at 10 ms), so raise it for fast links with long round trips.
   */
  public static final long DEFAULT_ELASTIC_INFLIGHT_BYTES = 4 * MiB;
  /** Default most APPEND or SNAPSHOT messages handed to one handler call: 256. */
  public static final int DEFAULT_DELIVERY_BATCH_MESSAGES = 256;
  /**
   * Default number of ranges with per-range receiver queue gauges: 10, the ranges with the most
   * bytes queued. A bound, not a share: 100k ranges make 10 per-range series, not 100k.
   */
  public static final int DEFAULT_RANGE_QUEUE_GAUGES = 10;
  /** Default first reconnect delay after a failure: 100 ms. */
  public static final long DEFAULT_RECONNECT_INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** Default longest reconnect delay: 5 s, well under Raft election timeouts times a few. */
  public static final long DEFAULT_RECONNECT_MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** Default growth of the reconnect delay per consecutive failure: 2x. */
  public static final double DEFAULT_RECONNECT_BACKOFF_MULTIPLIER = 2.0;
  /** Default jitter of the reconnect delay: +/- 20%, so stores do not reconnect in lockstep. */
  public static final double DEFAULT_RECONNECT_JITTER = 0.2;
  /** Default time for a destination to answer the stream's hello: 10 s. */
  public static final long DEFAULT_HELLO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * Default longest time an "admitted" notice waits for an ack to ride on before it is sent alone:
   * 5 ms, small against the time a credit window takes to drain.
   */
  public static final long DEFAULT_NOTICE_FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /**
   * Default budget of the drop notices waiting for the drop listeners: 4 MiB. Up to half of it holds
   * notices with their messages, the rest notices without (about {@value
   * io.raftwire.transport.DroppedMessage#SUMMARY_BYTES} bytes each, so some 16 thousand of them).
   */
  public static final long DEFAULT_DROP_NOTICE_BUDGET_BYTES = 4 * MiB;
  /**
   * Default longest time a zone fan-out bundle waits for the APPENDs of the zone's other steady
   * followers before it is sent with what it has: 1 ms. A library normally hands its appends to all
   * followers within microseconds, so bundles are usually complete long before; the wait only
   * matters when a follower it expected gets nothing this round.
   */
  public static final long DEFAULT_FAN_OUT_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * Default budget of the coalesced heartbeats queued for one destination or unacknowledged: 4 MiB,
   * about 90 thousand heartbeats with a 24-byte payload: every range of a 100k-range store twice
   * over a tick, if the destination falls that far behind.
   */
  public static final long DEFAULT_HEARTBEAT_QUEUE_BYTES = 4 * MiB;
  /** Default budget of the coalesced heartbeats waiting for the store's heartbeat handler: 16 MiB. */
  public static final long DEFAULT_HEARTBEAT_RECEIVE_BYTES = 16 * MiB;
  /**
   * Default least time between two heartbeat flushes to one destination that heartbeats alone wake:
   * 1 ms. Heartbeats sent within it travel in one wire message; a heartbeat waits at most this long
   * for its flush, and at most 1000 heartbeat messages a second go to each destination.
   */
  public static final long DEFAULT_HEARTBEAT_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * Default time after which a destination that had no heartbeat flush gets a liveness beacon: 250
   * ms, a quarter of {@link #DEFAULT_LIVENESS_TIMEOUT_NANOS}.
   */
  public static final long DEFAULT_BEACON_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /**
   * Default time a store stays live after it was last heard from, and a destination reachable while
   * its oldest heartbeat flush waits for its acknowledgement: 1 s, below common election timeouts.
   */
  public static final long DEFAULT_LIVENESS_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Default time after which a stream with nothing to send is closed: 5 minutes. */
  public static final long DEFAULT_IDLE_STREAM_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final StoreId localStore;
  private final StoreResolver resolver;
  private final InetSocketAddress listenAddress;
  private final TransportLimits limits;
  private final ReceiverLimits receiverLimits;
  private final AdmissionConfig admission;
  private final Locality locality;
  private final String zoneTier;
  private final MetricRegistry metricRegistry;
  private final @Nullable Timebase timebase;
  private final @Nullable SnapshotConfig snapshots;
  private final Streams streams;
  private final Reconnect reconnect;
  private final PeerSecurity security;
  private final ServerLimits serverLimits;
  private final long dropNoticeBudgetBytes;
  private final HeartbeatTuning heartbeats;
  private final int rangeQueueGauges;

  /** How coalesced heartbeats are budgeted and flushed, and how liveness is beaconed. */
  private record HeartbeatTuning(long queueBytes, long receiveBytes, long lingerNanos, long beaconIntervalNanos,
      long livenessTimeoutNanos) {}

  /** How streams are batched, timed out and delivered. */
  private record Streams(int workerThreads, int receiveThreads, long targetBatchBytes, int streamWindowBytes, int maxBatchMessages, long drrQuantumBytes,
      long elasticBatchBytes, long elasticInflightBytes, int deliveryBatchMessages, long helloTimeoutNanos, long idleStreamTimeoutNanos,
      boolean controlOnSeparateConnection, long noticeFlushNanos, boolean fanOut, long fanOutLingerNanos) {}

  /** How reconnects back off. */
  private record Reconnect(long initialNanos, long maxNanos, double multiplier, double jitter) {}

  private GrpcTransportConfig(Builder b) {
    this.localStore = b.localStore;
    this.resolver = b.resolver;
    this.listenAddress = b.listenAddress;
    this.limits = b.limits;
    this.receiverLimits = b.receiverLimits;
    this.admission = b.admission;
    this.locality = b.locality;
    this.zoneTier = b.zoneTier;
    this.metricRegistry = b.metricRegistry != null ? b.metricRegistry : new MetricRegistry();
    this.timebase = b.timebase;
    this.snapshots = b.snapshots;
    this.streams = new Streams(b.workerThreads, b.receiveThreads, b.targetBatchBytes, b.streamWindowBytes, b.maxBatchMessages, b.drrQuantumBytes,
        b.elasticBatchBytes, b.elasticInflightBytes, b.deliveryBatchMessages, b.helloTimeoutNanos, b.idleStreamTimeoutNanos, b.controlOnSeparateConnection,
        b.noticeFlushNanos, b.fanOut, b.fanOutLingerNanos);
    this.reconnect = new Reconnect(b.reconnectInitialBackoffNanos, b.reconnectMaxBackoffNanos,
        b.reconnectBackoffMultiplier, b.reconnectJitter);
    this.security = Objects.requireNonNull(b.security, "security");
    this.serverLimits = b.serverLimits;
    this.dropNoticeBudgetBytes = b.dropNoticeBudgetBytes;
    this.heartbeats = new HeartbeatTuning(b.heartbeatQueueBytes, b.heartbeatReceiveBytes, b.heartbeatLingerNanos,
        b.beaconIntervalNanos, b.livenessTimeoutNanos);
    this.rangeQueueGauges = b.rangeQueueGauges;
  }

  /**
   * A builder for the transport of {@code localStore}, finding peers through {@code resolver}.
   *
   * @param localStore the store the transport serves; messages it sends must come from this store
   * @param resolver maps peer stores to their listen addresses and localities
   * @return a builder with every setting but {@link Builder#security} at its default
   */
  public static Builder builder(StoreId localStore, StoreResolver resolver) {
    return new Builder(
        Objects.requireNonNull(localStore, "localStore"), Objects.requireNonNull(resolver, "resolver"));
  }

  /** {@return the store this transport serves} */
  public StoreId localStore() {
    return localStore;
  }

  /** {@return the resolver that maps peer stores to addresses and localities} */
  public StoreResolver resolver() {
    return resolver;
  }

  /**
   * {@return where the server listens} Port 0 picks a free port (see {@link
   * GrpcTransport#listenAddress()}).
   */
  public InetSocketAddress listenAddress() {
    return listenAddress;
  }

  /**
   * {@return the sender budgets at start} They change at runtime with {@link
   * GrpcTransport#updateLimits}.
   */
  public TransportLimits limits() {
    return limits;
  }

  /**
   * {@return the receiver budgets at start} They change at runtime with {@link
   * GrpcTransport#updateReceiverLimits}.
   */
  public ReceiverLimits receiverLimits() {
    return receiverLimits;
  }

  /** {@return how many threads run inbound handlers} */
  public int workerThreads() {
    return streams.workerThreads();
  }

  /**
   * {@return how many threads read inbound frames (parse and admit them), or 0 if the network I/O
   * threads do}
   */
  public int receiveThreads() {
    return streams.receiveThreads();
  }

  /** {@return the target bytes of one written batch (a single larger message is sent alone)} */
  public long targetBatchBytes() {
    return streams.targetBatchBytes();
  }

  /**
   * {@return the HTTP/2 flow-control window of every connection and stream this transport receives
   * on, in bytes}
   */
  public int streamWindowBytes() {
    return streams.streamWindowBytes();
  }

  /** {@return the most messages in one written batch} */
  public int maxBatchMessages() {
    return streams.maxBatchMessages();
  }

  /** {@return the deficit-round-robin quantum of the APPEND lane, in bytes} */
  public long drrQuantumBytes() {
    return streams.drrQuantumBytes();
  }

  /**
   * {@return the most elastic APPEND bytes in one written batch} Exceeded by at most one message;
   * regular APPENDs always go first.
   */
  public long elasticBatchBytes() {
    return streams.elasticBatchBytes();
  }

  /** {@return the most elastic APPEND bytes written to one destination and not yet acknowledged} */
  public long elasticInflightBytes() {
    return streams.elasticInflightBytes();
  }

  /**
   * {@return the most APPEND or SNAPSHOT messages per handler call} CONTROL messages are never
   * split.
   */
  public int deliveryBatchMessages() {
    return streams.deliveryBatchMessages();
  }

  /**
   * {@return how many ranges have per-range receiver queue gauges ({@link
   * GrpcMetrics#RECEIVER_RANGE_QUEUED_APPEND_BYTES}, {@link
   * GrpcMetrics#RECEIVER_RANGE_QUEUED_CONTROL_BYTES})} Every second the transport gives them to the
   * ranges with the most bytes queued (APPEND, SNAPSHOT and CONTROL together; ties go to the lower
   * range id) and removes them from the ranges that fell out; 0 registers none.
   */
  public int rangeQueueGauges() {
    return rangeQueueGauges;
  }

  /** {@return the first reconnect delay, in nanoseconds} */
  public long reconnectInitialBackoffNanos() {
    return reconnect.initialNanos();
  }

  /** {@return the longest reconnect delay, in nanoseconds} */
  public long reconnectMaxBackoffNanos() {
    return reconnect.maxNanos();
  }

  /** {@return the growth factor of the reconnect delay per consecutive failure, at least 1} */
  public double reconnectBackoffMultiplier() {
    return reconnect.multiplier();
  }

  /** {@return the relative jitter of the reconnect delay, in [0, 1)} */
  public double reconnectJitter() {
    return reconnect.jitter();
  }

  /**
   * {@return the nanoseconds a destination has to answer a stream's hello before the stream counts
   * as failed}
   */
  public long helloTimeoutNanos() {
    return streams.helloTimeoutNanos();
  }

  /** {@return each destination's budget for coalesced heartbeats queued or unacknowledged, in bytes} */
  public long heartbeatQueueBytes() {
    return heartbeats.queueBytes();
  }

  /** {@return the budget for coalesced heartbeats waiting for the store's heartbeat handler, in bytes} */
  public long heartbeatReceiveBytes() {
    return heartbeats.receiveBytes();
  }

  /** {@return the least time between two heartbeat flushes to one destination that heartbeats alone wake, in nanoseconds} */
  public long heartbeatLingerNanos() {
    return heartbeats.lingerNanos();
  }

  /** {@return the time without a heartbeat flush after which a destination gets a liveness beacon, in nanoseconds} */
  public long beaconIntervalNanos() {
    return heartbeats.beaconIntervalNanos();
  }

  /** {@return how long a store stays live after it was last heard from, in nanoseconds} */
  public long livenessTimeoutNanos() {
    return heartbeats.livenessTimeoutNanos();
  }

  /**
   * {@return the idle time, in nanoseconds, after which a stream is closed} It is re-opened on the
   * next send.
   */
  public long idleStreamTimeoutNanos() {
    return streams.idleStreamTimeoutNanos();
  }

  /**
   * {@return whether CONTROL traffic has its own TCP connection (not only its own HTTP/2 stream)}
   */
  public boolean controlOnSeparateConnection() {
    return streams.controlOnSeparateConnection();
  }

  /** {@return the credit and IO admission settings} */
  public AdmissionConfig admission() {
    return admission;
  }

  /**
   * {@return the budget, in bytes, of the drop notices waiting for the drop listeners} See {@link
   * Builder#dropNoticeBudgetBytes}.
   */
  public long dropNoticeBudgetBytes() {
    return dropNoticeBudgetBytes;
  }

  /** {@return the longest wait, in nanoseconds, of an "admitted" notice for an ack to ride on} */
  public long noticeFlushNanos() {
    return streams.noticeFlushNanos();
  }

  /** {@return where this store runs; {@link Locality#UNKNOWN} if not given} */
  public Locality locality() {
    return locality;
  }

  /**
   * {@return the locality tier that names a zone} It is used for per-zone byte counts and zone
   * fan-out.
   */
  public String zoneTier() {
    return zoneTier;
  }

  /**
   * {@return true if APPENDs of one range to several followers in one remote zone travel across the
   * zone boundary once, to an agent store in that zone that relays them}
   */
  public boolean fanOut() {
    return streams.fanOut();
  }

  /**
   * {@return the longest wait, in nanoseconds, of a fan-out bundle for the zone's other steady
   * followers}
   */
  public long fanOutLingerNanos() {
    return streams.fanOutLingerNanos();
  }

  /** {@return the registry the transport's metrics are registered in} */
  public MetricRegistry metricRegistry() {
    return metricRegistry;
  }

  /** {@return how this store sends and receives snapshots; empty: no snapshot transfers} */
  public Optional<SnapshotConfig> snapshots() {
    return Optional.ofNullable(snapshots);
  }

  /**
   * {@return the timebase every timing decision and timer of the transport uses, if one was given;
   * empty: the transport runs its own (the system clock and one timer thread it owns and closes)}
   */
  public Optional<Timebase> timebase() {
    return Optional.ofNullable(timebase);
  }

  /** {@return who the peers are: mutual TLS, or the explicit plaintext choice} */
  public PeerSecurity security() {
    return security;
  }

  /** {@return what the server allows one connection and one peer} */
  public ServerLimits serverLimits() {
    return serverLimits;
  }

  /**
   * {@return the largest frame, in bytes, the server accepts on every service and announces to
   * senders} It leaves room for a full batch plus the largest message the receiver accepts at
   * start. Every gRPC inbound message limit of the transport is this; a declared length above it is
   * refused before buffering.
   */
  public long maxFrameBytes() {
    return frameLimit(streams.targetBatchBytes(), receiverLimits.maxMessageBytes());
  }

  private static long frameLimit(long targetBatchBytes, long maxMessageBytes) {
    return Math.min(Integer.MAX_VALUE, targetBatchBytes + 2 * maxMessageBytes + WireCodec.FRAME_SLACK_BYTES);
  }

  /** Builds a {@link GrpcTransportConfig}. Not thread-safe. */
  public static final class Builder {
    private final StoreId localStore;
    private final StoreResolver resolver;
    private InetSocketAddress listenAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private @Nullable PeerSecurity security;
    private ServerLimits serverLimits = ServerLimits.defaults();
    private TransportLimits limits = TransportLimits.defaults();
    private ReceiverLimits receiverLimits = ReceiverLimits.defaults();
    private int workerThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int receiveThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private long targetBatchBytes = DEFAULT_TARGET_BATCH_BYTES;
    private int streamWindowBytes = DEFAULT_STREAM_WINDOW_BYTES;
    private int maxBatchMessages = DEFAULT_MAX_BATCH_MESSAGES;
    private long drrQuantumBytes = DEFAULT_DRR_QUANTUM_BYTES;
    private long elasticBatchBytes = DEFAULT_ELASTIC_BATCH_BYTES;
    private long elasticInflightBytes = DEFAULT_ELASTIC_INFLIGHT_BYTES;
    private int deliveryBatchMessages = DEFAULT_DELIVERY_BATCH_MESSAGES;
    private int rangeQueueGauges = DEFAULT_RANGE_QUEUE_GAUGES;
    private long reconnectInitialBackoffNanos = DEFAULT_RECONNECT_INITIAL_BACKOFF_NANOS;
    private long reconnectMaxBackoffNanos = DEFAULT_RECONNECT_MAX_BACKOFF_NANOS;
    private double reconnectBackoffMultiplier = DEFAULT_RECONNECT_BACKOFF_MULTIPLIER;
    private double reconnectJitter = DEFAULT_RECONNECT_JITTER;
    private long helloTimeoutNanos = DEFAULT_HELLO_TIMEOUT_NANOS;
    private long idleStreamTimeoutNanos = DEFAULT_IDLE_STREAM_TIMEOUT_NANOS;
    private long heartbeatQueueBytes = DEFAULT_HEARTBEAT_QUEUE_BYTES;
    private long heartbeatReceiveBytes = DEFAULT_HEARTBEAT_RECEIVE_BYTES;
    private long heartbeatLingerNanos = DEFAULT_HEARTBEAT_LINGER_NANOS;
    private long beaconIntervalNanos = DEFAULT_BEACON_INTERVAL_NANOS;
    private long livenessTimeoutNanos = DEFAULT_LIVENESS_TIMEOUT_NANOS;
    private boolean controlOnSeparateConnection = true;
    private AdmissionConfig admission = AdmissionConfig.defaults();
    private long noticeFlushNanos = DEFAULT_NOTICE_FLUSH_NANOS;
    private long dropNoticeBudgetBytes = DEFAULT_DROP_NOTICE_BUDGET_BYTES;
    private Locality locality = Locality.UNKNOWN;
    private String zoneTier = "zone";
    private boolean fanOut = true;
    private long fanOutLingerNanos = DEFAULT_FAN_OUT_LINGER_NANOS;
    private @Nullable MetricRegistry metricRegistry;
    private @Nullable Timebase timebase;
    private @Nullable SnapshotConfig snapshots;

    private Builder(StoreId localStore, StoreResolver resolver) {
      this.localStore = localStore;
      this.resolver = resolver;
    }

    /**
     * Default loopback, port 0 (a free port).
     *
     * @param address the address the server binds; port 0 picks a free port
     * @return this builder
     */
    public Builder listenAddress(InetSocketAddress address) {
      this.listenAddress = Objects.requireNonNull(address, "listenAddress");
      return this;
    }

    /**
     * Default {@link TransportLimits#defaults()}.
     *
     * @param limits the sender budgets at start
     * @return this builder
     */
    public Builder limits(TransportLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Default {@link ReceiverLimits#defaults()}.
     *
     * @param receiverLimits the receiver budgets at start; their largest message also sizes the
     *     frame limit ({@link GrpcTransportConfig#maxFrameBytes()}) for the transport's life
     * @return this builder
     */
    public Builder receiverLimits(ReceiverLimits receiverLimits) {
      this.receiverLimits = Objects.requireNonNull(receiverLimits, "receiverLimits");
      return this;
    }

    /**
     * Default {@code max(2, available processors)}.
     *
     * @param threads how many threads run inbound handlers; positive
     * @return this builder
     */
    public Builder workerThreads(int threads) {
      this.workerThreads = threads;
      return this;
    }

    /**
     * Default {@code max(2, available processors)}. Inbound frames are parsed and admitted on
     * these threads, each stream's frames one at a time and in order, so that the network I/O
     * threads only move bytes: a large frame being parsed does not hold up the reads of other
     * connections (a CONTROL stream's heartbeats among them). With 0 the I/O threads parse and
     * admit themselves, one thread hop less per frame.
     *
     * @param threads how many threads read inbound frames; 0 for the I/O threads; not negative
     * @return this builder
     */
    public Builder receiveThreads(int threads) {
      this.receiveThreads = threads;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_TARGET_BATCH_BYTES}.
     *
     * @param bytes the target bytes of one written batch; positive. It also sizes the frame limit
     * @return this builder
     */
    public Builder targetBatchBytes(long bytes) {
      this.targetBatchBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_STREAM_WINDOW_BYTES}.
     *
     * @param bytes the HTTP/2 flow-control window of every connection and stream this transport
     *     receives on (server and client side); at least 65,535 (HTTP/2's initial window)
     * @return this builder
     */
    public Builder streamWindowBytes(int bytes) {
      this.streamWindowBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_MAX_BATCH_MESSAGES}.
     *
     * @param messages the most messages in one written batch; positive
     * @return this builder
     */
    public Builder maxBatchMessages(int messages) {
      this.maxBatchMessages = messages;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_DRR_QUANTUM_BYTES}.
     *
     * @param bytes the bytes each range may send per round of the APPEND lane before the next
     *     range's turn; positive
     * @return this builder
     */
    public Builder drrQuantumBytes(long bytes) {
      this.drrQuantumBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_ELASTIC_BATCH_BYTES}.
     *
     * @param bytes the most elastic APPEND bytes one written batch takes (exceeded by at most one
     *     message); positive
     * @return this builder
     */
    public Builder elasticBatchBytes(long bytes) {
      this.elasticBatchBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_ELASTIC_INFLIGHT_BYTES}.
     *
     * @param bytes the most elastic APPEND bytes written to one destination and not yet
     *     acknowledged (exceeded by at most one message); positive
     * @return this builder
     */
    public Builder elasticInflightBytes(long bytes) {
      this.elasticInflightBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_DELIVERY_BATCH_MESSAGES}.
     *
     * @param messages the most APPEND or SNAPSHOT messages per handler call; positive
     * @return this builder
     */
    public Builder deliveryBatchMessages(int messages) {
      this.deliveryBatchMessages = messages;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_RANGE_QUEUE_GAUGES}; see {@link
     * GrpcTransportConfig#rangeQueueGauges()}.
     *
     * @param ranges how many ranges (those with the most bytes queued) have per-range receiver queue
     *     gauges; 0 for none
     * @return this builder
     */
    public Builder rangeQueueGauges(int ranges) {
      this.rangeQueueGauges = ranges;
      return this;
    }

    /**
     * Defaults 100 ms, 5 s, 2.0 and 0.2: see the {@code DEFAULT_RECONNECT_*} constants. A store
     * that says hello on a stream of its own while its breaker is open here is probed at once and
     * its backoff starts over, at most once per {@code initialNanos}.
     *
     * @param initialNanos the first delay after a failure, in nanoseconds; positive; also the
     *     shortest time between two probes that a store's hellos bring forward
     * @param maxNanos the longest delay, in nanoseconds; at least {@code initialNanos}
     * @param multiplier the growth of the delay per consecutive failure; at least 1
     * @param jitter the relative jitter of each delay, in [0, 1)
     * @return this builder
     */
    public Builder reconnectBackoff(
        long initialNanos, long maxNanos, double multiplier, double jitter) {
      this.reconnectInitialBackoffNanos = initialNanos;
      this.reconnectMaxBackoffNanos = maxNanos;
      this.reconnectBackoffMultiplier = multiplier;
      this.reconnectJitter = jitter;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_HELLO_TIMEOUT_NANOS}.
     *
     * @param nanos the time a destination has to answer a stream's hello, in nanoseconds; positive
     * @return this builder
     */
    public Builder helloTimeoutNanos(long nanos) {
      this.helloTimeoutNanos = nanos;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_IDLE_STREAM_TIMEOUT_NANOS}.
     *
     * @param nanos the idle time after which a stream is closed, in nanoseconds; positive
     * @return this builder
     */
    public Builder idleStreamTimeoutNanos(long nanos) {
      this.idleStreamTimeoutNanos = nanos;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_HEARTBEAT_QUEUE_BYTES}. When it is full, heartbeats
     * to that destination are refused {@code LANE_BUDGET}, counted in {@code
     * sender.heartbeats.refused} and logged once per interval.
     *
     * @param bytes each destination's budget for coalesced heartbeats queued or unacknowledged, in
     *     bytes; at least {@link io.raftwire.message.Heartbeat#OVERHEAD_BYTES} plus {@link
     *     io.raftwire.message.Heartbeat#MAX_PAYLOAD_BYTES}
     * @return this builder
     */
    public Builder heartbeatQueueBytes(long bytes) {
      this.heartbeatQueueBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_HEARTBEAT_RECEIVE_BYTES}. When it is full, arriving
     * heartbeat messages are refused {@code RECEIVER_BUDGET} and reported to their sender.
     *
     * @param bytes the budget for heartbeats waiting for the store's heartbeat handler, in bytes;
     *     at least {@link io.raftwire.message.Heartbeat#OVERHEAD_BYTES} plus {@link
     *     io.raftwire.message.Heartbeat#MAX_PAYLOAD_BYTES}
     * @return this builder
     */
    public Builder heartbeatReceiveBytes(long bytes) {
      this.heartbeatReceiveBytes = bytes;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_HEARTBEAT_LINGER_NANOS}.
     *
     * @param nanos the least time between two heartbeat flushes to one destination that heartbeats
     *     alone wake, in nanoseconds; 0 to 100 ms (0 writes each heartbeat as soon as the writer is free)
     * @return this builder
     */
    public Builder heartbeatLingerNanos(long nanos) {
      this.heartbeatLingerNanos = nanos;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_BEACON_INTERVAL_NANOS}.
     *
     * @param nanos the time without a heartbeat flush after which a destination gets a liveness
     *     beacon, in nanoseconds; positive and below {@link #livenessTimeoutNanos}
     * @return this builder
     */
    public Builder beaconIntervalNanos(long nanos) {
      this.beaconIntervalNanos = nanos;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_LIVENESS_TIMEOUT_NANOS}.
     *
     * @param nanos how long a store stays live after it was last heard from, and a destination
     *     reachable while its oldest heartbeat flush waits for an acknowledgement, in nanoseconds;
     *     greater than {@link #beaconIntervalNanos}
     * @return this builder
     */
    public Builder livenessTimeoutNanos(long nanos) {
      this.livenessTimeoutNanos = nanos;
      return this;
    }

    /**
     * Default true.
     *
     * @param separate true to give CONTROL traffic its own TCP connection, false to share one with
     *     the other lanes (each still on its own HTTP/2 stream)
     * @return this builder
     */
    public Builder controlOnSeparateConnection(boolean separate) {
      this.controlOnSeparateConnection = separate;
      return this;
    }

    /**
     * Default {@link AdmissionConfig#defaults()}: credits on, IO unconstrained.
     *
     * @param admission the credit and IO admission settings
     * @return this builder
     */
    public Builder admission(AdmissionConfig admission) {
      this.admission = Objects.requireNonNull(admission, "admission");
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_NOTICE_FLUSH_NANOS}.
     *
     * @param nanos the longest wait of an "admitted" notice for an ack to ride on, in nanoseconds;
     *     positive
     * @return this builder
     */
    public Builder noticeFlushNanos(long nanos) {
      this.noticeFlushNanos = nanos;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_DROP_NOTICE_BUDGET_BYTES}. The drop notices waiting
     * for slow drop listeners are held within this budget: a notice keeps its message while the
     * queued notices take at most half of it, then comes without the message ({@code
     * sender.drop_notices.summarized}); once the budget is full, notices are not delivered ({@code
     * sender.drop_notices.overflow}).
     *
     * @param bytes the budget in bytes; at least {@link
     *     io.raftwire.transport.DroppedMessage#SUMMARY_BYTES}
     * @return this builder
     */
    public Builder dropNoticeBudgetBytes(long bytes) {
      this.dropNoticeBudgetBytes = bytes;
      return this;
    }

    /**
     * Default {@link Locality#UNKNOWN}.
     *
     * @param locality where this store runs; its {@link #zoneTier(String) zone tier} names its zone
     * @return this builder
     */
    public Builder locality(Locality locality) {
      this.locality = Objects.requireNonNull(locality, "locality");
      return this;
    }

    /**
     * Default {@code "zone"}.
     *
     * @param tier the name of the locality tier that names a zone, for this store and its peers
     * @return this builder
     */
    public Builder zoneTier(String tier) {
      this.zoneTier = Objects.requireNonNull(tier, "zoneTier");
      return this;
    }

    /**
     * Default true: zone fan-out is on. It only ever applies to followers whose zone (the {@link
     * #zoneTier(String)} of their locality) is known and differs from this store's, two or more of
     * them in one zone; false sends every message straight to its destination.
     *
     * @param on whether zone fan-out is on
     * @return this builder
     */
    public Builder fanOut(boolean on) {
      this.fanOut = on;
      return this;
    }

    /**
     * Default {@link GrpcTransportConfig#DEFAULT_FAN_OUT_LINGER_NANOS}; 0 sends bundles at once.
     *
     * @param nanos the longest wait of a fan-out bundle, in nanoseconds; 0 .. 1 second
     * @return this builder
     */
    public Builder fanOutLingerNanos(long nanos) {
      this.fanOutLingerNanos = nanos;
      return this;
    }

    /**
     * Default a new, private registry.
     *
     * @param registry where the metrics are registered, under {@code raftwire.<store>.}; may be
     *     shared with transports of other stores. At start the transport first removes whatever is
     *     registered under its own prefix
     * @return this builder
     */
    public Builder metricRegistry(MetricRegistry registry) {
      this.metricRegistry = Objects.requireNonNull(registry, "metricRegistry");
      return this;
    }

    /**
     * Default none: the transport has no snapshot transfers ({@code snapshots()} is empty).
     *
     * @param config how this store sends and receives snapshots; its chunks must fit in the frame
     *     limit ({@link GrpcTransportConfig#maxFrameBytes()})
     * @return this builder
     */
    public Builder snapshots(SnapshotConfig config) {
      this.snapshots = Objects.requireNonNull(config, "snapshots");
      return this;
    }

    /**
     * Default: the transport's own (the system clock and a timer thread it owns). A given timebase
     * is used for every clock reading and timer of the transport and is not closed by it; tests
     * inject a fake one to drive timing rules deterministically.
     *
     * @param timebase the clock and timers to use; the caller keeps it running while the transport
     *     is open
     * @return this builder
     */
    public Builder timebase(Timebase timebase) {
      this.timebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * No default: must be chosen. {@link PeerSecurity#mutualTls} authenticates every peer by its
     * certificate and binds each message's sender to it; {@link PeerSecurity#insecure()} is
     * plaintext for trusted networks and tests, and is logged as a warning at start.
     *
     * @param security how peers are authenticated
     * @return this builder
     */
    public Builder security(PeerSecurity security) {
      this.security = Objects.requireNonNull(security, "security");
      return this;
    }

    /**
     * Default {@link ServerLimits#defaults()}: what the server allows one connection and one peer.
     *
     * @param limits the server's limits, fixed for the transport's life
     * @return this builder
     */
    public Builder serverLimits(ServerLimits limits) {
      this.serverLimits = Objects.requireNonNull(limits, "serverLimits");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the config
     * @throws IllegalArgumentException naming the field whose value makes no sense, or if no
     *     {@link #security} was chosen, or if snapshot chunks do not fit in the frame limit
     */
    public GrpcTransportConfig build() {
      if (security == null) {
        throw new IllegalArgumentException("security must be chosen: PeerSecurity.mutualTls(...), or for trusted"
            + " networks and tests PeerSecurity.insecure()");
      }
      if (snapshots != null
          && snapshots.chunkBytes() + WireCodec.FRAME_SLACK_BYTES > frameLimit(targetBatchBytes, receiverLimits.maxMessageBytes())) {
        throw new IllegalArgumentException("snapshot chunkBytes (" + snapshots.chunkBytes() + ") must fit in the frame limit of "
            + frameLimit(targetBatchBytes, receiverLimits.maxMessageBytes()) + " bytes (raise targetBatchBytes or"
            + " maxMessageBytes, or make chunks smaller)");
      }
      positive("workerThreads", workerThreads);
      if (receiveThreads < 0) {
        throw new IllegalArgumentException("receiveThreads must be >= 0, was " + receiveThreads);
      }
      positive("targetBatchBytes", targetBatchBytes);
      if (streamWindowBytes < 65_535) {
        throw new IllegalArgumentException("streamWindowBytes must be >= 65535 (HTTP/2's initial window), was "
            + streamWindowBytes);
      }
      positive("maxBatchMessages", maxBatchMessages);
      positive("drrQuantumBytes", drrQuantumBytes);
      positive("elasticBatchBytes", elasticBatchBytes);
      positive("elasticInflightBytes", elasticInflightBytes);
      positive("deliveryBatchMessages", deliveryBatchMessages);
      if (rangeQueueGauges < 0) {
        throw new IllegalArgumentException("rangeQueueGauges must be >= 0, was " + rangeQueueGauges);
      }
      positive("reconnectInitialBackoffNanos", reconnectInitialBackoffNanos);
      positive("helloTimeoutNanos", helloTimeoutNanos);
      positive("idleStreamTimeoutNanos", idleStreamTimeoutNanos);
      positive("noticeFlushNanos", noticeFlushNanos);
      long smallestHeartbeatBudget = io.raftwire.message.Heartbeat.OVERHEAD_BYTES
          + io.raftwire.message.Heartbeat.MAX_PAYLOAD_BYTES;
      if (heartbeatQueueBytes < smallestHeartbeatBudget) {
        throw new IllegalArgumentException("heartbeatQueueBytes must be >= " + smallestHeartbeatBudget
            + " (one largest heartbeat), was " + heartbeatQueueBytes);
      }
      if (heartbeatReceiveBytes < smallestHeartbeatBudget) {
        throw new IllegalArgumentException("heartbeatReceiveBytes must be >= " + smallestHeartbeatBudget
            + " (one largest heartbeat), was " + heartbeatReceiveBytes);
      }
      if (heartbeatLingerNanos < 0 || heartbeatLingerNanos > TimeUnit.MILLISECONDS.toNanos(100)) {
        throw new IllegalArgumentException("heartbeatLingerNanos must be in [0, 100 ms], was " + heartbeatLingerNanos);
      }
      positive("beaconIntervalNanos", beaconIntervalNanos);
      if (livenessTimeoutNanos <= beaconIntervalNanos) {
        throw new IllegalArgumentException("livenessTimeoutNanos (" + livenessTimeoutNanos
            + ") must be > beaconIntervalNanos (" + beaconIntervalNanos + ")");
      }
      if (dropNoticeBudgetBytes < io.raftwire.transport.DroppedMessage.SUMMARY_BYTES) {
        throw new IllegalArgumentException("dropNoticeBudgetBytes must be >= "
            + io.raftwire.transport.DroppedMessage.SUMMARY_BYTES + ", was " + dropNoticeBudgetBytes);
      }
      if (fanOutLingerNanos < 0 || fanOutLingerNanos > TimeUnit.SECONDS.toNanos(1)) {
        throw new IllegalArgumentException("fanOutLingerNanos must be in [0, 1 s], was " + fanOutLingerNanos);
      }
      if (reconnectMaxBackoffNanos < reconnectInitialBackoffNanos) {
        throw new IllegalArgumentException(
            "reconnectMaxBackoffNanos (" + reconnectMaxBackoffNanos
                + ") must be >= reconnectInitialBackoffNanos (" + reconnectInitialBackoffNanos + ")");
      }
      if (!(reconnectBackoffMultiplier >= 1.0)) {
        throw new IllegalArgumentException(
            "reconnectBackoffMultiplier must be >= 1, was " + reconnectBackoffMultiplier);
      }
      if (!(reconnectJitter >= 0.0 && reconnectJitter < 1.0)) {
        throw new IllegalArgumentException("reconnectJitter must be in [0, 1), was " + reconnectJitter);
      }
      return new GrpcTransportConfig(this);
    }

    private static void positive(String field, long value) {
      if (value <= 0) {
        throw new IllegalArgumentException(field + " must be > 0, was " + value);
      }
    }
  }
}
