package io.raftwire.adapter.jraft;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/** How one store's adapter behaves. Immutable; build with {@link #builder()}. */
public final class JraftOptions {
  /** Default most calls one store has in flight at once: 65,536. */
  public static final int DEFAULT_MAX_PENDING_CALLS = 65_536;
  /**
   * Default threads that run processors without an executor of their own (jraft's default, and
   * every response callback without one): 8.
   */
  public static final int DEFAULT_DISPATCH_THREADS = 8;
  /** Default most tasks waiting for those threads: 8,192; beyond it requests are answered busy. */
  public static final int DEFAULT_DISPATCH_QUEUE_TASKS = 8_192;
  /** Default resolution of call timeouts: 5 ms. */
  public static final long DEFAULT_TIMEOUT_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** Default interval at which the adapter looks for new and stopped jraft nodes: 20 ms. */
  public static final long DEFAULT_NODE_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final MetricRegistry metricRegistry;
  private final GroupRanges groupRanges;
  private final Function<ByteBuffer, Priority> entryPriority;
  private final Consumer<RaftEnvelope> onAppendReceived;
  private final Consumer<RangeId> onLeadershipLost;
  private final int maxPendingCalls;
  private final int dispatchThreads;
  private final int dispatchQueueTasks;
  private final long timeoutTickNanos;
  private final long nodeScanNanos;
  private final LongSupplier nanoClock;
  private final boolean coalescedHeartbeats;
  private final Timebase problemTimebase; // null: the store's timer thread
  private final Consumer<String> problemLines; // null: the store's SLF4J logger at WARN

  private JraftOptions(Builder b) {
    this.metricRegistry = b.metricRegistry;
    this.groupRanges = b.groupRanges;
    this.entryPriority = b.entryPriority;
    this.onAppendReceived = b.onAppendReceived;
    this.onLeadershipLost = b.onLeadershipLost;
    this.maxPendingCalls = b.maxPendingCalls;
    this.dispatchThreads = b.dispatchThreads;
    this.dispatchQueueTasks = b.dispatchQueueTasks;
    this.timeoutTickNanos = b.timeoutTickNanos;
    this.nodeScanNanos = b.nodeScanNanos;
    this.nanoClock = b.nanoClock;
    this.coalescedHeartbeats = b.coalescedHeartbeats;
    this.problemTimebase = b.problemTimebase;
    this.problemLines = b.problemLines;
  }

  /**
   * {@return whether heartbeats and their answers travel as the transport's coalesced heartbeats
   * when it offers them} See {@link Builder#coalescedHeartbeats}.
   */
  public boolean coalescedHeartbeats() {
    return coalescedHeartbeats;
  }

  /** {@return a new builder holding the documented defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return options with every default} Each call makes a new private {@link MetricRegistry}.
   */
  public static JraftOptions defaults() {
    return builder().build();
  }

  /** {@return where the adapter's metrics go, under {@code raftwire.<store>.jraft.*}} */
  public MetricRegistry metricRegistry() {
    return metricRegistry;
  }

  /** {@return how jraft group ids map to ranges} */
  public GroupRanges groupRanges() {
    return groupRanges;
  }

  /**
   * {@return the admission priority of a log entry, from its data} Called on jraft's threads when
   * an append is sent; it must not block or throw.
   */
  public Function<ByteBuffer, Priority> entryPriority() {
    return entryPriority;
  }

  /**
   * {@return the observer told of every inbound APPEND before jraft sees it (admission uses it)}
   * Called on the transport's worker thread; what it throws is counted and reported.
   */
  public Consumer<RaftEnvelope> onAppendReceived() {
    return onAppendReceived;
  }

  /**
   * Told, from the node scan, when a node of this store stopped leading its group (or stopped while
   * leading); admission returns the group's credits then.
   *
   * @return the observer, called with the group's range on the thread of the node scan (the
   *     store's timer thread, or a caller of {@code JraftStore#scanNodes()})
   */
  public Consumer<RangeId> onLeadershipLost() {
    return onLeadershipLost;
  }

  /** {@return the most calls in flight per store, at least 1; a call beyond it fails at once} */
  public int maxPendingCalls() {
    return maxPendingCalls;
  }

  /** {@return the number of threads of the dispatch pool, at least 1} */
  public int dispatchThreads() {
    return dispatchThreads;
  }

  /**
   * {@return the capacity of the dispatch pool's queue, in tasks, at least 1} Beyond it requests
   * are answered busy.
   */
  public int dispatchQueueTasks() {
    return dispatchQueueTasks;
  }

  /** {@return how often call deadlines are checked, in nanoseconds, at least 1} */
  public long timeoutTickNanos() {
    return timeoutTickNanos;
  }

  /**
   * {@return how often the adapter looks for jraft nodes that started or stopped, in nanoseconds,
   * at least 1}
   */
  public long nodeScanNanos() {
    return nodeScanNanos;
  }

  /** {@return the clock of call deadlines, in nanoseconds} */
  public LongSupplier nanoClock() {
    return nanoClock;
  }

  /**
   * The clock of the problem log's intervals and the timer of its flushes, if one was given; empty:
   * {@link #nanoClock()} and the store's own timer thread.
   *
   * @return the given timebase, or empty for the default
   */
  public Optional<Timebase> problemTimebase() {
    return Optional.ofNullable(problemTimebase);
  }

  /**
   * {@return where the problem log's lines go, if given; empty: {@code JraftStore}'s SLF4J logger
   * at WARN}
   */
  public Optional<Consumer<String>> problemLines() {
    return Optional.ofNullable(problemLines);
  }

  /** Builds {@link JraftOptions}. Not thread-safe. */
  public static final class Builder {
    private MetricRegistry metricRegistry = new MetricRegistry();
    private GroupRanges groupRanges = GroupRanges.hashed();
    private Function<ByteBuffer, Priority> entryPriority = data -> Priority.REGULAR;
    private Consumer<RaftEnvelope> onAppendReceived = envelope -> {};
    private Consumer<RangeId> onLeadershipLost = range -> {};
    private int maxPendingCalls = DEFAULT_MAX_PENDING_CALLS;
    private int dispatchThreads = DEFAULT_DISPATCH_THREADS;
    private int dispatchQueueTasks = DEFAULT_DISPATCH_QUEUE_TASKS;
    private long timeoutTickNanos = DEFAULT_TIMEOUT_TICK_NANOS;
    private long nodeScanNanos = DEFAULT_NODE_SCAN_NANOS;
    private LongSupplier nanoClock = System::nanoTime;
    private boolean coalescedHeartbeats = true;
    private Timebase problemTimebase;
    private Consumer<String> problemLines;

    private Builder() {}

    /**
     * Sets where the adapter's metrics go.
     *
     * @param registry default a new, private registry; pass the transport's ({@code
     *     GrpcTransport#metrics()}) to see both in one place; not null
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     */
    public Builder metricRegistry(MetricRegistry registry) {
      this.metricRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Sets how group ids map to ranges; every store of a deployment must use the same mapping.
     *
     * @param ranges default {@link GroupRanges#hashed()}; not null
     * @return this builder
     * @throws NullPointerException if {@code ranges} is null
     */
    public Builder groupRanges(GroupRanges ranges) {
      this.groupRanges = Objects.requireNonNull(ranges, "ranges");
      return this;
    }

    /**
     * Sets the admission priority of a log entry, from its data. An append with any elastic entry
     * is charged to elastic credits.
     *
     * @param priority default: every entry is {@link Priority#REGULAR}; called on jraft's threads,
     *     it must not block or throw; not null
     * @return this builder
     * @throws NullPointerException if {@code priority} is null
     */
    public Builder entryPriority(Function<ByteBuffer, Priority> priority) {
      this.entryPriority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    /**
     * Sets who is told of every inbound APPEND before jraft sees it. {@code
     * JraftAdmission#onAppendReceived()} goes here.
     *
     * @param observer default: nobody; called on the transport's worker thread, it must not block;
     *     what it throws is counted and reported; not null
     * @return this builder
     * @throws NullPointerException if {@code observer} is null
     */
    public Builder onAppendReceived(Consumer<RaftEnvelope> observer) {
      this.onAppendReceived = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Sets who is told when a node of this store stopped leading its group. {@code
     * JraftAdmission#onLeadershipLost()} goes here.
     *
     * @param observer default: nobody; called from the node scan (the store's timer thread), it must
     *     not block; not null
     * @return this builder
     * @throws NullPointerException if {@code observer} is null
     */
    public Builder onLeadershipLost(Consumer<RangeId> observer) {
      this.onLeadershipLost = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Sets the most calls one store has in flight at once; a call beyond it fails at once.
     *
     * @param calls at least 1; default {@link JraftOptions#DEFAULT_MAX_PENDING_CALLS}
     * @return this builder
     * @throws IllegalArgumentException if {@code calls} is less than 1
     */
    public Builder maxPendingCalls(int calls) {
      this.maxPendingCalls = positive(calls, "maxPendingCalls");
      return this;
    }

    /**
     * Sets the threads that run processors without an executor of their own.
     *
     * @param threads at least 1; default {@link JraftOptions#DEFAULT_DISPATCH_THREADS}
     * @return this builder
     * @throws IllegalArgumentException if {@code threads} is less than 1
     */
    public Builder dispatchThreads(int threads) {
      this.dispatchThreads = positive(threads, "dispatchThreads");
      return this;
    }

    /**
     * Sets the most tasks waiting for the dispatch threads; beyond it requests are answered busy.
     *
     * @param tasks at least 1; default {@link JraftOptions#DEFAULT_DISPATCH_QUEUE_TASKS}
     * @return this builder
     * @throws IllegalArgumentException if {@code tasks} is less than 1
     */
    public Builder dispatchQueueTasks(int tasks) {
      this.dispatchQueueTasks = positive(tasks, "dispatchQueueTasks");
      return this;
    }

    /**
     * Sets how often call deadlines are checked: a call times out at most this late.
     *
     * @param nanos in nanoseconds, at least 1; default {@link JraftOptions#DEFAULT_TIMEOUT_TICK_NANOS}
     * @return this builder
     * @throws IllegalArgumentException if {@code nanos} is less than 1
     */
    public Builder timeoutTickNanos(long nanos) {
      this.timeoutTickNanos = positive(nanos, "timeoutTickNanos");
      return this;
    }

    /**
     * Sets how often the adapter looks for jraft nodes that started or stopped.
     *
     * @param nanos in nanoseconds, at least 1; default {@link JraftOptions#DEFAULT_NODE_SCAN_NANOS}
     * @return this builder
     * @throws IllegalArgumentException if {@code nanos} is less than 1
     */
    public Builder nodeScanNanos(long nanos) {
      this.nodeScanNanos = positive(nanos, "nodeScanNanos");
      return this;
    }

    /**
     * Sets the clock of call deadlines, and of the problem log unless {@link #problemTimebase} is
     * given.
     *
     * @param clock nanoseconds from any fixed origin; default {@code System::nanoTime}; not null
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Default: {@link #nanoClock} and the store's timer thread. The clock of the problem log (one
     * line per source and problem per {@link io.raftwire.diagnostics.ProblemLog#DEFAULT_INTERVAL_NANOS})
     * and the timer that flushes it; a test gives a fake timebase.
     *
     * @param timebase the clock and timer of the problem log; not null
     * @return this builder
     * @throws NullPointerException if {@code timebase} is null
     */
    public Builder problemTimebase(Timebase timebase) {
      this.problemTimebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * Default: {@code JraftStore}'s SLF4J logger at WARN. Where the problem log's lines go (bad
     * input, jraft code that threw); called on transport, jraft and timer threads, it must not block.
     *
     * @param lines receives one complete line per report; not null
     * @return this builder
     * @throws NullPointerException if {@code lines} is null
     */
    public Builder problemLines(Consumer<String> lines) {
      this.problemLines = Objects.requireNonNull(lines, "lines");
      return this;
    }

    /**
     * Default: true. When the store's transport offers coalesced heartbeats ({@code
     * RaftTransport.heartbeats()}), jraft's heartbeats (appends without entries and without data)
     * and their answers travel as heartbeat records, many per wire message, instead of one
     * envelope each; the store registers the transport's heartbeat handler, so the transport must
     * have none yet. Every store of a cluster must make the same choice: a store without a
     * heartbeat handler refuses the records, and the heartbeats' calls fail.
     *
     * @param on whether to use coalesced heartbeats where the transport offers them
     * @return this builder
     */
    public Builder coalescedHeartbeats(boolean on) {
      this.coalescedHeartbeats = on;
      return this;
    }

    /** {@return new immutable options; the values were checked as they were set} */
    public JraftOptions build() {
      return new JraftOptions(this);
    }

    private static int positive(int v, String name) {
      if (v < 1) {
        throw new IllegalArgumentException(name + " must be >= 1, was " + v);
      }
      return v;
    }

    private static long positive(long v, String name) {
      if (v < 1) {
        throw new IllegalArgumentException(name + " must be >= 1, was " + v);
      }
      return v;
    }
  }
}
