package io.raftwire.grpc.internal.snapshot.transfer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.raftwire.snapshot.ReplicaState;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.snapshot.SnapshotView;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Generated snapshots, one per range, shared by the transfers that send them. A cached view is
 * reused while it is still useful: its index is at least the range's first log index minus one
 * (known from {@link #logTruncated} and from the source's {@link ReplicaState}); older ones are
 * dropped and a new one generated. Views are reference counted by the transfers reading them and
 * closed when neither the cache nor a transfer holds them. Bounded by the views' bytes; a view
 * nobody used for {@code idleNanos} is dropped by the next {@link #cleanUp()} (the transport's upkeep
 * runs it every second, on its timebase). Thread-safe.
 */
final class SnapshotCache {
  private final SnapshotSource source;
  private final Cache<RangeId, Entry> cache;
  private final Map<RangeId, Long> firstLogIndex = new ConcurrentHashMap<>();
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();
  private final AtomicLong stale = new AtomicLong();

  SnapshotCache(SnapshotSource source, long maxBytes, long idleNanos, LongSupplier nanoClock) {
    this.source = source;
    Ticker ticker = nanoClock::getAsLong;
    Caffeine<Object, Object> builder = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .expireAfterAccess(idleNanos, TimeUnit.NANOSECONDS)
        .ticker(ticker)
        .executor(Runnable::run);
    this.cache = builder
        .<RangeId, Entry>weigher((range, entry) -> (int) Math.min(Integer.MAX_VALUE, Math.max(1, entry.view.meta().sizeBytes())))
        .removalListener((RangeId range, Entry entry, RemovalCause cause) -> {
          if (entry != null) {
            entry.evicted();
          }
        })
        .build();
  }

  /** A transfer's hold on a view; closing it lets the view go. */
  static final class Lease implements AutoCloseable {
    private final Entry entry;
    private boolean closed;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    SnapshotView view() {
      return entry.view;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        entry.release();
      }
    }
  }

  /** The latest useful snapshot of {@code range}, generating one if none is cached. */
  Lease acquire(RangeId range) throws IOException {
    long useful = usefulFrom(range);
    while (true) {
      Entry cached = cache.getIfPresent(range);
      if (cached != null && cached.view.meta().index() >= useful) {
        if (cached.retain()) {
          hits.incrementAndGet();
          return new Lease(cached);
        }
        continue; // evicted meanwhile
      }
      if (cached != null) {
        stale.incrementAndGet();
        cache.asMap().remove(range, cached);
      }
      synchronized (this) { // one generation at a time per store: generating is the expensive part
        Entry again = cache.getIfPresent(range);
        if (again != null && again != cached) {
          continue;
        }
        misses.incrementAndGet();
        Entry fresh = new Entry(source.open(range));
        fresh.retain();
        cache.put(range, fresh);
        return new Lease(fresh);
      }
    }
  }

  private long usefulFrom(RangeId range) {
    long known = firstLogIndex.getOrDefault(range, 1L);
    Optional<ReplicaState> state = source.state(range);
    long first = Math.max(known, state.map(ReplicaState::firstLogIndex).orElse(1L));
    return first - 1;
  }

  /** The range's log now starts at {@code first}: drop a cached snapshot older than {@code first - 1}. */
  void logTruncated(RangeId range, long first) {
    firstLogIndex.merge(range, first, Math::max);
    Entry cached = cache.getIfPresent(range);
    if (cached != null && cached.view.meta().index() < first - 1) {
      stale.incrementAndGet();
      cache.asMap().remove(range, cached);
    }
  }

  /** Runs pending evictions and expiries now (for tests and close). */
  void cleanUp() {
    cache.cleanUp();
  }

  void invalidateAll() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  long hits() {
    return hits.get();
  }

  long misses() {
    return misses.get();
  }

  long staleDrops() {
    return stale.get();
  }

  long cachedBytes() {
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  private static final class Entry {
    final SnapshotView view;
    private int refs; // @GuardedBy("this")
    private boolean evicted; // @GuardedBy("this")
    private boolean closed; // @GuardedBy("this")

    Entry(SnapshotView view) {
      this.view = view;
    }

    synchronized boolean retain() {
      if (evicted) {
        return false;
      }
      refs++;
      return true;
    }

    void release() {
      boolean close;
      synchronized (this) {
        refs--;
        close = refs == 0 && evicted && !closed;
        closed |= close;
      }
      if (close) {
        view.close();
      }
    }

    void evicted() {
      boolean close;
      synchronized (this) {
        evicted = true;
        close = refs == 0 && !closed;
        closed |= close;
      }
      if (close) {
        view.close();
      }
    }
  }
}
