package io.raftwire.bench;

import com.sun.management.OperatingSystemMXBean;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.SendResult;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * S9: idle multi-raft. Three stores in one JVM on 127.0.0.1 (real {@link GrpcTransport}s, default
 * settings) host N ranges each, every range a replica on every store, the leaders spread evenly
 * over the stores. Every 100 ms each leader sends a 64 B heartbeat to its two followers, which
 * answer it; the ticks are staggered over 100 slots of 1 ms. The transports ("variants" of the
 * heartbeat path, run side by side in every run):
 *
 * <ul>
 *   <li>{@value #ENVELOPES}: every heartbeat and answer a CONTROL envelope to the range's handler,
 *       the path before coalescing (the baseline);
 *   <li>{@value #COALESCED}: every heartbeat and answer a {@link Heartbeat} record through {@link
 *       Heartbeats}, to one store-level handler.
 * </ul>
 *
 * <p>A run has three phases on one set of stores: (1) 1 % of the ranges take 1,000 proposals/s of
 * 1 KiB in all (the leader sends an APPEND to each follower, which answers with a CONTROL
 * envelope), nothing else; (2) every range heartbeats, nothing else: CPU, heartbeat latency and
 * delivery, heap; (3) both at once: the appends' round trip among the idle ranges divided by that
 * of phase 1.
 *
 * <p>MicroRaft groups through the adapter would be a third transport of the same shape, its
 * figures the same; it is not built yet.
 */
final class IdleRangesScenario implements Scenario {
  static final String ENVELOPES = "envelopes";
  static final String COALESCED = "coalesced";
  private static final int STORES = 3;
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int SLOTS = 100;
  private static final int HEARTBEAT_BYTES = 64;
  private static final int ENTRY_BYTES = 1024;
  private static final int PROPOSALS_PER_SECOND = 1000;
  /** One range in this many is active. */
  private static final int ACTIVE_EVERY = 100;
  /** At most about this many heartbeat latencies are kept per run: ranges are sampled to fit. */
  private static final long LATENCY_SAMPLES = 800_000;
  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  // The first payload byte after the stamp: what a message is.
  private static final byte PROBE = 0;
  private static final byte BEAT = 1;
  private static final byte BEAT_ANSWER = 2;
  private static final byte APPEND_ANSWER = 3;

  static final String CPU = "CPU per store %";
  static final String LOAD_CPU = "load generator CPU per store %";
  static final String HB_P50 = "heartbeat p50 ms";
  static final String HB_P99 = "heartbeat p99 ms";
  static final String HB_SENT = "heartbeats sent % of schedule";
  static final String HB_DELIVERED = "heartbeats delivered %";
  static final String HB_ANSWERED = "answers delivered %";
  static final String HB_REFUSED = "heartbeat sends refused %";
  static final String HEAP_REGISTERED = "heap per replica, registered B";
  static final String HEAP_IN_USE = "heap per replica, heartbeating B";
  static final String ALONE_P50 = "append alone p50 ms";
  static final String ALONE_P99 = "append alone p99 ms";
  static final String AMONG_P50 = "append among idle p50 ms";
  static final String AMONG_P99 = "append among idle p99 ms";
  static final String RATIO_P50 = "p50 ratio";
  static final String RATIO_P99 = "p99 ratio";
  static final String APPENDS_ANSWERED = "appends answered %";
  static final String REFUSED_ANSWERS = "refused responses";

  @Override
  public String id() {
    return "S9";
  }

  @Override
  public String title() {
    return "idle multi-raft: N ranges per store on 3 stores, a 64 B heartbeat every 100 ms from each leader to "
        + "2 followers, and 1 % of the ranges active";
  }

  @Override
  public List<String> transports() {
    return List.of(ENVELOPES, COALESCED);
  }

  @Override
  public List<String> variants(Settings settings) {
    return settings.quick ? List.of("1000") : List.of("1000", "10000", "50000", "100000");
  }

  @Override
  public String variantLabel(String variant) {
    return variant + " ranges per store";
  }

  @Override
  public List<String> figures() {
    return List.of(CPU, LOAD_CPU, HB_P50, HB_P99, HB_SENT, HB_DELIVERED, HB_ANSWERED, HB_REFUSED, HEAP_REGISTERED,
        HEAP_IN_USE, ALONE_P50, ALONE_P99, AMONG_P50, AMONG_P99, RATIO_P50, RATIO_P99, APPENDS_ANSWERED, REFUSED_ANSWERS);
  }

  @Override
  public List<Table> tables() {
    return List.of(
        new Table("(a) Idle: every range heartbeats, nothing else", transports(),
            List.of(CPU, LOAD_CPU, HB_P50, HB_P99, HB_SENT, HB_DELIVERED, HB_ANSWERED, HB_REFUSED, HEAP_REGISTERED,
                HEAP_IN_USE), "ranges per store"),
        new Table("(b) 1 % of the ranges active: 1,000 proposals/s of 1 KiB among the idle ranges, against the same "
            + "load alone", transports(),
            List.of(ALONE_P50, ALONE_P99, AMONG_P50, AMONG_P99, RATIO_P50, RATIO_P99, APPENDS_ANSWERED,
                REFUSED_ANSWERS), "ranges per store"));
  }

  @Override
  public List<VariantPlot> variantPlots() {
    return List.of(new VariantPlot(CPU, "ranges per store", "CPU per store, % of one core", "cpu", false),
        new VariantPlot(HB_P99, "ranges per store", "heartbeat p99, ms", "heartbeat-p99", true));
  }

  @Override
  public List<String> notes() {
    return List.of(
        "Ranges per store: every range has a replica on each of the 3 stores, so N ranges per store are N ranges, "
            + "3N replicas, and each store leads N/3 of them. Default transport settings.",
        "CPU per store: the process's CPU time (OperatingSystemMXBean) over phase (2)'s measured window, divided "
            + "by 3 stores and by the window: everything in the JVM, including GC and the load generator (the 3 "
            + "threads that send the heartbeats, whose own CPU (ThreadMXBean) is the load generator column, per store, "
            + "and includes the transport's work inside send).",
        "Heartbeat latency: from the leader's send call to the follower's handler (an InboundHandler call for "
            + "envelopes, the HeartbeatHandler for coalesced), one clock; at large N a sample of the ranges is timed "
            + "(every k-th range, about 800,000 heartbeats a run), every heartbeat is counted. Sent % of schedule: "
            + "a ticker more than one interval behind skips slots. Delivered %: of the heartbeats sent (refused "
            + "ones included) whose handler call came within 1 s of the window's end; answers: of those delivered.",
        "Heap per replica: used heap after System.gc() with the N ranges' handlers registered on every store, "
            + "and again after phase (2)'s warm-up (heartbeats flowing), minus the same before registration, over "
            + "3N replicas. The benchmark's own range ids and tables are allocated before the first reading.",
        "(b) Active ranges: every 100th range (1 %), its leader sending an APPEND of one 1 KiB entry to both "
            + "followers, 1,000 proposals/s over all of them in turn; each follower answers with a 64 B CONTROL "
            + "envelope. Append latency: from the send to the answer's handler call at the leader, per follower. "
            + "Alone: phase (1), the same stores and registrations with no heartbeats; among idle: phase (3), "
            + "with every range heartbeating; ratio: among idle / alone, within the run. Refused responses: "
            + "answers to appends refused by send or reported dropped after it accepted them, in both phases.");
  }

  @Override
  public Map<String, Double> run(String transport, String variant, Settings settings, Timeline timeline)
      throws Exception {
    boolean coalesced = switch (transport) {
      case ENVELOPES -> false;
      case COALESCED -> true;
      default -> throw new IllegalArgumentException("unknown S9 transport " + transport);
    };
    int ranges = Integer.parseInt(variant);
    try (Run run = new Run(ranges, coalesced, settings)) {
      return run.measure();
    }
  }

  /** One run: the stores, the load and what was counted. */
  private static final class Run implements AutoCloseable {
    private final int ranges;
    private final boolean coalesced;
    private final Settings settings;
    private final RangeId[] rangeIds;
    private final ReplicaAddress[] replicas = new ReplicaAddress[STORES];
    private final GrpcTransport[] stores = new GrpcTransport[STORES];
    /** slots[store][slot]: the ranges the store leads that tick in that slot. */
    private final int[][][] slots = new int[STORES][SLOTS][];
    private final int[] active;
    private final long[] activeIndex;
    private final int sampleEvery;
    private final Latencies beatLatencies = new Latencies();
    private final Latencies aloneLatencies = new Latencies();
    private final Latencies amongLatencies = new Latencies();

    // The heartbeat window (phase 2), set before it starts.
    private volatile long beatFrom = Long.MAX_VALUE;
    private volatile long beatTo = Long.MAX_VALUE;
    // The append window of the phase running (1 or 3), and where its latencies go.
    private volatile long appendFrom = Long.MAX_VALUE;
    private volatile long appendTo = Long.MAX_VALUE;
    private volatile Latencies appendLatencies = aloneLatencies;
    private volatile boolean stopTicking;

    private final LongAdder beatsDelivered = new LongAdder();
    private final LongAdder answersDelivered = new LongAdder();
    private final LongAdder beatSendsRefused = new LongAdder();
    private final LongAdder answerSends = new LongAdder();
    private final LongAdder probes = new LongAdder();
    private final LongAdder appendsAnswered = new LongAdder();
    private final LongAdder refusedAnswers = new LongAdder();
    // Written by the tickers, read after they were joined.
    private final long[] beatsSent = new long[STORES];
    private final long[] beatsScheduled = new long[STORES];
    private long appendsSent; // by the append thread, read after it was joined

    Run(int ranges, boolean coalesced, Settings settings) throws Exception {
      if (ranges < ACTIVE_EVERY) {
        throw new IllegalArgumentException("S9 needs at least " + ACTIVE_EVERY + " ranges, was " + ranges);
      }
      this.ranges = ranges;
      this.coalesced = coalesced;
      this.settings = settings;
      this.rangeIds = new RangeId[ranges + 2];
      for (int r = 1; r < rangeIds.length; r++) {
        rangeIds[r] = RangeId.of(r);
      }
      List<List<List<Integer>>> bySlot = new ArrayList<>();
      for (int s = 0; s < STORES; s++) {
        List<List<Integer>> lists = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
          lists.add(new ArrayList<>());
        }
        bySlot.add(lists);
      }
      for (int r = 1; r <= ranges; r++) {
        bySlot.get(leader(r)).get(((r - 1) / STORES) % SLOTS).add(r);
      }
      for (int s = 0; s < STORES; s++) {
        for (int slot = 0; slot < SLOTS; slot++) {
          slots[s][slot] = bySlot.get(s).get(slot).stream().mapToInt(Integer::intValue).toArray();
        }
      }
      this.active = new int[ranges / ACTIVE_EVERY];
      for (int i = 0; i < active.length; i++) {
        active[i] = 1 + i * ACTIVE_EVERY;
      }
      this.activeIndex = new long[active.length];
      long expected = 2L * ranges * (TimeUnit.SECONDS.toNanos(1) / TICK_NANOS) * settings.measureNanos
          / TimeUnit.SECONDS.toNanos(1);
      this.sampleEvery = (int) Math.max(1, (expected + LATENCY_SAMPLES - 1) / LATENCY_SAMPLES);
      Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
      for (int s = 0; s < STORES; s++) {
        StoreId id = StoreId.of(s + 1);
        replicas[s] = ReplicaAddress.of(id, s + 1);
        stores[s] = GrpcTransport.start(GrpcTransportConfig.builder(id, StoreResolver.of(addresses))
            .security(PeerSecurity.insecure()).build());
        addresses.put(id, stores[s].listenAddress());
      }
      for (int s = 0; s < STORES; s++) {
        GrpcTransport store = stores[s];
        store.addDropListener(this::dropped);
        if (coalesced) {
          Heartbeats heartbeats = store.heartbeats().orElseThrow();
          heartbeats.register(new BeatHandler(heartbeats));
        }
      }
    }

    private static int leader(int range) {
      return (range - 1) % STORES;
    }

    Map<String, Double> measure() throws Exception {
      probe();
      long heapBefore = usedHeapAfterGc();
      for (int s = 0; s < STORES; s++) {
        InboundHandler handler = new EnvelopeHandler(stores[s]);
        for (int r = 1; r <= ranges; r++) {
          stores[s].register(rangeIds[r], handler);
        }
      }
      long heapRegistered = usedHeapAfterGc();
      double replicaCount = (double) STORES * ranges;

      // (1) the active ranges alone
      long aloneWarmup = Math.max(TimeUnit.SECONDS.toNanos(1), settings.warmupNanos / 3);
      long now = System.nanoTime();
      appendPhase(now, now + aloneWarmup, now + aloneWarmup + settings.measureNanos / 2, aloneLatencies);
      LockSupport.parkNanos(GRACE_NANOS / 4); // the last answers
      double aloneAnswered = appendsAnswered.sumThenReset();
      long aloneSent = appendsSent;

      // (2) every range heartbeats
      long beatsStart = System.nanoTime();
      long mixedWarmup = aloneWarmup;
      long measureFrom = beatsStart + settings.warmupNanos;
      List<Thread> tickers = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      for (int s = 0; s < STORES; s++) {
        int store = s;
        Thread t = new Thread(() -> {
          try {
            tick(store, beatsStart);
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        }, "s9-ticker-" + (s + 1));
        t.setDaemon(true);
        tickers.add(t);
        t.start();
      }
      LockSupport.parkNanos(measureFrom - System.nanoTime());
      long heapInUse = usedHeapAfterGc();
      long windowFrom = System.nanoTime() + GRACE_NANOS; // the collection's pause is over
      long windowTo = windowFrom + settings.measureNanos;
      beatFrom = windowFrom;
      beatTo = windowTo;
      LockSupport.parkNanos(windowFrom - System.nanoTime());
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpuFrom = os.getProcessCpuTime();
      long tickersFrom = tickersCpu(threads, tickers);
      long wallFrom = System.nanoTime();
      LockSupport.parkNanos(windowTo - System.nanoTime());
      long cpu = os.getProcessCpuTime() - cpuFrom;
      long tickersCpu = tickersCpu(threads, tickers) - tickersFrom;
      double wall = System.nanoTime() - wallFrom;

      // (3) the active ranges among the heartbeating ones
      now = System.nanoTime();
      appendPhase(now, now + mixedWarmup, now + mixedWarmup + settings.measureNanos / 2, amongLatencies);
      stopTicking = true;
      for (Thread t : tickers) {
        t.join();
      }
      LockSupport.parkNanos(GRACE_NANOS); // stragglers
      if (failure.get() != null) {
        throw new IllegalStateException("an S9 ticker failed", failure.get());
      }
      double amongAnswered = appendsAnswered.sum();
      long amongSent = appendsSent;

      long sent = sum(beatsSent);
      long scheduled = sum(beatsScheduled);
      double delivered = beatsDelivered.sum();
      Map<String, Double> figures = new LinkedHashMap<>();
      figures.put(CPU, 100.0 * cpu / wall / STORES);
      figures.put(LOAD_CPU, 100.0 * tickersCpu / wall / STORES);
      figures.put(HB_P50, beatLatencies.millis(0.5));
      figures.put(HB_P99, beatLatencies.millis(0.99));
      figures.put(HB_SENT, scheduled == 0 ? Double.NaN : 100.0 * sent / scheduled);
      figures.put(HB_DELIVERED, sent == 0 ? Double.NaN : 100.0 * delivered / sent);
      figures.put(HB_ANSWERED, delivered == 0 ? 0 : 100.0 * answersDelivered.sum() / delivered);
      double sends = sent + answerSends.sum();
      figures.put(HB_REFUSED, sends == 0 ? Double.NaN : 100.0 * beatSendsRefused.sum() / sends);
      figures.put(HEAP_REGISTERED, (heapRegistered - heapBefore) / replicaCount);
      figures.put(HEAP_IN_USE, (heapInUse - heapBefore) / replicaCount);
      figures.put(ALONE_P50, aloneLatencies.millis(0.5));
      figures.put(ALONE_P99, aloneLatencies.millis(0.99));
      figures.put(AMONG_P50, amongLatencies.millis(0.5));
      figures.put(AMONG_P99, amongLatencies.millis(0.99));
      figures.put(RATIO_P50, figures.get(AMONG_P50) / figures.get(ALONE_P50));
      figures.put(RATIO_P99, figures.get(AMONG_P99) / figures.get(ALONE_P99));
      figures.put(APPENDS_ANSWERED, amongSent == 0 ? Double.NaN : 100.0 * amongAnswered / amongSent);
      figures.put(REFUSED_ANSWERS, (double) refusedAnswers.sum());
      if (aloneSent == 0 || aloneAnswered == 0) {
        throw new IllegalStateException("S9: no append was answered alone (" + aloneSent + " sent)");
      }
      return figures;
    }

    private static long sum(long[] values) {
      long sum = 0;
      for (long v : values) {
        sum += v;
      }
      return sum;
    }

    private static long tickersCpu(ThreadMXBean threads, List<Thread> tickers) {
      long sum = 0;
      for (Thread t : tickers) {
        sum += Math.max(0, threads.getThreadCpuTime(t.getId()));
      }
      return sum;
    }

    /** Used heap after a full collection: the least of three readings. */
    private static long usedHeapAfterGc() {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      long used = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        System.gc();
        used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
      }
      return used;
    }

    /** Every store talks to every other once, on a range of its own, so that every stream is up. */
    private void probe() {
      RangeId probe = rangeIds[ranges + 1];
      for (int s = 0; s < STORES; s++) {
        stores[s].register(probe, new EnvelopeHandler(stores[s]));
      }
      int expected = 0;
      for (int from = 0; from < STORES; from++) {
        for (int to = 0; to < STORES; to++) {
          if (from != to) {
            stores[from].send(envelope(probe, from, to, TrafficClass.CONTROL, payload(0, PROBE, HEARTBEAT_BYTES)));
            expected++;
            if (coalesced) {
              stores[from].heartbeats().orElseThrow().send(
                  Heartbeat.of(probe, replicas[from], replicas[to], payload(0, PROBE, HEARTBEAT_BYTES)));
              expected++;
            }
          }
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (probes.sum() < expected) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S9: the stores did not connect within 30 s");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }

    /** One store's leaders: heartbeat both followers of the ranges of each 1 ms slot, 100 slots a tick. */
    private void tick(int store, long startNanos) {
      long slotNanos = TICK_NANOS / SLOTS;
      GrpcTransport transport = stores[store];
      Optional<Heartbeats> heartbeats = coalesced ? transport.heartbeats() : Optional.empty();
      int f1 = (store + 1) % STORES;
      int f2 = (store + 2) % STORES;
      long sent = 0;
      long scheduled = 0;
      for (long k = 0; ; k++) {
        long due = startNanos + k * slotNanos;
        if (stopTicking) {
          break;
        }
        long now = System.nanoTime();
        if (due > now) {
          LockSupport.parkNanos(due - now);
        }
        int[] mine = slots[store][(int) (k % SLOTS)];
        boolean measured = due >= beatFrom && due < beatTo;
        if (measured) {
          scheduled += 2L * mine.length;
        }
        if (System.nanoTime() - due > TICK_NANOS) {
          continue; // a whole interval behind: skip, until the ticker catches up
        }
        for (int r : mine) {
          for (int follower = f1; ; follower = f2) {
            long stamp = System.nanoTime();
            byte[] payload = payload(stamp, BEAT, HEARTBEAT_BYTES);
            SendResult result = heartbeats.isPresent()
                ? heartbeats.get().send(Heartbeat.of(rangeIds[r], replicas[store], replicas[follower], payload))
                : transport.send(envelope(rangeIds[r], store, follower, TrafficClass.CONTROL, payload));
            if (stamp >= beatFrom && stamp < beatTo) {
              sent++;
              if (!result.isAccepted()) {
                beatSendsRefused.increment();
              }
            }
            if (follower == f2) {
              break;
            }
          }
        }
      }
      beatsSent[store] = sent;
      beatsScheduled[store] = scheduled;
    }

    /**
     * Proposals on the active ranges in turn at {@value #PROPOSALS_PER_SECOND}/s from {@code start}
     * to {@code end}, timed from {@code measureFrom}; waits for the end.
     */
    private void appendPhase(long start, long measureFrom, long end, Latencies into) {
      appendLatencies = into;
      appendFrom = measureFrom;
      appendTo = end;
      appendsSent = 0;
      long interval = TimeUnit.SECONDS.toNanos(1) / PROPOSALS_PER_SECOND;
      for (long k = 0; ; k++) {
        long due = start + k * interval;
        if (due >= end) {
          break;
        }
        long now = System.nanoTime();
        if (due > now) {
          LockSupport.parkNanos(due - now);
        }
        int a = (int) (k % active.length);
        int r = active[a];
        int leader = leader(r);
        long index = ++activeIndex[a];
        for (int follower = (leader + 1) % STORES; follower != leader; follower = (follower + 1) % STORES) {
          long stamp = System.nanoTime();
          RaftEnvelope append = RaftEnvelope.builder().range(rangeIds[r]).from(replicas[leader])
              .to(replicas[follower]).trafficClass(TrafficClass.APPEND).payload(payload(stamp, BEAT, 16))
              .entries(List.of(LogEntry.of(index, 1, new byte[ENTRY_BYTES]))).build();
          stores[leader].send(append); // a refused append goes unanswered: counted in appends answered %
          if (stamp >= measureFrom && stamp < end) {
            appendsSent++;
          }
        }
      }
      LockSupport.parkNanos(end - System.nanoTime());
    }

    private RaftEnvelope envelope(RangeId range, int from, int to, TrafficClass lane, byte[] payload) {
      return RaftEnvelope.builder().range(range).from(replicas[from]).to(replicas[to]).trafficClass(lane)
          .payload(payload).build();
    }

    private static byte[] payload(long stamp, byte kind, int bytes) {
      byte[] payload = new byte[bytes];
      ByteBuffer.wrap(payload).putLong(0, stamp).put(8, kind);
      return payload;
    }

    private static int storeIndex(ReplicaAddress replica) {
      return (int) replica.store().value() - 1;
    }

    private void beatArrived(RangeId range, long stamp, long now) {
      if (stamp >= beatFrom && stamp < beatTo && now < beatTo + GRACE_NANOS) {
        beatsDelivered.increment();
        if (range.value() % sampleEvery == 0) {
          beatLatencies.record(now - stamp);
        }
      }
    }

    private void answerArrived(long stamp) {
      if (stamp >= beatFrom && stamp < beatTo) {
        answersDelivered.increment();
      }
    }

    private void answerSent(long stamp, SendResult result) {
      if (stamp >= beatFrom && stamp < beatTo) {
        answerSends.increment();
        if (!result.isAccepted()) {
          beatSendsRefused.increment();
        }
      }
    }

    private void dropped(DroppedMessage dropped) {
      if (dropped.acceptedBySend() && dropped.trafficClass() == TrafficClass.CONTROL) {
        dropped.envelope().ifPresent(e -> {
          if (e.payloadSize() > 8 && e.payload().get(8) == APPEND_ANSWER) {
            refusedAnswers.increment();
          }
        });
      }
    }

    /** A store's handler of every range: answers heartbeats and appends, times what it is told to. */
    private final class EnvelopeHandler implements InboundHandler {
      private final GrpcTransport store;

      EnvelopeHandler(GrpcTransport store) {
        this.store = store;
      }

      @Override
      public void deliver(RangeId range, List<RaftEnvelope> batch) {
        for (RaftEnvelope e : batch) {
          ByteBuffer payload = e.payload();
          long stamp = payload.getLong(0);
          if (e.trafficClass() == TrafficClass.APPEND) {
            SendResult r = store.send(envelope(range, storeIndex(e.to()), storeIndex(e.from()), TrafficClass.CONTROL,
                payload(stamp, APPEND_ANSWER, HEARTBEAT_BYTES)));
            if (!r.isAccepted()) {
              refusedAnswers.increment();
            }
            continue;
          }
          switch (payload.get(8)) {
            case PROBE -> probes.increment();
            case BEAT -> {
              beatArrived(range, stamp, System.nanoTime());
              answerSent(stamp, store.send(envelope(range, storeIndex(e.to()), storeIndex(e.from()),
                  TrafficClass.CONTROL, payload(stamp, BEAT_ANSWER, HEARTBEAT_BYTES))));
            }
            case BEAT_ANSWER -> answerArrived(stamp);
            case APPEND_ANSWER -> {
              long now = System.nanoTime();
              if (stamp >= appendFrom && stamp < appendTo) {
                appendLatencies.record(now - stamp);
                appendsAnswered.increment();
              }
            }
            default -> throw new IllegalStateException("S9: unknown message kind " + payload.get(8));
          }
        }
      }
    }

    /** A store's coalesced heartbeat handler: answers heartbeats, times them. */
    private final class BeatHandler implements HeartbeatHandler {
      private final Heartbeats heartbeats;

      BeatHandler(Heartbeats heartbeats) {
        this.heartbeats = heartbeats;
      }

      @Override
      public void deliver(StoreId from, List<Heartbeat> beats) {
        long now = System.nanoTime();
        for (Heartbeat h : beats) {
          ByteBuffer payload = h.payload();
          long stamp = payload.getLong(0);
          switch (payload.get(8)) {
            case PROBE -> probes.increment();
            case BEAT -> {
              beatArrived(h.range(), stamp, now);
              answerSent(stamp, heartbeats.send(
                  Heartbeat.of(h.range(), h.to(), h.from(), payload(stamp, BEAT_ANSWER, HEARTBEAT_BYTES))));
            }
            case BEAT_ANSWER -> answerArrived(stamp);
            default -> throw new IllegalStateException("S9: unknown heartbeat kind " + payload.get(8));
          }
        }
      }

      @Override
      public void undelivered(StoreId to, List<Heartbeat> beats, DropReason reason) {
        // counted as not delivered at their destination
      }
    }

    @Override
    public void close() {
      for (GrpcTransport store : stores) {
        if (store != null) {
          store.close();
        }
      }
    }
  }
}
