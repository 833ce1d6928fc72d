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
  /** Default most messages per written batch: 1024. */
  public static final int DEFAULT_MAX_BATCH_MESSAGES = 1024;
  /**
   * Default deficit-round-robin quantum across ranges in the APPEND lane: 64 KiB, so a range with a
   * large backlog yields to the others after about one typical append batch.
   */
  public static final long DEFAULT_DRR_QUANTUM_BYTES = 64 * 1024;
  /** Default most APPEND or SNAPSHOT messages handed to one handler call: 256. */
  public static final int DEFAULT_DELIVERY_BATCH_MESSAGES = 256;
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
   * Default longest time a zone fan-out bundle waits for the APPENDs of the zone's other steady
   * followers before it is sent with what it has: 1 ms. A library normally hands its appends to all
   * followers within microseconds, so bundles are usually complete long before; the wait only
   * matters when a follower it expected gets nothing this round.
   */
  public static final long DEFAULT_FAN_OUT_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
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

  /** How streams are batched, timed out and delivered. */
  private record Streams(int workerThreads, long targetBatchBytes, int maxBatchMessages, long drrQuantumBytes,
      int deliveryBatchMessages, long helloTimeoutNanos, long idleStreamTimeoutNanos,
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
    this.streams = new Streams(b.workerThreads, b.targetBatchBytes, b.maxBatchMessages, b.drrQuantumBytes,
        b.deliveryBatchMessages, b.helloTimeoutNanos, b.idleStreamTimeoutNanos, b.controlOnSeparateConnection,
        b.noticeFlushNanos, b.fanOut, b.fanOutLingerNanos);
    this.reconnect = new Reconnect(b.reconnectInitialBackoffNanos, b.reconnectMaxBackoffNanos,
        b.reconnectBackoffMultiplier, b.reconnectJitter);
    this.security = Objects.requireNonNull(b.security, "security");
    this.serverLimits = b.serverLimits;
  }

  /** A builder for the transport of {@code localStore}, finding peers through {@code resolver}. */
  public static Builder builder(StoreId localStore, StoreResolver resolver) {
    return new Builder(
        Objects.requireNonNull(localStore, "localStore"), Objects.requireNonNull(resolver, "resolver"));
  }

  /** The store this transport serves. */
  public StoreId localStore() {
    return localStore;
  }

  /** Maps peer stores to addresses. */
  public StoreResolver resolver() {
    return resolver;
  }

  /** Where the server listens; port 0 picks a free port (see {@link GrpcTransport#listenAddress()}). */
  public InetSocketAddress listenAddress() {
    return listenAddress;
  }

  /** Sender budgets at start. */
  public TransportLimits limits() {
    return limits;
  }

  /** Receiver budgets at start. */
  public ReceiverLimits receiverLimits() {
    return receiverLimits;
  }

  /** Threads that run inbound handlers. */
  public int workerThreads() {
    return streams.workerThreads();
  }

  /** Target bytes of one written batch (a single larger message is sent alone). */
  public long targetBatchBytes() {
    return streams.targetBatchBytes();
  }

  /** Most messages in one written batch. */
  public int maxBatchMessages() {
    return streams.maxBatchMessages();
  }

  /** Deficit-round-robin quantum of the APPEND lane. */
  public long drrQuantumBytes() {
    return streams.drrQuantumBytes();
  }

  /** Most APPEND or SNAPSHOT messages per handler call (CONTROL messages are never split). */
  public int deliveryBatchMessages() {
    return streams.deliveryBatchMessages();
  }

  /** First reconnect delay. */
  public long reconnectInitialBackoffNanos() {
    return reconnect.initialNanos();
  }

  /** Longest reconnect delay. */
  public long reconnectMaxBackoffNanos() {
    return reconnect.maxNanos();
  }

  /** Growth factor of the reconnect delay per consecutive failure. */
  public double reconnectBackoffMultiplier() {
    return reconnect.multiplier();
  }

  /** Relative jitter of the reconnect delay, in [0, 1). */
  public double reconnectJitter() {
    return reconnect.jitter();
  }

  /** How long a destination has to answer a stream's hello before the stream counts as failed. */
  public long helloTimeoutNanos() {
    return streams.helloTimeoutNanos();
  }

  /** Idle time after which a stream is closed (re-opened on the next send). */
  public long idleStreamTimeoutNanos() {
    return streams.idleStreamTimeoutNanos();
  }

  /** Whether CONTROL traffic has its own TCP connection (not only its own HTTP/2 stream). */
  public boolean controlOnSeparateConnection() {
    return streams.controlOnSeparateConnection();
  }

  /** Credits and IO admission settings. */
  public AdmissionConfig admission() {
    return admission;
  }

  /** Longest wait of an "admitted" notice for an ack to ride on. */
  public long noticeFlushNanos() {
    return streams.noticeFlushNanos();
  }

  /** Where this store runs. */
  public Locality locality() {
    return locality;
  }

  /** The locality tier that names a zone: for per-zone byte counts and zone fan-out. */
  public String zoneTier() {
    return zoneTier;
  }

  /**
   * True if APPENDs of one range to several followers in one remote zone travel across the zone
   * boundary once, to an agent store in that zone that relays them (see the {@code sender} package).
   */
  public boolean fanOut() {
    return streams.fanOut();
  }

  /** Longest wait of a fan-out bundle for the zone's other steady followers. */
  public long fanOutLingerNanos() {
    return streams.fanOutLingerNanos();
  }

  /** Where metrics are registered. */
  public MetricRegistry metricRegistry() {
    return metricRegistry;
  }

  /** How this store sends and receives snapshots; empty: no snapshot transfers. */
  public Optional<SnapshotConfig> snapshots() {
    return Optional.ofNullable(snapshots);
  }

  /**
   * The timebase every timing decision and timer of the transport uses, if one was given; empty:
   * the transport runs its own (the system clock and one timer thread it owns and closes).
   */
  public Optional<Timebase> timebase() {
    return Optional.ofNullable(timebase);
  }

  /** Who the peers are: mutual TLS, or the explicit plaintext choice. */
  public PeerSecurity security() {
    return security;
  }

  /** What the server allows one connection and one peer. */
  public ServerLimits serverLimits() {
    return serverLimits;
  }

  /**
   * The largest frame the server accepts, on every service, and announces to senders: room for a
   * full batch plus the largest message the receiver accepts at start. Every gRPC inbound message
   * limit of the transport is this; a declared length above it is refused before buffering.
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
    private long targetBatchBytes = DEFAULT_TARGET_BATCH_BYTES;
    private int maxBatchMessages = DEFAULT_MAX_BATCH_MESSAGES;
    private long drrQuantumBytes = DEFAULT_DRR_QUANTUM_BYTES;
    private int deliveryBatchMessages = DEFAULT_DELIVERY_BATCH_MESSAGES;
    private long reconnectInitialBackoffNanos = DEFAULT_RECONNECT_INITIAL_BACKOFF_NANOS;
    private long reconnectMaxBackoffNanos = DEFAULT_RECONNECT_MAX_BACKOFF_NANOS;
    private double reconnectBackoffMultiplier = DEFAULT_RECONNECT_BACKOFF_MULTIPLIER;
    private double reconnectJitter = DEFAULT_RECONNECT_JITTER;
    private long helloTimeoutNanos = DEFAULT_HELLO_TIMEOUT_NANOS;
    private long idleStreamTimeoutNanos = DEFAULT_IDLE_STREAM_TIMEOUT_NANOS;
    private boolean controlOnSeparateConnection = true;
    private AdmissionConfig admission = AdmissionConfig.defaults();
    private long noticeFlushNanos = DEFAULT_NOTICE_FLUSH_NANOS;
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

    /** Default loopback, port 0 (a free port). */
    public Builder listenAddress(InetSocketAddress address) {
      this.listenAddress = Objects.requireNonNull(address, "listenAddress");
      return this;
    }

    /** Default {@link TransportLimits#defaults()}. */
    public Builder limits(TransportLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Default {@link ReceiverLimits#defaults()}. */
    public Builder receiverLimits(ReceiverLimits receiverLimits) {
      this.receiverLimits = Objects.requireNonNull(receiverLimits, "receiverLimits");
      return this;
    }

    /** Default {@code max(2, available processors)}. */
    public Builder workerThreads(int threads) {
      this.workerThreads = threads;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_TARGET_BATCH_BYTES}. */
    public Builder targetBatchBytes(long bytes) {
      this.targetBatchBytes = bytes;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_MAX_BATCH_MESSAGES}. */
    public Builder maxBatchMessages(int messages) {
      this.maxBatchMessages = messages;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_DRR_QUANTUM_BYTES}. */
    public Builder drrQuantumBytes(long bytes) {
      this.drrQuantumBytes = bytes;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_DELIVERY_BATCH_MESSAGES}. */
    public Builder deliveryBatchMessages(int messages) {
      this.deliveryBatchMessages = messages;
      return this;
    }

    /** Defaults 100 ms, 5 s, 2.0 and 0.2: see the {@code DEFAULT_RECONNECT_*} constants. */
    public Builder reconnectBackoff(
        long initialNanos, long maxNanos, double multiplier, double jitter) {
      this.reconnectInitialBackoffNanos = initialNanos;
      this.reconnectMaxBackoffNanos = maxNanos;
      this.reconnectBackoffMultiplier = multiplier;
      this.reconnectJitter = jitter;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_HELLO_TIMEOUT_NANOS}. */
    public Builder helloTimeoutNanos(long nanos) {
      this.helloTimeoutNanos = nanos;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_IDLE_STREAM_TIMEOUT_NANOS}. */
    public Builder idleStreamTimeoutNanos(long nanos) {
      this.idleStreamTimeoutNanos = nanos;
      return this;
    }

    /** Default true. */
    public Builder controlOnSeparateConnection(boolean separate) {
      this.controlOnSeparateConnection = separate;
      return this;
    }

    /** Default {@link AdmissionConfig#defaults()}: credits on, IO unconstrained. */
    public Builder admission(AdmissionConfig admission) {
      this.admission = Objects.requireNonNull(admission, "admission");
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_NOTICE_FLUSH_NANOS}. */
    public Builder noticeFlushNanos(long nanos) {
      this.noticeFlushNanos = nanos;
      return this;
    }

    /** Default {@link Locality#UNKNOWN}. */
    public Builder locality(Locality locality) {
      this.locality = Objects.requireNonNull(locality, "locality");
      return this;
    }

    /** Default {@code "zone"}. */
    public Builder zoneTier(String tier) {
      this.zoneTier = Objects.requireNonNull(tier, "zoneTier");
      return this;
    }

    /**
     * Default true: zone fan-out is on. It only ever applies to followers whose zone (the {@link
     * #zoneTier(String)} of their locality) is known and differs from this store's, two or more of
     * them in one zone; false sends every message straight to its destination.
     */
    public Builder fanOut(boolean on) {
      this.fanOut = on;
      return this;
    }

    /** Default {@link GrpcTransportConfig#DEFAULT_FAN_OUT_LINGER_NANOS}; 0 sends bundles at once. */
    public Builder fanOutLingerNanos(long nanos) {
      this.fanOutLingerNanos = nanos;
      return this;
    }

    /** Default a new, private registry. */
    public Builder metricRegistry(MetricRegistry registry) {
      this.metricRegistry = Objects.requireNonNull(registry, "metricRegistry");
      return this;
    }

    /** Default none: the transport has no snapshot transfers ({@code snapshots()} is empty). */
    public Builder snapshots(SnapshotConfig config) {
      this.snapshots = Objects.requireNonNull(config, "snapshots");
      return this;
    }

    /**
     * Default: the transport's own (the system clock and a timer thread it owns). A given timebase
     * is used for every clock reading and timer of the transport and is not closed by it; tests
     * inject a fake one to drive timing rules deterministically.
     */
    public Builder timebase(Timebase timebase) {
      this.timebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * No default: must be chosen. {@link PeerSecurity#mutualTls} authenticates every peer by its
     * certificate and binds each message's sender to it; {@link PeerSecurity#insecure()} is
     * plaintext for trusted networks and tests, and is logged as a warning at start.
     */
    public Builder security(PeerSecurity security) {
      this.security = Objects.requireNonNull(security, "security");
      return this;
    }

    /** Default {@link ServerLimits#defaults()}: what the server allows one connection and one peer. */
    public Builder serverLimits(ServerLimits limits) {
      this.serverLimits = Objects.requireNonNull(limits, "serverLimits");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the field whose value makes no sense, or if no
     *     {@link #security} was chosen
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
      positive("targetBatchBytes", targetBatchBytes);
      positive("maxBatchMessages", maxBatchMessages);
      positive("drrQuantumBytes", drrQuantumBytes);
      positive("deliveryBatchMessages", deliveryBatchMessages);
      positive("reconnectInitialBackoffNanos", reconnectInitialBackoffNanos);
      positive("helloTimeoutNanos", helloTimeoutNanos);
      positive("idleStreamTimeoutNanos", idleStreamTimeoutNanos);
      positive("noticeFlushNanos", noticeFlushNanos);
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
