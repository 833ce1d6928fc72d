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
    this.problemTimebase = b.problemTimebase;
    this.problemLines = b.problemLines;
  }

  /** A builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults. */
  public static JraftOptions defaults() {
    return builder().build();
  }

  /** Where the adapter's metrics go, under {@code raftwire.<store>.jraft.*}. */
  public MetricRegistry metricRegistry() {
    return metricRegistry;
  }

  /** Group id to range. */
  public GroupRanges groupRanges() {
    return groupRanges;
  }

  /** The admission priority of a log entry, from its data. */
  public Function<ByteBuffer, Priority> entryPriority() {
    return entryPriority;
  }

  /** Told of every inbound APPEND before jraft sees it (admission uses it). */
  public Consumer<RaftEnvelope> onAppendReceived() {
    return onAppendReceived;
  }

  /**
   * Told, from the node scan, when a node of this store stopped leading its group (or stopped while
   * leading); admission returns the group's credits then.
   */
  public Consumer<RangeId> onLeadershipLost() {
    return onLeadershipLost;
  }

  /** Most calls in flight per store. */
  public int maxPendingCalls() {
    return maxPendingCalls;
  }

  /** Threads of the dispatch pool. */
  public int dispatchThreads() {
    return dispatchThreads;
  }

  /** Queue of the dispatch pool, in tasks. */
  public int dispatchQueueTasks() {
    return dispatchQueueTasks;
  }

  /** How often call deadlines are checked. */
  public long timeoutTickNanos() {
    return timeoutTickNanos;
  }

  /** How often the adapter looks for jraft nodes that started or stopped. */
  public long nodeScanNanos() {
    return nodeScanNanos;
  }

  /** The clock of call deadlines. */
  public LongSupplier nanoClock() {
    return nanoClock;
  }

  /**
   * The clock of the problem log's intervals and the timer of its flushes, if one was given; empty:
   * {@link #nanoClock()} and the store's own timer thread.
   */
  public Optional<Timebase> problemTimebase() {
    return Optional.ofNullable(problemTimebase);
  }

  /** Where the problem log's lines go, if given; empty: {@code JraftStore}'s SLF4J logger at WARN. */
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
    private Timebase problemTimebase;
    private Consumer<String> problemLines;

    private Builder() {}

    /** Default a new, private registry; pass the transport's ({@code GrpcTransport#metrics()}). */
    public Builder metricRegistry(MetricRegistry registry) {
      this.metricRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Default {@link GroupRanges#hashed()}. */
    public Builder groupRanges(GroupRanges ranges) {
      this.groupRanges = Objects.requireNonNull(ranges, "ranges");
      return this;
    }

    /** Default: every entry is {@link Priority#REGULAR}. */
    public Builder entryPriority(Function<ByteBuffer, Priority> priority) {
      this.entryPriority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    /** Default: nobody. {@code JraftAdmission#onAppendReceived()} goes here. */
    public Builder onAppendReceived(Consumer<RaftEnvelope> observer) {
      this.onAppendReceived = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Default: nobody. {@code JraftAdmission#onLeadershipLost()} goes here. */
    public Builder onLeadershipLost(Consumer<RangeId> observer) {
      this.onLeadershipLost = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Default {@link JraftOptions#DEFAULT_MAX_PENDING_CALLS}. */
    public Builder maxPendingCalls(int calls) {
      this.maxPendingCalls = positive(calls, "maxPendingCalls");
      return this;
    }

    /** Default {@link JraftOptions#DEFAULT_DISPATCH_THREADS}. */
    public Builder dispatchThreads(int threads) {
      this.dispatchThreads = positive(threads, "dispatchThreads");
      return this;
    }

    /** Default {@link JraftOptions#DEFAULT_DISPATCH_QUEUE_TASKS}. */
    public Builder dispatchQueueTasks(int tasks) {
      this.dispatchQueueTasks = positive(tasks, "dispatchQueueTasks");
      return this;
    }

    /** Default {@link JraftOptions#DEFAULT_TIMEOUT_TICK_NANOS}. */
    public Builder timeoutTickNanos(long nanos) {
      this.timeoutTickNanos = positive(nanos, "timeoutTickNanos");
      return this;
    }

    /** Default {@link JraftOptions#DEFAULT_NODE_SCAN_NANOS}. */
    public Builder nodeScanNanos(long nanos) {
      this.nodeScanNanos = positive(nanos, "nodeScanNanos");
      return this;
    }

    /** Default {@code System::nanoTime}. */
    public Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Default: {@link #nanoClock} and the store's timer thread. The clock of the problem log (one
     * line per source and problem per {@link io.raftwire.diagnostics.ProblemLog#DEFAULT_INTERVAL_NANOS})
     * and the timer that flushes it; a test gives a fake timebase.
     */
    public Builder problemTimebase(Timebase timebase) {
      this.problemTimebase = Objects.requireNonNull(timebase, "timebase");
      return this;
    }

    /**
     * Default: {@code JraftStore}'s SLF4J logger at WARN. Where the problem log's lines go (bad
     * input, jraft code that threw); called on transport, jraft and timer threads, it must not block.
     */
    public Builder problemLines(Consumer<String> lines) {
      this.problemLines = Objects.requireNonNull(lines, "lines");
      return this;
    }

    /** Builds the options. */
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
