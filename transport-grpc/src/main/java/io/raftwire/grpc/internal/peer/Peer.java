package io.raftwire.grpc.internal.peer;

import com.codahale.metrics.Counter;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.raftwire.time.Timebase;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One peer store as every part of the transport sees it: its address and zone, its channels, and
 * its breaker.
 *
 * <p><b>Breaker.</b> {@code UNKNOWN} (never connected; traffic allowed) and {@code HEALTHY} (it
 * answered a hello) let traffic through. {@link #failed} turns it {@code DOWN}: the listeners hear
 * {@link Listener#down} and refuse traffic, and after a backoff (exponential with jitter, by
 * consecutive failures) the peer re-resolves its address, reconnects if it moved, turns {@code
 * PROBING} and asks the listeners to {@link Listener#probe} it; a {@link #connected} answer makes
 * it {@code HEALTHY} again. A verified hello from the peer on a stream of its own ({@link
 * #heardHello}) shows it is up: the backoff starts over and the probe runs now rather than when the
 * backoff ends, at most once per {@link Backoff#initialNanos()}.
 *
 * <p><b>Goodbye.</b> A peer that ended a stream itself ({@link #left}: its transport is closing,
 * a normal shutdown) opens the breaker just the same, but is logged at INFO, once, and the
 * attempts that cannot reach it while it is away at DEBUG: only a peer that disappears without a
 * goodbye, or answers with anything but {@code UNAVAILABLE}, is a WARN. Its next answer to a hello
 * ends the quiet: a later failure warns again.
 *
 * <p>Thread-safe. Listeners are called outside the peer's lock, so a listener may call back into
 * the peer and take its own locks.
 */
public final class Peer {
  /** Breaker states; {@link #code} is what the breaker gauge reports. */
  public enum State {
    UNKNOWN(0),
    HEALTHY(1),
    PROBING(2),
    DOWN(3);

    private final int code;

    State(int code) {
      this.code = code;
    }

    /** The number the breaker metric reports for this state. */
    public int code() {
      return code;
    }
  }

  /** Told about breaker transitions; called outside the peer's lock, must not block. */
  public interface Listener {
    /** The breaker opened: refuse traffic, report what is queued. */
    void down(Peer peer);

    /** The backoff is over: open a stream and say hello; its answer calls {@link #connected}. */
    void probe(Peer peer);
  }

  private static final Logger log = LoggerFactory.getLogger(Peer.class);

  private final StoreId local;
  private final StoreId store;
  private final @Nullable String zone;
  private final Peers peers;
  private final Backoff backoff;
  private final Timebase timebase;
  private final Counter reconnects;
  private final Counter redialsOnHello;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  @GuardedBy("this")
  private final Channels channels;
  private volatile State state = State.UNKNOWN; // written under this lock

  @GuardedBy("this")
  private int failures;

  @GuardedBy("this")
  private Timebase.@Nullable Cancellable probe;

  /** Whether a hello ever made this peer redial; {@link #lastRedialNanos} is meaningful only then. */
  @GuardedBy("this")
  private boolean redialedOnHello;

  /** When a hello last made this peer redial (timebase nanos). */
  @GuardedBy("this")
  private long lastRedialNanos;

  @GuardedBy("this")
  private boolean closed;

  /** The peer ended a stream itself ({@link #left}) and has not answered a hello since. */
  @GuardedBy("this")
  private boolean saidGoodbye;

  Peer(StoreId local, StoreId store, @Nullable String zone, InetSocketAddress address, Peers peers,
      ChannelSettings channelSettings, Backoff backoff, Timebase timebase, Counter reconnects,
      Counter redialsOnHello) {
    this.local = local;
    this.store = store;
    this.zone = zone;
    this.peers = peers;
    this.backoff = backoff;
    this.timebase = timebase;
    this.reconnects = reconnects;
    this.redialsOnHello = redialsOnHello;
    this.channels = new Channels(channelSettings, store);
    synchronized (this) {
      channels.connectTo(address);
    }
  }

  public StoreId store() {
    return store;
  }

  /** The peer's zone, or null if its locality names none. */
  public @Nullable String zone() {
    return zone;
  }

  /** Adds a listener of breaker transitions. */
  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  /** The channel of {@code kind}, opened on first use. */
  public synchronized ManagedChannel channel(ChannelKind kind) {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    return channels.get(kind);
  }

  /** True while the breaker lets traffic through. */
  public boolean allowsTraffic() {
    State s = state;
    return s == State.UNKNOWN || s == State.HEALTHY;
  }

  public State state() {
    return state;
  }

  /** The peer answered a hello: the breaker closes. */
  public void connected() {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (state != State.HEALTHY && (failures > 0 || saidGoodbye)) {
        log.info("{} -> {}: connected again after {} failed attempt(s){}", local, store, failures,
            saidGoodbye ? " since it shut down" : "");
      }
      state = State.HEALTHY;
      failures = 0;
      saidGoodbye = false;
    }
  }

  /**
   * A stream to the peer failed with {@code status}: the breaker opens (if it was not open), a
   * probe is scheduled after the backoff, and the listeners hear {@link Listener#down}. Logged at
   * WARN, or at DEBUG if the peer said goodbye ({@link #left}) and {@code status} is {@code
   * UNAVAILABLE} (it is still away). Nothing happens after close.
   */
  public void failed(String what, Status status) {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (state != State.DOWN) {
        Level level = saidGoodbye && status.getCode() == Status.Code.UNAVAILABLE ? Level.DEBUG : Level.WARN;
        long delay = open();
        log.atLevel(level).log("{} -> {}: {} failed ({}: {}); unreachable, next attempt in {} ms",
            local, store, what, status.getCode(), status.getDescription(), TimeUnit.NANOSECONDS.toMillis(delay));
      }
    }
    tellDown();
  }

  /**
   * The peer ended a stream itself, as only its closing transport does (it completes the streams
   * it receives on close): a goodbye. The breaker opens as for {@link #failed}, logged at INFO
   * once, and while the peer stays away the attempts that cannot reach it are logged at DEBUG.
   * Nothing happens after close.
   */
  public void left(String what) {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (!saidGoodbye) {
        saidGoodbye = true;
        log.info("{} -> {}: it shut down (it ended the {}); attempts that cannot reach it while it is away are "
            + "logged at DEBUG", local, store, what);
      }
      if (state != State.DOWN) {
        var unused = open();
      }
    }
    tellDown();
  }

  /** {@return whether the peer said goodbye ({@link #left}) and has not answered a hello since} */
  public synchronized boolean saidGoodbye() {
    return saidGoodbye;
  }

  /** Opens the breaker and schedules the probe; returns its delay. */
  @GuardedBy("this")
  private long open() {
    failures++;
    state = State.DOWN;
    reconnects.inc();
    long delay = backoff.delayNanos(failures);
    scheduleProbe(delay);
    return delay;
  }

  private void tellDown() {
    for (Listener listener : listeners) {
      listener.down(this);
    }
  }

  /**
   * The peer said hello on a stream it opened to this store, and the hello passed the receiver's
   * checks (its identity, the allow-list, this store as its destination): the peer is up. If the
   * breaker is open and waiting out its backoff, the backoff starts over and the probe is scheduled
   * on the timebase now instead of when the backoff ends. Nothing happens while the breaker lets
   * traffic through or a probe is under way, after close, or if a hello redialed less than {@link
   * Backoff#initialNanos()} ago: a peer that reconnects in a loop cannot make this store dial in a
   * loop. Any thread; never blocks, calls no listener and dials nothing itself.
   *
   * @return true if the hello brought the probe forward
   */
  public boolean heardHello() {
    synchronized (this) {
      if (closed || state != State.DOWN) {
        return false;
      }
      long now = timebase.nanoTime();
      if (redialedOnHello && now - lastRedialNanos < backoff.initialNanos()) {
        return false;
      }
      redialedOnHello = true;
      lastRedialNanos = now;
      failures = 0;
      if (probe != null) {
        probe.cancel();
      }
      scheduleProbe(0);
    }
    redialsOnHello.inc();
    log.info("{} -> {}: it said hello; probing now instead of waiting out the backoff", local, store);
    return true;
  }

  @GuardedBy("this")
  private void scheduleProbe(long delayNanos) {
    probe = timebase.schedule(this::probe, delayNanos);
  }

  private void probe() {
    synchronized (this) {
      if (closed || state != State.DOWN) {
        return;
      }
      Optional<InetSocketAddress> resolved = peers.resolve(store);
      if (resolved.isEmpty()) {
        failures++;
        scheduleProbe(backoff.delayNanos(failures));
        return;
      }
      if (!resolved.get().equals(channels.address())) {
        log.info("{} -> {}: address changed from {} to {}", local, store, channels.address(), resolved.get());
        channels.connectTo(resolved.get());
      } else {
        channels.resetConnectBackoff();
      }
      state = State.PROBING;
    }
    for (Listener listener : listeners) {
      listener.probe(this);
    }
  }

  /** Stops probing and shuts the channels down. */
  void close() {
    synchronized (this) {
      closed = true;
      if (probe != null) {
        probe.cancel();
      }
      channels.shutdown();
    }
  }

  @Override
  public String toString() {
    return local + "->" + store;
  }
}
