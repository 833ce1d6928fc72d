package io.raftwire.example.cluster;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.message.Priority;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * What a cluster did during one phase of a run, and only that phase: {@link #begin} starts a
 * phase, {@link #sample} reads the gauges (as often as the caller likes, e.g. every 250 ms),
 * {@link #end} returns the {@link Phase}. Counters and "since start" gauges become differences
 * over the phase; gauges of the moment become their extremes over the phase's samples; timers are
 * read from the cluster's interval reservoirs ({@link PhaseRegistry}), which hold the phase's
 * values alone. A figure the cluster does not register (admission off, a RocksDB gauge not there)
 * is empty, not zero. Thread-safe; every method is quick and does not block on the cluster.
 */
public final class PhaseMetrics {
  /** Timer group: the send-queue wait of CONTROL streams (heartbeats, votes, acks), all stores. */
  public static final String HEARTBEAT_QUEUE_WAIT = "heartbeat send-queue wait";
  /** Timer group: the send-queue wait of DATA streams (appends, snapshots). */
  public static final String APPEND_QUEUE_WAIT = "append send-queue wait";
  /** Timer group: arrival to handler call of inbound batches. */
  public static final String DELIVERY_LATENCY = "inbound delivery latency";
  /** Timer group: how long regular proposals waited for credits. */
  public static final String CREDIT_WAIT_REGULAR = "credit wait, regular";
  /** Timer group: how long elastic proposals waited for credits. */
  public static final String CREDIT_WAIT_ELASTIC = "credit wait, elastic";
  /** Timer group: how long regular work waited for IO tokens. */
  public static final String ADMISSION_DELAY_REGULAR = "IO admission delay, regular";
  /** Timer group: how long elastic work waited for IO tokens. */
  public static final String ADMISSION_DELAY_ELASTIC = "IO admission delay, elastic";

  /** Suffixes of the RocksDB gauges {@code raftwire.<store>.rocksdb.*}, read when a store registers them. */
  static final String L0_FILES = ".rocksdb.l0_files";
  static final String PENDING_COMPACTION_BYTES = ".rocksdb.pending_compaction_bytes";
  static final String WRITE_STOPPED = ".rocksdb.write_stopped";
  static final String TOKENS_PER_INTERVAL = ".io.tokens_per_interval.elastic";
  static final String GRANTED_BYTES = ".io.granted_bytes.";
  static final String QUEUE_LENGTH = ".io.queue_length.";

  private final MetricRegistry registry;
  private final LongSupplier terms;
  private final LongSupplier slowDiskBytes;

  // The current phase; all @GuardedBy("this").
  private boolean open;
  private long startNanos;
  private long startTerms;
  private long startDiskBytes;
  private Map<String, Long> startCounters = Map.of();
  private Map<String, Long> startGranted = Map.of();
  private Extremes tokens = new Extremes();
  private Extremes l0 = new Extremes();
  private Extremes pending = new Extremes();
  private Map<Priority, Extremes> queues = new EnumMap<>(Priority.class);
  private long samples;
  private long stoppedSamples;

  /**
   * Figures of the metrics in {@code registry}.
   *
   * @param registry the cluster's registry; timers are per phase only if it is a {@link PhaseRegistry}
   * @param terms the sum of the ranges' terms: its difference over a phase counts elections
   * @param slowDiskBytes bytes the throttled disks charged since start
   */
  PhaseMetrics(MetricRegistry registry, LongSupplier terms, LongSupplier slowDiskBytes) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.terms = Objects.requireNonNull(terms, "terms");
    this.slowDiskBytes = Objects.requireNonNull(slowDiskBytes, "slowDiskBytes");
  }

  /** The figures of {@code cluster}'s phases. */
  public static PhaseMetrics of(LocalCluster cluster) {
    return new PhaseMetrics(cluster.metrics(), cluster::terms, cluster::slowDiskBytes);
  }

  /** Starts a phase at {@code nowNanos} ({@code System.nanoTime()}), ending any open one unreported. */
  public synchronized void begin(long nowNanos) {
    if (registry instanceof PhaseRegistry phases) {
      var unused = phases.endPhase();
    }
    open = true;
    startNanos = nowNanos;
    startTerms = terms.getAsLong();
    startDiskBytes = slowDiskBytes.getAsLong();
    startCounters = counters();
    startGranted = gauges(GRANTED_BYTES);
    tokens = new Extremes();
    l0 = new Extremes();
    pending = new Extremes();
    queues = new EnumMap<>(Priority.class);
    samples = 0;
    stoppedSamples = 0;
    var unused = sample(nowNanos);
  }

  /**
   * Reads the gauges of the moment into the phase's extremes and returns what it read (for a
   * timeline): the lowest elastic IO tokens per interval of any store (admission's budget on the most
   * pressed disk; {@link Long#MAX_VALUE} when unlimited) and the most L0 files of any store.
   *
   * @throws IllegalStateException if no phase is open
   */
  public synchronized Sample sample(long nowNanos) {
    requireOpen();
    samples++;
    OptionalLong minTokens = min(gauges(TOKENS_PER_INTERVAL));
    OptionalLong maxL0 = max(gauges(L0_FILES));
    minTokens.ifPresent(tokens::add);
    maxL0.ifPresent(l0::add);
    max(gauges(PENDING_COMPACTION_BYTES)).ifPresent(pending::add);
    if (max(gauges(WRITE_STOPPED)).orElse(0) > 0) {
      stoppedSamples++;
    }
    for (Priority p : Priority.values()) {
      max(gauges(QUEUE_LENGTH + p.name().toLowerCase(Locale.ROOT)))
          .ifPresent(v -> queues.computeIfAbsent(p, x -> new Extremes()).add(v));
    }
    return new Sample(nowNanos, minTokens, maxL0);
  }

  /**
   * Ends the phase at {@code nowNanos}: its figures under {@code name}. The next phase needs a
   * {@link #begin}.
   *
   * @throws IllegalStateException if no phase is open
   */
  public synchronized Phase end(String name, long nowNanos) {
    requireOpen();
    var unused = sample(nowNanos);
    Map<String, Histogram> timers = new TreeMap<>();
    if (registry instanceof PhaseRegistry phases) {
      phases.endPhase().forEach((timer, values) -> {
        String group = timerGroup(timer);
        if (group != null) {
          timers.computeIfAbsent(group, g -> new Histogram(3)).add(values);
        }
      });
    }
    Map<String, Long> counters = new TreeMap<>();
    counters().forEach((k, v) -> {
      long d = v - startCounters.getOrDefault(k, 0L);
      if (d != 0 || k.startsWith("bytes")) {
        counters.put(k, d);
      }
    });
    Map<Priority, Long> granted = new EnumMap<>(Priority.class);
    gauges(GRANTED_BYTES).forEach((gauge, v) -> {
      Priority p = gauge.endsWith(".elastic") ? Priority.ELASTIC : Priority.REGULAR;
      granted.merge(p, v - startGranted.getOrDefault(gauge, 0L), Long::sum);
    });
    Map<Priority, Long> maxQueues = new EnumMap<>(Priority.class);
    queues.forEach((p, e) -> maxQueues.put(p, e.max));
    open = false;
    return new Phase(name, (nowNanos - startNanos) / 1e9, terms.getAsLong() - startTerms,
        slowDiskBytes.getAsLong() - startDiskBytes, counters, timers, granted, tokens.minimum(), l0.maximum(),
        pending.maximum(), stoppedSamples, samples, maxQueues);
  }

  private void requireOpen() {
    if (!open) {
      throw new IllegalStateException("no phase is open: call begin first");
    }
  }

  /** The group a transport timer belongs to, or null if the reports do not show it. */
  static String timerGroup(String name) {
    if (name.contains(".sender.") && name.endsWith(".control.queue_wait")) {
      return HEARTBEAT_QUEUE_WAIT;
    } else if (name.contains(".sender.") && name.endsWith(".data.queue_wait")) {
      return APPEND_QUEUE_WAIT;
    } else if (name.endsWith(".receiver.deliver_latency")) {
      return DELIVERY_LATENCY;
    } else if (name.endsWith(".credits.wait.regular")) {
      return CREDIT_WAIT_REGULAR;
    } else if (name.endsWith(".credits.wait.elastic")) {
      return CREDIT_WAIT_ELASTIC;
    } else if (name.endsWith(".io.admission_delay.regular")) {
      return ADMISSION_DELAY_REGULAR;
    } else if (name.endsWith(".io.admission_delay.elastic")) {
      return ADMISSION_DELAY_ELASTIC;
    }
    return null;
  }

  /** The counters the reports show, summed over stores: zone bytes, and drops and refusals by reason. */
  private Map<String, Long> counters() {
    Map<String, Long> counters = new TreeMap<>();
    for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
      String name = e.getKey();
      String[] p = name.split("\\.", -1);
      if (name.contains(".zone_bytes.") && p.length >= 2) {
        String from = p[p.length - 2];
        String to = p[p.length - 1];
        counters.merge(from.equals(to) ? "bytes within zones" : "bytes across zones", e.getValue().getCount(), Long::sum);
      } else if (name.contains(".dropped.") || name.contains(".refused.")) {
        String kind = name.contains(".receiver.") ? "receiver dropped " : name.contains(".refused.") ? "refused by send " : "dropped after send ";
        counters.merge(kind + p[p.length - 1], e.getValue().getCount(), Long::sum);
      }
    }
    return counters;
  }

  /** Numeric gauges whose name contains {@code part} (and ends with it unless it ends with a dot). */
  private Map<String, Long> gauges(String part) {
    Map<String, Long> values = new TreeMap<>();
    Map<String, ?> all = registry.getGauges();
    for (Map.Entry<String, ?> e : all.entrySet()) {
      String name = e.getKey();
      boolean match = part.endsWith(".") ? name.contains(part) : name.endsWith(part);
      if (!match) {
        continue;
      }
      Object value;
      try {
        value = ((Gauge<?>) e.getValue()).getValue();
      } catch (RuntimeException ex) {
        continue; // a gauge of a store going away: no reading
      }
      if (value instanceof Number n) {
        values.put(name, n.longValue());
      } else if (value instanceof Boolean b) {
        values.put(name, b ? 1L : 0L);
      }
    }
    return values;
  }

  private static OptionalLong min(Map<String, Long> values) {
    return values.values().stream().mapToLong(Long::longValue).min();
  }

  private static OptionalLong max(Map<String, Long> values) {
    return values.values().stream().mapToLong(Long::longValue).max();
  }

  /** Smallest and largest of a gauge's samples. Not thread-safe: used under the phase's lock. */
  private static final class Extremes {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    boolean any;

    void add(long v) {
      any = true;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }

    OptionalLong minimum() {
      return any ? OptionalLong.of(min) : OptionalLong.empty();
    }

    OptionalLong maximum() {
      return any ? OptionalLong.of(max) : OptionalLong.empty();
    }
  }

  /**
   * One reading of the gauges of the moment.
   *
   * @param nowNanos when ({@code System.nanoTime()})
   * @param minTokensPerInterval the lowest elastic IO tokens per interval of any store ({@link Long#MAX_VALUE}:
   *     unlimited); empty without admission control
   * @param maxL0Files the most RocksDB level-0 files of any store; empty if no store reports them
   */
  public record Sample(long nowNanos, OptionalLong minTokensPerInterval, OptionalLong maxL0Files) {
    /** Validates. */
    public Sample {
      Objects.requireNonNull(minTokensPerInterval, "minTokensPerInterval");
      Objects.requireNonNull(maxL0Files, "maxL0Files");
    }
  }

  /** The figures of one phase. Immutable. */
  public static final class Phase {
    private final String name;
    private final double seconds;
    private final long elections;
    private final long slowDiskBytes;
    private final Map<String, Long> counters;
    private final Map<String, Histogram> timers;
    private final Map<Priority, Long> grantedBytes;
    private final OptionalLong minTokensPerInterval;
    private final OptionalLong maxL0Files;
    private final OptionalLong maxPendingCompactionBytes;
    private final long writeStoppedSamples;
    private final long samples;
    private final Map<Priority, Long> maxQueueLength;

    Phase(String name, double seconds, long elections, long slowDiskBytes, Map<String, Long> counters,
        Map<String, Histogram> timers, Map<Priority, Long> grantedBytes, OptionalLong minTokensPerInterval,
        OptionalLong maxL0Files, OptionalLong maxPendingCompactionBytes, long writeStoppedSamples, long samples,
        Map<Priority, Long> maxQueueLength) {
      if (seconds < 0 || elections < 0 || samples < 1) {
        throw new IllegalArgumentException("need seconds >= 0, elections >= 0 and a sample; were " + seconds + ", "
            + elections + ", " + samples);
      }
      this.name = Objects.requireNonNull(name, "name");
      this.seconds = seconds;
      this.elections = elections;
      this.slowDiskBytes = slowDiskBytes;
      this.counters = Map.copyOf(counters);
      Map<String, Histogram> copies = new TreeMap<>();
      timers.forEach((k, v) -> copies.put(k, v.copy()));
      this.timers = java.util.Collections.unmodifiableMap(copies);
      this.grantedBytes = Map.copyOf(grantedBytes);
      this.minTokensPerInterval = Objects.requireNonNull(minTokensPerInterval);
      this.maxL0Files = Objects.requireNonNull(maxL0Files);
      this.maxPendingCompactionBytes = Objects.requireNonNull(maxPendingCompactionBytes);
      this.writeStoppedSamples = writeStoppedSamples;
      this.samples = samples;
      this.maxQueueLength = Map.copyOf(maxQueueLength);
    }

    /** The phase's name. */
    public String name() {
      return name;
    }

    /** How long it lasted. */
    public double seconds() {
      return seconds;
    }

    /** Term changes summed over the ranges: elections held (won or not). */
    public long elections() {
      return elections;
    }

    /** Bytes the throttled disks charged, all slow disks together. */
    public long slowDiskBytes() {
      return slowDiskBytes;
    }

    /** Zone bytes ({@code bytes within zones}, {@code bytes across zones}) and non-zero drops and refusals by reason. */
    public Map<String, Long> counters() {
      return counters;
    }

    /** The {@code quantile} of a timer group (e.g. {@link #HEARTBEAT_QUEUE_WAIT}) in ms; empty without values. */
    public OptionalDouble timerMillis(String group, double quantile) {
      Histogram h = timers.get(group);
      return h == null || h.getTotalCount() == 0 ? OptionalDouble.empty()
          : OptionalDouble.of(h.getValueAtPercentile(quantile * 100) / 1e6);
    }

    /** How many values a timer group recorded in the phase. */
    public long timerCount(String group) {
      Histogram h = timers.get(group);
      return h == null ? 0 : h.getTotalCount();
    }

    /** IO tokens granted to {@code priority}, all stores; empty without admission control. */
    public OptionalLong grantedBytes(Priority priority) {
      Long v = grantedBytes.get(priority);
      return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The lowest elastic IO tokens per interval of any store in any sample ({@link Long#MAX_VALUE}: unlimited). */
    public OptionalLong minTokensPerInterval() {
      return minTokensPerInterval;
    }

    /** The most RocksDB level-0 files of any store in any sample; empty if not reported. */
    public OptionalLong maxL0Files() {
      return maxL0Files;
    }

    /** The most pending compaction bytes of any store in any sample; empty if not reported. */
    public OptionalLong maxPendingCompactionBytes() {
      return maxPendingCompactionBytes;
    }

    /** Samples in which some store's RocksDB had stopped writes. */
    public long writeStoppedSamples() {
      return writeStoppedSamples;
    }

    /** Gauge samples taken in the phase. */
    public long samples() {
      return samples;
    }

    /** The longest IO admission queue of any store in any sample; empty without admission control. */
    public OptionalLong maxQueueLength(Priority priority) {
      Long v = maxQueueLength.get(priority);
      return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
  }
}
