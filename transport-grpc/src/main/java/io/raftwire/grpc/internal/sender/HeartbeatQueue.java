package io.raftwire.grpc.internal.sender;

import com.codahale.metrics.Counter;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.grpc.internal.budget.ByteBudget;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.Priority;
import io.raftwire.message.TrafficClass;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One destination's coalesced heartbeats: the records queued since the last flush, at most one per
 * (range, sender replica, receiver replica) — a newer one replaces the queued one in its place —
 * under a byte budget of the destination's own, so heartbeats never take lane room from votes,
 * responses or appends. The CONTROL writer takes them all as one {@link Outbound} per flush,
 * ahead of the CONTROL lane; that flush stays charged until the destination acknowledges it and
 * is reported once as a whole if it is lost or refused. A flush with no records is the store's
 * liveness beacon: the writer sends one when {@link #beaconDue} asks. A heartbeat queued soon after a
 * flush wakes the writer only when a short linger since that flush has passed, so that the
 * heartbeats of many ranges travel together even when the writer keeps up with every one.
 *
 * <p>Thread-safe: queue state under this object's lock, held briefly; nothing is reported under it.
 */
final class HeartbeatQueue {
  /** The range an {@link Outbound} of a flush names: a flush spans ranges, so none of them. */
  private static final RangeId NO_RANGE = RangeId.of(Long.MAX_VALUE);

  /**
   * What makes two heartbeats the same heartbeat at two times. Hand-written rather than a record:
   * it is built and hashed once per offer, and a record's generated {@code hashCode} showed in
   * profiles at 100k ranges per store.
   */
  private static final class Key {
    private final long range;
    private final long fromReplica;
    private final long toReplica;
    private final int hash;

    private Key(long range, long fromReplica, long toReplica) {
      this.range = range;
      this.fromReplica = fromReplica;
      this.toReplica = toReplica;
      long h = range * 0x9E3779B97F4A7C15L + fromReplica * 0xC2B2AE3D27D4EB4FL + toReplica;
      this.hash = (int) (h ^ (h >>> 32));
    }

    static Key of(Heartbeat h) {
      return new Key(h.range().value(), h.from().replicaId(), h.to().replicaId());
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key)) {
        return false;
      }
      Key k = (Key) o;
      return range == k.range && fromReplica == k.fromReplica && toReplica == k.toReplica;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** What the queue counts. */
  record Metrics(Counter accepted, Counter coalesced, Counter refused, Counter flushes) {}

  private final StoreId destination;
  private final ByteBudget budget;
  private final HeartbeatReports reports;
  private final Metrics metrics;
  private final Runnable saturated;
  private final Timebase timebase;
  private final long lingerNanos;
  private volatile Runnable wake = () -> {};

  /** A wake-up of the writer is scheduled for the end of the linger. */
  @GuardedBy("this")
  private boolean wakeScheduled;

  @GuardedBy("this")
  private final LinkedHashMap<Key, Heartbeat> queued = new LinkedHashMap<>();

  @GuardedBy("this")
  private long queuedBytes;

  @GuardedBy("this")
  private boolean beaconDue;

  /** When the last flush was taken, on the writer's clock. */
  @GuardedBy("this")
  private long lastFlushNanos;

  /** Flushes taken and not yet released, oldest first. */
  @GuardedBy("this")
  private final ArrayDeque<Flush> unacknowledged = new ArrayDeque<>();

  /**
   * @param budget this destination's heartbeat bytes: queued or unacknowledged
   * @param saturated told (outside the lock) each time the budget refuses a heartbeat
   * @param lingerNanos how long after a flush the writer is woken for the next one at the earliest,
   *     so that heartbeats queued meanwhile travel together; 0 wakes it at once
   */
  HeartbeatQueue(StoreId destination, ByteBudget budget, HeartbeatReports reports, Metrics metrics,
      Runnable saturated, Timebase timebase, long lingerNanos) {
    this.destination = destination;
    this.budget = budget;
    this.reports = reports;
    this.metrics = metrics;
    this.saturated = saturated;
    this.timebase = timebase;
    this.lingerNanos = lingerNanos;
    this.lastFlushNanos = timebase.nanoTime();
  }

  /** Sets what wakes the destination's CONTROL writer; called once, before the first offer. */
  void wakeWith(Runnable writerWake) {
    this.wake = writerWake;
  }

  /**
   * Queues {@code heartbeat}, replacing a queued one with the same key.
   *
   * @return {@code LANE_BUDGET} if the budget has no room, or null if queued
   */
  @Nullable DropReason offer(Heartbeat heartbeat) {
    boolean refused;
    boolean replaced = false;
    long wakeIn = -1; // < 0: no wake-up; 0: now; > 0: after that many nanos
    synchronized (this) {
      boolean wasEmpty = queued.isEmpty();
      Key key = Key.of(heartbeat);
      Heartbeat previous = queued.get(key);
      long delta = (long) heartbeat.sizeBytes() - (previous == null ? 0 : previous.sizeBytes());
      refused = delta > 0 && budget.tryAcquire(delta) != null;
      if (!refused) {
        if (delta < 0) {
          budget.release(-delta);
        }
        queued.put(key, heartbeat);
        queuedBytes += delta;
        replaced = previous != null;
        if (wasEmpty && !wakeScheduled) {
          wakeIn = Math.max(0, lastFlushNanos + lingerNanos - timebase.nanoTime());
          wakeScheduled = wakeIn > 0;
        }
      }
    }
    if (wakeIn == 0) {
      wake.run();
    } else if (wakeIn > 0) {
      timebase.schedule(this::lingerEnded, wakeIn);
    }
    if (refused) {
      metrics.refused().inc();
      saturated.run();
      return DropReason.LANE_BUDGET;
    }
    metrics.accepted().inc();
    if (replaced) {
      metrics.coalesced().inc();
    }
    return null;
  }

  private void lingerEnded() {
    synchronized (this) {
      wakeScheduled = false;
    }
    wake.run();
  }

  /** True if a flush is waiting to be taken: records, or a beacon. */
  synchronized boolean hasPending() {
    return !queued.isEmpty() || beaconDue;
  }

  /** Bytes of heartbeats queued, not yet taken by the writer. */
  synchronized long queuedBytes() {
    return queuedBytes;
  }

  /** {@return the destination's heartbeat budget, in bytes} */
  long limitBytes() {
    return budget.limitBytes();
  }

  /**
   * Asks for a beacon if nothing was flushed for {@code intervalNanos}.
   *
   * @return true if the writer must be woken for it
   */
  synchronized boolean beaconDue(long nowNanos, long intervalNanos) {
    if (beaconDue || !queued.isEmpty() || nowNanos - lastFlushNanos < intervalNanos) {
      return false;
    }
    beaconDue = true;
    return true;
  }

  /**
   * True if the oldest unacknowledged flush was taken more than {@code timeoutNanos} ago: the
   * destination reads nothing, or its answers do not come back.
   */
  synchronized boolean stalled(long nowNanos, long timeoutNanos) {
    Flush oldest = unacknowledged.peekFirst();
    return oldest != null && nowNanos - oldest.takenNanos > timeoutNanos;
  }

  /**
   * Takes the queued heartbeats, oldest first, up to about {@code maxBytes} (at least one), as one
   * flush; or a beacon; or null if nothing is due.
   */
  synchronized @Nullable Outbound take(long maxBytes, long nowNanos) {
    if (queued.isEmpty() && !beaconDue) {
      return null;
    }
    List<Heartbeat> records;
    long bytes = 0;
    if (queuedBytes <= maxBytes) {
      records = new ArrayList<>(queued.values());
      bytes = queuedBytes;
      queued.clear(); // keeps its table: the next flush's records need as much room
    } else {
      records = new ArrayList<>();
      Iterator<Heartbeat> it = queued.values().iterator();
      while (it.hasNext() && (records.isEmpty() || bytes < maxBytes)) {
        Heartbeat h = it.next();
        it.remove();
        records.add(h);
        bytes += h.sizeBytes();
      }
    }
    queuedBytes -= bytes;
    beaconDue = false;
    lastFlushNanos = nowNanos;
    Flush flush = new Flush(records, bytes, nowNanos);
    unacknowledged.addLast(flush);
    metrics.flushes().inc();
    return flush;
  }

  /** Removes every queued heartbeat (the destination went down or closed) and reports it. */
  void failQueued(DropReason reason) {
    List<Heartbeat> records;
    long bytes;
    synchronized (this) {
      if (queued.isEmpty()) {
        return;
      }
      records = new ArrayList<>(queued.values());
      bytes = queuedBytes;
      queued.clear();
      queuedBytes = 0;
    }
    budget.release(bytes);
    reports.undelivered(destination, records, reason);
  }

  /** One flush on its way: released when acknowledged, refused or lost; reported if not delivered. */
  private final class Flush extends Outbound {
    private final List<Heartbeat> records;
    private final long takenNanos;

    Flush(List<Heartbeat> records, long bytes, long takenNanos) {
      super(TrafficClass.CONTROL, Priority.REGULAR, NO_RANGE, bytes, takenNanos);
      this.records = records;
      this.takenNanos = takenNanos;
    }

    @Override
    public void addTo(io.raftwire.grpc.internal.wire.OutboundFrame.Builder frame, long seq, StoreId to) {
      frame.heartbeats(seq, records);
    }

    @Override
    public void release() {
      synchronized (HeartbeatQueue.this) {
        unacknowledged.remove(this);
      }
      budget.release(sizeBytes());
    }

    @Override
    public void dropped(DropReason reason) {
      if (!records.isEmpty()) {
        reports.undelivered(destination, records, reason);
      }
    }
  }
}
