package io.raftwire.admission.credits;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.CreditWindows;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;

/**
 * Credits of one leader store towards all its destination streams, and the tracker that returns
 * them by log index. Thread-safe; futures are completed outside every lock, on the thread that
 * returned the credits.
 *
 * <p>Proposal admission waits on <em>every</em> follower stream, not a quorum: waiting on a quorum
 * would let a slow follower's stream fall into unbounded debt, so the leader's memory for it would
 * be unbounded again. A disconnected follower costs nothing here, because its stream's credits all
 * returned when it disconnected.
 *
 * <p>Deductions are indexed by destination store and by range, so a disconnect touches only that
 * store's tracks, a leadership loss or replica removal only that range's, and {@link
 * #hasOutstanding} is one lookup: none of them walks every range's tracks.
 */
public final class CreditController {
  private final LongSupplier nanoClock;
  private final ObjLongConsumer<Priority> waitObserver;
  private final ConcurrentHashMap<StoreId, FlowTokens> streams = new ConcurrentHashMap<>();
  /** Deductions not yet returned, by (range, stream, priority), in log order; never empty. */
  private final Map<TrackKey, Track> tracked = new HashMap<>(); // @GuardedBy("this")
  /** The same tracks by destination store; a store without tracks has no entry. */
  private final Map<StoreId, Set<Track>> byStore = new HashMap<>(); // @GuardedBy("this")
  /** The same tracks by range; a range without tracks has no entry. */
  private final Map<RangeId, List<Track>> byRange = new HashMap<>(); // @GuardedBy("this")
  private long trackedBytes; // @GuardedBy("this")
  private long deductedBytes; // @GuardedBy("this")
  private long returnedBytes; // @GuardedBy("this")
  private volatile boolean closed;
  /** The windows new streams start with, and every stream gets from {@link #updateWindows}. */
  private volatile CreditWindows windows;

  /**
   * Creates a controller whose streams all start with full credits.
   *
   * @param config the credits per destination stream; not null
   * @param nanoClock the time source for proposal wait times, in nanoseconds (for example {@code
   *     timebase::nanoTime}); not null
   * @param waitObserver told how long each admitted proposal waited, in nanoseconds, by priority;
   *     called on the thread that admits the proposal, so it must not block; not null
   * @throws NullPointerException if any argument is null
   */
  public CreditController(AdmissionConfig config, LongSupplier nanoClock, ObjLongConsumer<Priority> waitObserver) {
    Objects.requireNonNull(config, "config");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.waitObserver = Objects.requireNonNull(waitObserver, "waitObserver");
    this.windows = config.creditWindows();
  }

  private FlowTokens stream(StoreId store) {
    FlowTokens tokens = streams.get(store);
    if (tokens != null) {
      return tokens;
    }
    return streams.computeIfAbsent(store, s -> {
      CreditWindows w = windows;
      return new FlowTokens(s, w.regularBytes(), w.elasticBytes());
    });
  }

  /** {@return the windows every stream gets from {@link #updateWindows}; at first the configured ones} */
  public CreditWindows windows() {
    return windows;
  }

  /**
   * Gives every stream, and every stream used later, the windows {@code windows}. Applied at once:
   * credits in use stay in use, so a smaller window may leave a stream in debt, and proposals then
   * wait until enough credits return; nothing sent is dropped or returned early. A larger window
   * lets waiting proposals proceed (on this thread). With {@link CreditWindowTuner} the tuner
   * scales streams from these windows at its next interval.
   *
   * @param windows the new windows; not null
   */
  public void updateWindows(CreditWindows windows) {
    this.windows = Objects.requireNonNull(windows, "windows");
    for (FlowTokens tokens : streams.values()) {
      resize(tokens.store, windows);
    }
  }

  /**
   * Resizes one stream's windows; see {@link #updateWindows} for what happens to credits in use.
   *
   * @param store the destination store whose stream to resize
   * @param windows its new windows
   */
  void resize(StoreId store, CreditWindows windows) {
    FlowTokens tokens = stream(store);
    List<FlowTokens.Waiter> wake;
    synchronized (this) { // the unaccounted-bytes check reads limits and tracked bytes together
      wake = tokens.resize(windows.regularBytes(), windows.elasticBytes());
    }
    wakeAll(wake);
  }

  /**
   * Completes when every stream to {@code followers} has credits for {@code priority}; see {@code
   * FlowControl#admitProposal}. Cancelling the future withdraws it. Never blocks.
   *
   * @param range the range the proposal is for; not null
   * @param followers the stores whose streams must all have credits; copied, not null and without
   *     null elements; empty admits at once
   * @param priority the credits the proposal needs: regular work waits for regular credits, elastic
   *     work for elastic credits; not null
   * @param bytes the proposal's size in bytes, at least 0; it is not deducted here but when the
   *     transport accepts its APPEND ({@link #onAppendAccepted})
   * @return a future that completes normally once admitted, or exceptionally with {@link
   *     IllegalStateException} if the controller is or becomes closed first
   * @throws NullPointerException if {@code range}, {@code priority} or {@code followers} is null
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public CompletableFuture<Void> admitProposal(
      RangeId range, Collection<StoreId> followers, Priority priority, long bytes) {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(priority, "priority");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
    Proposal proposal = new Proposal(priority, List.copyOf(followers));
    if (closed) {
      proposal.future.completeExceptionally(closedError());
    } else {
      proposal.attempt();
    }
    return proposal.future;
  }

  /**
   * The transport accepted an APPEND of {@code range} for {@code store} whose entries end at {@code
   * lastIndex}: deduct its bytes now, so the next proposal already sees them. The stream may go
   * into debt. Ignored after {@link #close()}.
   *
   * @param range the range whose entries the APPEND carries
   * @param store the destination store whose stream pays for them
   * @param priority the priority whose credits pay for them
   * @param lastIndex the log index of the APPEND's last entry; its credits return once {@code store}
   *     admits up to this index
   * @param bytes the bytes to deduct; 0 or less deducts nothing
   */
  public void onAppendAccepted(RangeId range, StoreId store, Priority priority, long lastIndex, long bytes) {
    if (bytes <= 0 || closed) {
      return;
    }
    FlowTokens tokens = stream(store);
    synchronized (this) {
      tokens.deduct(priority, bytes);
      TrackKey key = new TrackKey(range, store, priority);
      Track track = tracked.get(key);
      if (track == null) {
        track = new Track(key);
        tracked.put(key, track);
        byStore.computeIfAbsent(store, s -> new HashSet<>()).add(track);
        byRange.computeIfAbsent(range, r -> new ArrayList<>(4)).add(track);
      }
      track.add(lastIndex, bytes);
      trackedBytes += bytes;
      deductedBytes += bytes;
    }
  }

  /**
   * {@code store} admitted the entries of {@code range} up to {@code index}: return their credits.
   * A late notice, whose credits were returned already (disconnect, leadership change), is ignored.
   * Waiting proposals that can now proceed are completed on this thread.
   *
   * @param range the range the notice is for
   * @param store the follower store that sent the notice
   * @param priority the priority of the admitted entries
   * @param index the log index up to which, inclusive, the entries were admitted
   * @throws IllegalStateException if the return would lift the stream above its limit: credits
   *     returned twice
   */
  public void onAdmitted(RangeId range, StoreId store, Priority priority, long index) {
    List<FlowTokens.Waiter> wake;
    synchronized (this) {
      Track track = tracked.get(new TrackKey(range, store, priority));
      if (track == null) {
        return; // already returned (disconnect, leadership change): a late notice
      }
      long bytes = track.takeThrough(index);
      if (track.isEmpty()) {
        untrack(track);
      }
      wake = giveBack(store, priority, bytes);
    }
    wakeAll(wake);
  }

  /**
   * An APPEND whose entries end at {@code lastIndex} was deducted but will not be delivered: return
   * exactly that deduction (a retransmission of the same entries keeps its own). Nothing happens if
   * it was returned already. Waiting proposals that can now proceed are completed on this thread.
   *
   * @param range the range of the dropped APPEND
   * @param store the destination store of the dropped APPEND
   * @param priority the priority it was deducted at
   * @param lastIndex the log index of its last entry, as given to {@link #onAppendAccepted}
   * @param bytes its bytes, as given to {@link #onAppendAccepted}; together with {@code lastIndex}
   *     this picks the deduction to return
   * @throws IllegalStateException if the return would lift the stream above its limit: credits
   *     returned twice
   */
  public void onDropped(RangeId range, StoreId store, Priority priority, long lastIndex, long bytes) {
    List<FlowTokens.Waiter> wake;
    synchronized (this) {
      Track track = tracked.get(new TrackKey(range, store, priority));
      if (track == null) {
        return;
      }
      if (!track.remove(lastIndex, bytes)) {
        return;
      }
      if (track.isEmpty()) {
        untrack(track);
      }
      wake = giveBack(store, priority, bytes);
    }
    wakeAll(wake);
  }

  /**
   * The stream to {@code store} broke: every credit tracked for it returns, over all ranges. Touches
   * only that store's tracks.
   *
   * @param store the destination store whose stream broke
   * @throws IllegalStateException if a return would lift the stream above its limit: credits
   *     returned twice
   */
  public void onDisconnect(StoreId store) {
    List<FlowTokens.Waiter> wake;
    synchronized (this) {
      Set<Track> tracks = byStore.get(store);
      if (tracks == null) {
        return;
      }
      wake = release(List.copyOf(tracks));
    }
    wakeAll(wake);
  }

  /**
   * This store stopped leading {@code range}: every credit tracked for the range returns, on every
   * stream. Later admission notices for it find nothing to return and are ignored. Touches only
   * that range's tracks.
   *
   * @param range the range this store no longer leads
   * @throws IllegalStateException if a return would lift a stream above its limit: credits
   *     returned twice
   */
  public void onLeadershipLost(RangeId range) {
    List<FlowTokens.Waiter> wake;
    synchronized (this) {
      List<Track> tracks = byRange.get(range);
      if (tracks == null) {
        return;
      }
      wake = release(List.copyOf(tracks));
    }
    wakeAll(wake);
  }

  /**
   * {@code store} no longer holds a replica of {@code range}: the credits tracked for that pair
   * return. Touches only that range's tracks.
   *
   * @param range the range the replica was removed from
   * @param store the store that held the removed replica
   * @throws IllegalStateException if the return would lift the stream above its limit: credits
   *     returned twice
   */
  public void onReplicaRemoved(RangeId range, StoreId store) {
    List<FlowTokens.Waiter> wake;
    synchronized (this) {
      List<Track> tracks = byRange.get(range);
      if (tracks == null) {
        return;
      }
      List<Track> pair = new ArrayList<>(2);
      for (Track track : tracks) {
        if (track.key.store.equals(store)) {
          pair.add(track);
        }
      }
      wake = release(pair);
    }
    wakeAll(wake);
  }

  /**
   * {@return true while credits deducted for {@code store} wait for its admission notices}
   *
   * @param store the destination store to look at
   */
  public synchronized boolean hasOutstanding(StoreId store) {
    return byStore.containsKey(store);
  }

  /**
   * Untracks {@code tracks} and returns their bytes, summed per stream and priority (one return
   * each).
   *
   * @return the waiters to wake, outside the lock
   */
  // @GuardedBy("this")
  private List<FlowTokens.Waiter> release(Collection<Track> tracks) {
    Map<StoreId, EnumMap<Priority, long[]>> sums = new HashMap<>();
    for (Track track : tracks) {
      untrack(track);
      long bytes = track.totalBytes();
      sums.computeIfAbsent(track.key.store, s -> new EnumMap<>(Priority.class))
          .computeIfAbsent(track.key.priority, p -> new long[1])[0] += bytes;
    }
    List<FlowTokens.Waiter> wake = new ArrayList<>();
    for (Map.Entry<StoreId, EnumMap<Priority, long[]>> stream : sums.entrySet()) {
      for (Map.Entry<Priority, long[]> sum : stream.getValue().entrySet()) {
        wake.addAll(giveBack(stream.getKey(), sum.getKey(), sum.getValue()[0]));
      }
    }
    return wake;
  }

  /** Removes {@code track} from the tracker and both indexes. */
  // @GuardedBy("this")
  private void untrack(Track track) {
    TrackKey key = track.key;
    tracked.remove(key);
    Set<Track> ofStore = byStore.get(key.store);
    if (ofStore != null && ofStore.remove(track) && ofStore.isEmpty()) {
      byStore.remove(key.store);
    }
    List<Track> ofRange = byRange.get(key.range);
    if (ofRange != null && ofRange.remove(track) && ofRange.isEmpty()) {
      byRange.remove(key.range);
    }
  }

  /**
   * Checks that the store and range indexes hold exactly the tracked deductions, each once (for
   * tests).
   *
   * @return a description of the first inconsistency, or the empty string
   */
  synchronized String indexProblems() {
    int inStores = 0;
    for (Map.Entry<StoreId, Set<Track>> e : byStore.entrySet()) {
      if (e.getValue().isEmpty()) {
        return "empty store entry " + e.getKey();
      }
      for (Track t : e.getValue()) {
        inStores++;
        if (!t.key.store.equals(e.getKey()) || tracked.get(t.key) != t) {
          return "store index holds a stray track " + t.key;
        }
      }
    }
    int inRanges = 0;
    for (Map.Entry<RangeId, List<Track>> e : byRange.entrySet()) {
      if (e.getValue().isEmpty()) {
        return "empty range entry " + e.getKey();
      }
      for (Track t : e.getValue()) {
        inRanges++;
        if (!t.key.range.equals(e.getKey()) || tracked.get(t.key) != t) {
          return "range index holds a stray track " + t.key;
        }
      }
    }
    for (Track t : tracked.values()) {
      if (t.isEmpty()) {
        return "an empty track " + t.key;
      }
    }
    if (inStores != tracked.size() || inRanges != tracked.size()) {
      return "indexes hold " + inStores + " and " + inRanges + " tracks of " + tracked.size();
    }
    return "";
  }

  // @GuardedBy("this")
  private List<FlowTokens.Waiter> giveBack(StoreId store, Priority priority, long bytes) {
    if (bytes == 0) {
      return List.of();
    }
    trackedBytes -= bytes;
    returnedBytes += bytes;
    return stream(store).giveBack(priority, bytes);
  }

  private static void wakeAll(List<FlowTokens.Waiter> waiters) {
    for (FlowTokens.Waiter waiter : waiters) {
      waiter.wake();
    }
  }

  /**
   * Returns every credit and fails every waiting proposal with {@link IllegalStateException}.
   * Proposals admitted later fail at once; deductions are ignored. Idempotent.
   */
  public void close() {
    closed = true;
    List<FlowTokens.Waiter> wake;
    synchronized (this) {
      wake = release(List.copyOf(tracked.values()));
    }
    wakeAll(wake);
    for (FlowTokens tokens : streams.values()) {
      for (FlowTokens.Waiter waiter : tokens.drainWaiters()) {
        ((Proposal.StreamWaiter) waiter).proposal().future.completeExceptionally(closedError());
      }
    }
  }

  private static IllegalStateException closedError() {
    return new IllegalStateException("flow control is closed");
  }

  /**
   * Credits missing from the streams that no tracked deduction explains: a leak. Must be zero.
   * Measured independently of the bookkeeping it checks: what every stream's elastic bucket (which
   * every deduction takes from) lacks against its limit, minus the bytes tracked for return.
   *
   * @return the leaked bytes; 0 unless the bookkeeping is broken
   */
  public synchronized long unaccountedBytes() {
    return unaccounted(stats(), trackedBytes);
  }

  /** What {@code streams} lack against their elastic limits, minus {@code trackedBytes}. */
  static long unaccounted(Collection<CreditStats> streams, long trackedBytes) {
    long missing = 0;
    for (CreditStats stream : streams) {
      missing += stream.elasticLimit() - stream.elasticAvailable();
    }
    return missing - trackedBytes;
  }

  /** {@return the bytes deducted since this controller was created, over all streams} */
  public synchronized long deductedBytes() {
    return deductedBytes;
  }

  /** {@return the bytes returned since this controller was created, over all streams} */
  public synchronized long returnedBytes() {
    return returnedBytes;
  }

  /** {@return the bytes deducted and still waiting for admission notices, over all streams} */
  public synchronized long trackedBytes() {
    return trackedBytes;
  }

  /**
   * {@return a snapshot of every stream's credits, one element per destination store used so far,
   * in no particular order} Each element is consistent in itself, not with the others.
   */
  public List<CreditStats> stats() {
    List<CreditStats> all = new ArrayList<>();
    for (FlowTokens tokens : streams.values()) {
      all.add(tokens.stats());
    }
    return all;
  }

  /**
   * {@return a snapshot of {@code store}'s stream; full credits if it was never used}
   *
   * @param store the destination store to look at
   */
  public CreditStats stats(StoreId store) {
    return stream(store).stats();
  }

  /** One waiting proposal: proceeds when all its streams have credits at the same time. */
  private final class Proposal {
    final CompletableFuture<Void> future = new CompletableFuture<>();
    final Priority priority;
    final List<StoreId> followers;
    final long startNanos = nanoClock.getAsLong();
    private StreamWaiter pending; // @GuardedBy("this")

    Proposal(Priority priority, List<StoreId> followers) {
      this.priority = priority;
      this.followers = followers;
      var unused = future.whenComplete(
          (ok, error) -> {
            if (future.isCancelled()) {
              withdraw();
            }
          });
    }

    /** Checks every stream; waits on the first without credits, or completes. */
    void attempt() {
      while (!future.isDone()) {
        if (closed) {
          future.completeExceptionally(closedError());
          return;
        }
        StreamWaiter waiter = null;
        for (StoreId store : followers) {
          StreamWaiter candidate = new StreamWaiter(this, stream(store));
          if (!candidate.tokens.awaitOrQueue(candidate)) {
            waiter = candidate;
            break;
          }
        }
        if (waiter == null) {
          waitObserver.accept(priority, nanoClock.getAsLong() - startNanos);
          future.complete(null);
          return;
        }
        synchronized (this) {
          pending = waiter;
        }
        if (!waiter.claimed()) {
          return; // queued; its wake() calls attempt() again
        }
        // woken before we recorded it: check again
      }
    }

    private void withdraw() {
      StreamWaiter waiter;
      synchronized (this) {
        waiter = pending;
      }
      if (waiter != null) {
        waiter.tokens.remove(waiter);
      }
    }

    /** Waits on one stream for this proposal. */
    final class StreamWaiter extends FlowTokens.Waiter {
      final FlowTokens tokens;
      private boolean woken; // @GuardedBy("this")
      private boolean observed; // @GuardedBy("this")

      StreamWaiter(Proposal proposal, FlowTokens tokens) {
        super(proposal.priority);
        this.tokens = tokens;
      }

      Proposal proposal() {
        return Proposal.this;
      }

      /** True if woken already (the caller continues itself); otherwise the wake continues. */
      synchronized boolean claimed() {
        observed = true;
        return woken;
      }

      @Override
      void wake() {
        boolean continueHere;
        synchronized (this) {
          woken = true;
          continueHere = observed;
        }
        if (continueHere) {
          attempt();
        }
      }
    }
  }

  /**
   * The deductions of one (range, stream, priority), in log order; equal only to itself. A ring of
   * (last index, bytes) pairs in two primitive arrays: a deduction costs no object of its own.
   */
  private static final class Track {
    final TrackKey key;
    private long[] indexes = new long[4];
    private long[] sizes = new long[4];
    private int head;
    private int count;

    Track(TrackKey key) {
      this.key = key;
    }

    boolean isEmpty() {
      return count == 0;
    }

    void add(long lastIndex, long bytes) {
      if (count == indexes.length) {
        long[] i = new long[count * 2];
        long[] b = new long[count * 2];
        for (int k = 0; k < count; k++) {
          i[k] = indexes[(head + k) % count];
          b[k] = sizes[(head + k) % count];
        }
        indexes = i;
        sizes = b;
        head = 0;
      }
      int tail = (head + count) % indexes.length;
      indexes[tail] = lastIndex;
      sizes[tail] = bytes;
      count++;
    }

    /** Removes the deductions up to {@code index}, inclusive, from the front; their bytes. */
    long takeThrough(long index) {
      long bytes = 0;
      while (count > 0 && indexes[head] <= index) {
        bytes += sizes[head];
        head = (head + 1) % indexes.length;
        count--;
      }
      return bytes;
    }

    /** Removes the first deduction of exactly ({@code lastIndex}, {@code bytes}); false if none. */
    boolean remove(long lastIndex, long bytes) {
      int n = indexes.length;
      for (int k = 0; k < count; k++) {
        int at = (head + k) % n;
        if (indexes[at] == lastIndex && sizes[at] == bytes) {
          for (int j = k; j < count - 1; j++) {
            indexes[(head + j) % n] = indexes[(head + j + 1) % n];
            sizes[(head + j) % n] = sizes[(head + j + 1) % n];
          }
          count--;
          return true;
        }
      }
      return false;
    }

    long totalBytes() {
      long bytes = 0;
      for (int k = 0; k < count; k++) {
        bytes += sizes[(head + k) % indexes.length];
      }
      return bytes;
    }
  }

  /** (range, stream, priority): value equality, hash computed once. */
  private static final class TrackKey {
    final RangeId range;
    final StoreId store;
    final Priority priority;
    private final int hash;

    TrackKey(RangeId range, StoreId store, Priority priority) {
      this.range = range;
      this.store = store;
      this.priority = priority;
      this.hash = (range.hashCode() * 31 + store.hashCode()) * 31 + priority.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof TrackKey)) {
        return false;
      }
      TrackKey k = (TrackKey) o;
      return hash == k.hash && range.equals(k.range) && store.equals(k.store) && priority == k.priority;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return "(" + range + ", " + store + ", " + priority + ")";
    }
  }
}
