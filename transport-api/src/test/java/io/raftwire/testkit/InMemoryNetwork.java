package io.raftwire.testkit;

import io.raftwire.message.TrafficClass;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process network of {@link RaftTransport}s, one per store, with seeded fault injection.
 *
 * <p>Its transports implement the SPI with the real transport's semantics: per-destination lanes by
 * traffic class with byte budgets and a global budget, CONTROL delivered before other classes,
 * per-range serial delivery on a fixed worker pool, typed refusals and drop reports. A message
 * stays charged to its sender's budgets until the receiving handler has returned, so a slow
 * receiver makes its senders refuse, exactly as a full network path would.
 *
 * <p>All random decisions of a link are drawn from a {@link Random} seeded from {@link #seed()} and
 * the link's two stores, so a single-threaded sender sees the same faults on every run with the
 * same seed. The seed comes from the system property {@value #SEED_PROPERTY} when set; {@link
 * SeedReporter} prints it when a test fails.
 *
 * <p>Thread-safe. {@link #close()} closes every transport and the delay timer.
 */
public final class InMemoryNetwork implements AutoCloseable {
  /** System property that fixes the seed of networks created with {@link #create()}. */
  public static final String SEED_PROPERTY = "raftwire.seed";

  /** Worker threads per transport unless given: enough that a few blocked ranges starve none. */
  public static final int DEFAULT_WORKER_THREADS = 4;

  private static final Logger log = LoggerFactory.getLogger(InMemoryNetwork.class);

  private final long seed;
  private final LinkFaults faults = new LinkFaults();
  // @GuardedBy("itself"): one open transport per store at most
  private final ConcurrentHashMap<StoreId, InMemoryTransport> transports = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;

  private InMemoryNetwork(long seed) {
    this.seed = seed;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "raftwire-inmemory-timer");
              t.setDaemon(true);
              return t;
            });
    SeedReporter.record(seed);
    log.debug("in-memory network with fault seed {}", seed);
  }

  /** A network seeded from {@value #SEED_PROPERTY} if set, else from a random seed. */
  public static InMemoryNetwork create() {
    Long fixed = Long.getLong(SEED_PROPERTY);
    return new InMemoryNetwork(fixed != null ? fixed : ThreadLocalRandom.current().nextLong());
  }

  /** A network with the given fault seed. */
  public static InMemoryNetwork create(long seed) {
    return new InMemoryNetwork(seed);
  }

  /** The seed of every random fault decision in this network. */
  public long seed() {
    return seed;
  }

  /** The link faults, changeable at any time. */
  public LinkFaults faults() {
    return faults;
  }

  /** A transport for {@code store} with default limits and worker threads. */
  public RaftTransport newTransport(StoreId store) {
    return newTransport(store, TransportLimits.defaults());
  }

  /** A transport for {@code store} with {@link #DEFAULT_WORKER_THREADS} worker threads. */
  public RaftTransport newTransport(StoreId store, TransportLimits limits) {
    return newTransport(store, limits, DEFAULT_WORKER_THREADS);
  }

  /**
   * A transport for {@code store}.
   *
   * @throws IllegalStateException if {@code store} already has an open transport in this network
   * @throws IllegalArgumentException if {@code workerThreads < 1}
   */
  public RaftTransport newTransport(StoreId store, TransportLimits limits, int workerThreads) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(limits, "limits");
    if (workerThreads < 1) {
      throw new IllegalArgumentException("workerThreads must be >= 1, was " + workerThreads);
    }
    InMemoryTransport transport = new InMemoryTransport(this, store, limits, workerThreads);
    if (transports.putIfAbsent(store, transport) != null) {
      transport.close();
      throw new IllegalStateException(store + " already has an open transport in this network");
    }
    return transport;
  }

  /**
   * Bytes {@code from} holds charged to its lane of {@code trafficClass} towards {@code to}:
   * accepted and not yet delivered or dropped. Zero if either store is unknown.
   */
  public long queuedBytes(StoreId from, StoreId to, TrafficClass trafficClass) {
    InMemoryTransport sender = transports.get(from);
    return sender == null ? 0 : sender.queuedBytes(to, trafficClass);
  }

  /** Closes every transport of the network and its timer. Idempotent. */
  @Override
  public void close() {
    for (InMemoryTransport transport : transports.values()) {
      transport.close();
    }
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "InMemoryNetwork{seed=" + seed + ", stores=" + transports.keySet() + "}";
  }

  boolean isReachable(StoreId from, StoreId to) {
    InMemoryTransport target = transports.get(to);
    return target != null && target.isOpen() && !faults.isPartitioned(from, to);
  }

  void remove(InMemoryTransport transport) {
    transports.remove(transport.localStore(), transport);
  }

  Random linkRandom(StoreId from, StoreId to) {
    long mixed = seed;
    mixed = mixed * 0x9E3779B97F4A7C15L + from.value();
    mixed = mixed * 0x9E3779B97F4A7C15L + to.value();
    return new Random(mixed);
  }

  /**
   * Puts {@code message} on its link, applying the link's faults. Called with the link's lock held,
   * so that the order of calls is the link's order.
   */
  // @GuardedBy("link")
  void transmit(OutLink link, InMemoryTransport.Message message) {
    StoreId from = message.sender().localStore();
    if (faults.isPartitioned(from, link.destination)) {
      message.dropPending(DropReason.UNREACHABLE);
      return;
    }
    FaultSpec spec = faults.specFor(from, link.destination, message.envelope().trafficClass());
    if (spec == FaultSpec.NONE && link.delayedInFlight == 0 && link.heldBack == null) {
      arrive(message);
      return;
    }
    Random random = link.random;
    if (spec.dropProbability() > 0 && random.nextDouble() < spec.dropProbability()) {
      message.dropPending(DropReason.UNREACHABLE);
      return;
    }
    boolean duplicate =
        spec.duplicateProbability() > 0 && random.nextDouble() < spec.duplicateProbability();
    boolean reorder =
        spec.reorderProbability() > 0 && random.nextDouble() < spec.reorderProbability();
    long delayNanos = spec.delayMinNanos();
    if (spec.delayJitterNanos() > 0) {
      delayNanos += Math.floorMod(random.nextLong(), spec.delayJitterNanos());
    }
    if (reorder && link.heldBack == null) {
      // Held back until the next message of the link has gone, or a short while at most.
      link.heldBack = message;
      try {
        var unused = timer.schedule(
            () -> releaseHeldBack(link, message), delayNanos + 1_000_000, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        link.heldBack = null;
        message.dropPending(DropReason.CLOSED);
      }
      return;
    }
    schedule(link, message, delayNanos);
    if (duplicate) {
      schedule(link, message.duplicate(), delayNanos);
    }
    InMemoryTransport.Message held = link.heldBack;
    if (held != null) {
      link.heldBack = null;
      schedule(link, held, delayNanos);
    }
  }

  private void releaseHeldBack(OutLink link, InMemoryTransport.Message message) {
    synchronized (link) {
      if (link.heldBack != message) {
        return;
      }
      link.heldBack = null;
      schedule(link, message, 0);
    }
  }

  // @GuardedBy("link")
  private void schedule(OutLink link, InMemoryTransport.Message message, long delayNanos) {
    if (delayNanos == 0 && link.delayedInFlight == 0) {
      arrive(message);
      return;
    }
    // Later messages never overtake delayed ones: due times are made monotonic per link, and one
    // pump at a time delivers the link's due messages in queue order.
    long due = Math.max(System.nanoTime() + delayNanos, link.lastDueNanos);
    link.lastDueNanos = due;
    link.delayedInFlight++;
    link.delayed.add(new Delayed(message, due));
    if (link.delayed.size() == 1 && !link.pumpScheduled) {
      schedulePump(link, due);
    }
  }

  // @GuardedBy("link")
  private void schedulePump(OutLink link, long dueNanos) {
    try {
      var unused = timer.schedule(() -> pump(link), dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
      link.pumpScheduled = true;
    } catch (RejectedExecutionException closed) {
      for (Delayed d; (d = link.delayed.poll()) != null; ) {
        link.delayedInFlight--;
        d.message.dropPending(DropReason.CLOSED);
      }
    }
  }

  /** Runs on the single timer thread: delivers the link's due messages in order. */
  private void pump(OutLink link) {
    List<InMemoryTransport.Message> due = new ArrayList<>();
    synchronized (link) {
      link.pumpScheduled = false;
      long now = System.nanoTime();
      while (!link.delayed.isEmpty() && link.delayed.peek().dueNanos <= now) {
        due.add(link.delayed.poll().message);
      }
    }
    for (InMemoryTransport.Message message : due) {
      arrive(message);
    }
    synchronized (link) {
      link.delayedInFlight -= due.size();
      if (!link.delayed.isEmpty() && !link.pumpScheduled) {
        schedulePump(link, link.delayed.peek().dueNanos);
      }
    }
  }

  private static final class Delayed {
    final InMemoryTransport.Message message;
    final long dueNanos;

    Delayed(InMemoryTransport.Message message, long dueNanos) {
      this.message = message;
      this.dueNanos = dueNanos;
    }
  }

  private void arrive(InMemoryTransport.Message message) {
    InMemoryTransport target = transports.get(message.envelope().to().store());
    if (target == null) {
      message.dropPending(DropReason.UNREACHABLE);
    } else {
      target.inbound(message);
    }
  }

  /** The sending half of one link: per-lane charged bytes and fault state. */
  static final class OutLink {
    final StoreId destination;
    final Random random; // @GuardedBy("this")
    final Map<TrafficClass, AtomicLong> laneBytes = new EnumMap<>(TrafficClass.class);
    InMemoryTransport.Message heldBack; // @GuardedBy("this")
    /** Delayed messages not yet arrived, including those a pump is delivering right now. */
    int delayedInFlight; // @GuardedBy("this")
    long lastDueNanos; // @GuardedBy("this")
    final ArrayDeque<Delayed> delayed = new ArrayDeque<>(); // @GuardedBy("this"), due order
    boolean pumpScheduled; // @GuardedBy("this")

    OutLink(StoreId destination, Random random) {
      this.destination = destination;
      this.random = random;
      for (TrafficClass lane : TrafficClass.values()) {
        laneBytes.put(lane, new AtomicLong());
      }
    }

    AtomicLong lane(TrafficClass trafficClass) {
      return laneBytes.get(trafficClass);
    }
  }
}
