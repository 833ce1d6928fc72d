package io.raftwire.grpc.sender;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that leads to one destination store: its lanes, its CONTROL and DATA connections, the
 * channels under them, and its breaker.
 *
 * <p>Breaker: {@code UNKNOWN} (never connected; traffic allowed) and {@code HEALTHY} (the
 * destination answered a hello) accept sends. A failed stream turns it {@code DOWN}: queued
 * messages are reported unreachable, sends are refused fast, and after a backoff a {@code PROBING}
 * hello is sent on the CONTROL connection; its answer makes the breaker {@code HEALTHY} again.
 *
 * <p>Lock order: this destination, then its queue; never the reverse.
 */
final class Destination {
  enum State {
    UNKNOWN,
    HEALTHY,
    PROBING,
    DOWN
  }

  private static final Logger log = LoggerFactory.getLogger(Destination.class);

  /** Responses may echo a refused message of up to the receiver's size limit. */
  private static final int MAX_RESPONSE_FRAME_BYTES = 64 * 1024 * 1024;

  final StoreId store;
  final OutboundQueue queue;
  final Connection control;
  final Connection data;
  private final Sender sender;
  private final Counter reconnects;
  /** Bytes written towards this destination (serialized frames), per (local zone, its zone). */
  final Counter zoneBytes;
  /** The part of {@link #zoneBytes} written on the DATA connection (APPEND and SNAPSHOT lanes). */
  final Counter zoneDataBytes;
  /** This destination's zone, or null if its locality does not name one. */
  final String zone;
  private final Counter[] accepted = new Counter[TrafficClass.values().length];

  private volatile State state = State.UNKNOWN; // written @GuardedBy("this")
  private int failures; // @GuardedBy("this")
  private InetSocketAddress address; // @GuardedBy("this")
  private ManagedChannel controlChannel; // @GuardedBy("this")
  private ManagedChannel dataChannel; // @GuardedBy("this")
  private ScheduledFuture<?> probe; // @GuardedBy("this")
  private boolean closed; // @GuardedBy("this")

  Destination(Sender sender, StoreId store, InetSocketAddress address, MetricRegistry metrics, String prefix) {
    this.sender = sender;
    this.store = store;
    this.queue = new OutboundQueue(sender.globalChargedBytes(), sender.config().drrQuantumBytes());
    this.control = new Connection(sender, this, Connection.Kind.CONTROL, metrics, prefix);
    this.data = new Connection(sender, this, Connection.Kind.DATA, metrics, prefix);
    this.reconnects = metrics.counter(MetricRegistry.name(prefix, "reconnects"));
    String tier = sender.config().zoneTier();
    this.zone = sender.resolver().locality(store).value(tier).orElse(null);
    String from = sender.config().locality().value(tier).orElse("unknown");
    String to = zone == null ? "unknown" : zone;
    this.zoneBytes = metrics.counter(MetricRegistry.name(sender.zoneBytesPrefix(), from, to));
    this.zoneDataBytes = metrics.counter(MetricRegistry.name(sender.zoneDataBytesPrefix(), from, to));
    metrics.register(MetricRegistry.name(prefix, "breaker"), (Gauge<Integer>) () -> state.ordinal());
    for (TrafficClass lane : TrafficClass.values()) {
      String name = lane.name().toLowerCase(Locale.ROOT);
      accepted[lane.ordinal()] = metrics.counter(MetricRegistry.name(prefix, name, "accepted"));
      metrics.register(MetricRegistry.name(prefix, name, "queued_bytes"), (Gauge<Long>) () -> queue.queuedBytes(lane));
      metrics.register(
          MetricRegistry.name(prefix, name, "queued_messages"), (Gauge<Integer>) () -> queue.queuedMessages(lane));
      metrics.register(MetricRegistry.name(prefix, name, "charged_bytes"), (Gauge<Long>) () -> queue.chargedBytes(lane));
    }
    synchronized (this) {
      connectTo(address);
    }
  }

  // @GuardedBy("this")
  private void connectTo(InetSocketAddress newAddress) {
    shutdownChannels();
    address = newAddress;
    controlChannel = newChannel(newAddress);
    dataChannel = sender.config().controlOnSeparateConnection() ? newChannel(newAddress) : controlChannel;
  }

  private static ManagedChannel newChannel(InetSocketAddress address) {
    return NettyChannelBuilder.forAddress(address)
        .usePlaintext()
        .directExecutor()
        .maxInboundMessageSize(MAX_RESPONSE_FRAME_BYTES)
        .build();
  }

  // @GuardedBy("this")
  private void shutdownChannels() {
    if (controlChannel != null) {
      controlChannel.shutdownNow();
    }
    if (dataChannel != null && dataChannel != controlChannel) {
      dataChannel.shutdownNow();
    }
  }

  synchronized ManagedChannel channel(Connection.Kind kind) {
    return kind == Connection.Kind.CONTROL ? controlChannel : dataChannel;
  }

  /** Queues {@code message}; returns the refusal reason, or null if accepted. */
  DropReason offer(Outbound message) {
    DropReason refusal;
    synchronized (this) {
      refusal = closedOrDown();
      if (refusal != null) {
        return refusal;
      }
      message.home = this;
      refusal = queue.offer(message, sender.limits());
      if (refusal == null) {
        // Under this lock: a failure that removes the queue afterwards finds the deduction.
        sender.deductCredits(message);
      }
    }
    if (refusal != null) {
      return refusal;
    }
    accepted[message.lane()].inc();
    (OutboundQueue.isData(message.lane()) ? data : control).requestDrain();
    return null;
  }

  /**
   * Accepts {@code message} like {@link #offer} (charges this destination's budgets, deducts its
   * credits) without queueing it: it waits for a fan-out bundle. Returns the refusal, or null.
   */
  DropReason reserve(Outbound message) {
    synchronized (this) {
      DropReason refusal = closedOrDown();
      if (refusal != null) {
        return refusal;
      }
      message.home = this;
      refusal = queue.charge(message, sender.limits());
      if (refusal != null) {
        return refusal;
      }
      sender.deductCredits(message);
    }
    accepted[message.lane()].inc();
    return null;
  }

  /**
   * Queues a message that is already charged: one {@link #reserve reserved} here and sent directly
   * after all, or a fan-out bundle for this destination as its zone's agent (its members are
   * charged to their own destinations). Returns null, or the reason it cannot be sent, in which
   * case the caller must {@link #fail} it (a bundle: fall back to its members' destinations).
   */
  DropReason enqueueCharged(Outbound message) {
    synchronized (this) {
      DropReason refusal = closedOrDown();
      if (refusal != null) {
        return refusal;
      }
      queue.enqueueCharged(message);
    }
    data.requestDrain();
    return null;
  }

  // @GuardedBy("this")
  private DropReason closedOrDown() {
    if (closed) {
      return DropReason.CLOSED;
    }
    return allowsTraffic() ? null : DropReason.UNREACHABLE;
  }

  /**
   * Returns the charge of acknowledged or dropped messages: to this queue, or for a bundle, each
   * member's to its own destination's queue.
   */
  void release(List<Outbound> messages) {
    List<Outbound> own = new ArrayList<>(messages.size());
    for (Outbound m : messages) {
      if (m.isBundle()) {
        for (Outbound member : m.members) {
          member.home.queue.release(List.of(member));
        }
      } else {
        own.add(m);
      }
    }
    queue.release(own);
  }

  /** True while the breaker lets traffic through. */
  boolean allowsTraffic() {
    State s = state;
    return s == State.UNKNOWN || s == State.HEALTHY;
  }

  synchronized void onHelloAck() {
    if (closed) {
      return;
    }
    if (state != State.HEALTHY && failures > 0) {
      log.info("{} -> {}: connected again after {} failed attempt(s)", sender.localStore(), store, failures);
    }
    state = State.HEALTHY;
    failures = 0;
  }

  /** A stream failed: open the breaker, report what was queued, schedule a probe. */
  void onStreamFailure(Connection.Kind kind, Status status) {
    List<Outbound> queued;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (state != State.DOWN) {
        failures++;
        state = State.DOWN;
        reconnects.inc();
        long delay = sender.backoff().delayNanos(failures);
        log.warn(
            "{} -> {}: {} stream failed ({}: {}); unreachable, next attempt in {} ms",
            sender.localStore(), store, kind, status.getCode(), status.getDescription(),
            TimeUnit.NANOSECONDS.toMillis(delay));
        probe = sender.scheduler().schedule(this::probe, delay, TimeUnit.NANOSECONDS);
      }
      queued = queue.removeQueued();
    }
    sender.destinationDown(this);
    fail(queued, DropReason.UNREACHABLE);
  }

  private void probe() {
    synchronized (this) {
      if (closed || state != State.DOWN) {
        return;
      }
      Optional<InetSocketAddress> resolved = sender.resolve(store);
      if (resolved.isEmpty()) {
        failures++;
        probe = sender.scheduler().schedule(this::probe, sender.backoff().delayNanos(failures), TimeUnit.NANOSECONDS);
        return;
      }
      if (!resolved.get().equals(address)) {
        log.info("{} -> {}: address changed from {} to {}", sender.localStore(), store, address, resolved.get());
        connectTo(resolved.get());
      } else {
        controlChannel.resetConnectBackoff();
        dataChannel.resetConnectBackoff();
      }
      state = State.PROBING;
    }
    control.probe();
  }

  /** Releases the charge of {@code messages} and reports them (a bundle: each member). */
  void fail(List<Outbound> messages, DropReason reason) {
    if (messages.isEmpty()) {
      return;
    }
    release(messages);
    for (Outbound m : messages) {
      if (m.isBundle()) {
        for (Outbound member : m.members) {
          sender.droppedAfterAccept(member, reason);
        }
      } else {
        sender.droppedAfterAccept(m, reason);
      }
    }
  }

  /** Periodic upkeep: hello timeouts and idle streams. */
  void maintain(long nowNanos) {
    control.checkHelloTimeout(nowNanos);
    data.checkHelloTimeout(nowNanos);
    control.requestIdleCheck();
    data.requestIdleCheck();
  }

  /** Reports everything queued or in flight as {@code CLOSED} and releases the channels. */
  void close() {
    List<Outbound> queued;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (probe != null) {
        probe.cancel(false);
      }
      queued = queue.removeQueued();
    }
    fail(queued, DropReason.CLOSED);
    control.close(DropReason.CLOSED);
    data.close(DropReason.CLOSED);
    synchronized (this) {
      shutdownChannels();
    }
  }

  @Override
  public String toString() {
    return sender.localStore() + "->" + store;
  }
}
