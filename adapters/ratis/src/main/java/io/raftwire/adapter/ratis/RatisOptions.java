package io.raftwire.adapter.ratis;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.message.Priority;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;

/**
 * The adapter's options for one Ratis server. Immutable; build with {@link #builder()}. The call
 * timeout is Ratis's own ({@code raft.server.rpc.request.timeout}), not an option here.
 */
public final class RatisOptions {
  /** Default most calls in flight per server: 65,536. */
  public static final int DEFAULT_MAX_PENDING_CALLS = 65_536;
  /** Default threads that run Ratis's blocking handlers (votes, elections, snapshots): 4. */
  public static final int DEFAULT_DISPATCH_THREADS = 4;
  /** Default most handler tasks waiting for those threads: 4,096. */
  public static final int DEFAULT_DISPATCH_QUEUE_TASKS = 4_096;
  /** Default period of the timeout check: 5 ms. */
  public static final long DEFAULT_TIMEOUT_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** Default period of the look at the server's groups: 50 ms. */
  public static final long DEFAULT_GROUP_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** Default for {@link Builder#appendsInFlight}. */
  public static final int DEFAULT_APPENDS_IN_FLIGHT = 16;
  /** Default for {@link Builder#appendWindowBytes}: 4 MiB. */
  public static final long DEFAULT_APPEND_WINDOW_BYTES = 4L << 20;

  private final MetricRegistry metricRegistry;
  private final RatisGroupRanges groupRanges;
  private final Function<LogEntryProto, Priority> entryPriority;
  private final boolean reportDurability;
  private final int maxPendingCalls;
  private final int dispatchThreads;
  private final int dispatchQueueTasks;
  private final long timeoutTickNanos;
  private final long groupScanNanos;
  private final LongSupplier nanoClock;
  private final int appendsInFlight;
  private final long appendWindowBytes;

  private RatisOptions(Builder b) {
    this.metricRegistry = b.metricRegistry;
    this.groupRanges = b.groupRanges;
    this.entryPriority = b.entryPriority;
    this.reportDurability = b.reportDurability;
    this.maxPendingCalls = b.maxPendingCalls;
    this.dispatchThreads = b.dispatchThreads;
    this.dispatchQueueTasks = b.dispatchQueueTasks;
    this.timeoutTickNanos = b.timeoutTickNanos;
    this.groupScanNanos = b.groupScanNanos;
    this.nanoClock = b.nanoClock;
    this.appendsInFlight = b.appendsInFlight;
    this.appendWindowBytes = b.appendWindowBytes;
  }

  /** {@return most appends in flight per (group, follower)} */
  public int appendsInFlight() {
    return appendsInFlight;
  }

  /** {@return most bytes of appends in flight per (group, follower)} */
  public long appendWindowBytes() {
    return appendWindowBytes;
  }

  /** {@return the defaults} Each has a fresh metric registry. */
  public static RatisOptions defaults() {
    return builder().build();
  }

  /** {@return a builder with the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return where the adapter's metrics go, under {@code raftwire.<store>.ratis.}} */
  public MetricRegistry metricRegistry() {
    return metricRegistry;
  }

  /** {@return how groups map to ranges} */
  public RatisGroupRanges groupRanges() {
    return groupRanges;
  }

  /** {@return the admission priority of a log entry} */
  public Function<LogEntryProto, Priority> entryPriority() {
    return entryPriority;
  }

  /** {@return whether this server, as a follower, reports the entries it persisted to flow control} */
  public boolean reportDurability() {
    return reportDurability;
  }

  /** {@return the most calls in flight} */
  public int maxPendingCalls() {
    return maxPendingCalls;
  }

  /** {@return the threads running Ratis's blocking handlers} */
  public int dispatchThreads() {
    return dispatchThreads;
  }

  /** {@return the most handler tasks waiting for a thread} */
  public int dispatchQueueTasks() {
    return dispatchQueueTasks;
  }

  /** {@return the period of the timeout check, in nanoseconds} */
  public long timeoutTickNanos() {
    return timeoutTickNanos;
  }

  /** {@return the period of the look at the server's groups, in nanoseconds} */
  public long groupScanNanos() {
    return groupScanNanos;
  }

  /** {@return the clock that call deadlines follow, in nanoseconds} */
  public LongSupplier nanoClock() {
    return nanoClock;
  }

  /** Builds {@link RatisOptions}; not thread-safe. */
  public static final class Builder {
    private MetricRegistry metricRegistry = new MetricRegistry();
    private RatisGroupRanges groupRanges = RatisGroupRanges.hashed();
    private Function<LogEntryProto, Priority> entryPriority = entry -> Priority.REGULAR;
    private boolean reportDurability;
    private int maxPendingCalls = DEFAULT_MAX_PENDING_CALLS;
    private int dispatchThreads = DEFAULT_DISPATCH_THREADS;
    private int dispatchQueueTasks = DEFAULT_DISPATCH_QUEUE_TASKS;
    private long timeoutTickNanos = DEFAULT_TIMEOUT_TICK_NANOS;
    private long groupScanNanos = DEFAULT_GROUP_SCAN_NANOS;
    private LongSupplier nanoClock = System::nanoTime;
    private int appendsInFlight = DEFAULT_APPENDS_IN_FLIGHT;
    private long appendWindowBytes = DEFAULT_APPEND_WINDOW_BYTES;

    private Builder() {}

    /**
     * Where the adapter's metrics go; usually the transport's registry.
     *
     * @param registry not null; default a new registry
     * @return this builder
     */
    public Builder metricRegistry(MetricRegistry registry) {
      this.metricRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * How groups map to ranges; every server of the deployment must use the same.
     *
     * @param ranges not null; default {@link RatisGroupRanges#hashed()}
     * @return this builder
     */
    public Builder groupRanges(RatisGroupRanges ranges) {
      this.groupRanges = Objects.requireNonNull(ranges, "ranges");
      return this;
    }

    /**
     * The admission priority of a log entry: an append is elastic if any of its entries is.
     *
     * @param priority must not block or throw; not null; default every entry REGULAR
     * @return this builder
     */
    public Builder entryPriority(Function<LogEntryProto, Priority> priority) {
      this.entryPriority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    /**
     * Whether this server, as a follower, tells flow control of the entries it persisted (Ratis
     * answers an append only once its entries are written and flushed, so the answer is the
     * report). Set it with a transport whose admission config sets {@code
     * libraryReportsDurability(true)}.
     *
     * @param report default false
     * @return this builder
     */
    public Builder reportDurability(boolean report) {
      this.reportDurability = report;
      return this;
    }

    /**
     * The most calls in flight; a call beyond them fails at once.
     *
     * @param calls at least 1; default {@link RatisOptions#DEFAULT_MAX_PENDING_CALLS}
     * @return this builder
     */
    public Builder maxPendingCalls(int calls) {
      this.maxPendingCalls = atLeastOne(calls, "maxPendingCalls");
      return this;
    }

    /**
     * The threads running Ratis's blocking handlers (votes, elections, snapshot chunks).
     *
     * @param threads at least 1; default {@link RatisOptions#DEFAULT_DISPATCH_THREADS}
     * @return this builder
     */
    public Builder dispatchThreads(int threads) {
      this.dispatchThreads = atLeastOne(threads, "dispatchThreads");
      return this;
    }

    /**
     * The most handler tasks waiting for a thread; a request beyond them is answered {@code BUSY}.
     *
     * @param tasks at least 1; default {@link RatisOptions#DEFAULT_DISPATCH_QUEUE_TASKS}
     * @return this builder
     */
    public Builder dispatchQueueTasks(int tasks) {
      this.dispatchQueueTasks = atLeastOne(tasks, "dispatchQueueTasks");
      return this;
    }

    /**
     * How often calls past their deadline are ended.
     *
     * @param nanos in nanoseconds, at least 1; default {@link RatisOptions#DEFAULT_TIMEOUT_TICK_NANOS}
     * @return this builder
     */
    public Builder timeoutTickNanos(long nanos) {
      this.timeoutTickNanos = positive(nanos, "timeoutTickNanos");
      return this;
    }

    /**
     * How often the adapter looks at the server's groups to serve new ones and stop serving
     * removed ones.
     *
     * @param nanos in nanoseconds, at least 1; default {@link RatisOptions#DEFAULT_GROUP_SCAN_NANOS}
     * @return this builder
     */
    public Builder groupScanNanos(long nanos) {
      this.groupScanNanos = positive(nanos, "groupScanNanos");
      return this;
    }

    /**
     * The clock call deadlines follow (tests inject one).
     *
     * @param clock nanoseconds; not null; default {@code System::nanoTime}
     * @return this builder
     */
    public Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Most appends the leader has in flight to one follower of one group: the pipeline depth of
     * the adapter's log appender (Ratis's own {@code raft.grpc.server.leader.outstanding.appends.max}
     * plays this part for ratis-grpc).
     *
     * @param appends at least 1; default {@value #DEFAULT_APPENDS_IN_FLIGHT}
     * @return this builder
     * @throws IllegalArgumentException if {@code appends < 1}
     */
    public Builder appendsInFlight(int appends) {
      this.appendsInFlight = atLeastOne(appends, "appendsInFlight");
      return this;
    }

    /**
     * Most bytes of appends the leader has in flight to one follower of one group (one append
     * larger than this may still go alone). Together with the number of groups it should stay well
     * below the transport's APPEND lane budget, or appends are refused and retried.
     *
     * @param bytes at least 1; default 4 MiB
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public Builder appendWindowBytes(long bytes) {
      this.appendWindowBytes = positive(bytes, "appendWindowBytes");
      return this;
    }

    /** {@return the options} */
    public RatisOptions build() {
      return new RatisOptions(this);
    }

    private static int atLeastOne(int v, String name) {
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
