package io.raftwire.adapter.microraft;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.InboundHandler;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Stores connected on one {@link FakeTimebase}: every delivery, drop notice and Raft task runs on
 * the test's thread when the test moves the clock, so a run is exactly repeatable. A fault rule
 * decides per envelope: deliver (null), refuse at {@code send}, or accept and report it dropped.
 */
final class LoopbackNetwork {
  /** What happens to one envelope. */
  record Fate(DropReason reason, boolean acceptedBySend) {}

  /** Delivered or refused, as the test sees it. */
  record Sent(long nanos, RaftEnvelope envelope, Fate fate) {}

  private final FakeTimebase time;
  private final long oneWayNanos;
  private final Map<StoreId, Store> stores = new ConcurrentHashMap<>();
  private volatile Function<RaftEnvelope, Fate> faults = e -> null;
  final List<Sent> sent = new CopyOnWriteArrayList<>();
  /** Envelopes handed to a destination's handler, with the time they arrived. */
  final List<Sent> delivered = new CopyOnWriteArrayList<>();

  LoopbackNetwork(FakeTimebase time, long oneWayNanos) {
    this.time = time;
    this.oneWayNanos = oneWayNanos;
  }

  void faults(Function<RaftEnvelope, Fate> rule) {
    this.faults = rule;
  }

  RaftTransport transport(StoreId id) {
    return stores.computeIfAbsent(id, Store::new);
  }

  private final class Store implements RaftTransport {
    private final StoreId id;
    private final Map<RangeId, InboundHandler> handlers = new ConcurrentHashMap<>();
    private final List<DropListener> listeners = new CopyOnWriteArrayList<>();

    Store(StoreId id) {
      this.id = id;
    }

    @Override
    public StoreId localStore() {
      return id;
    }

    @Override
    public SendResult send(RaftEnvelope envelope) {
      Fate fate = faults.apply(envelope);
      sent.add(new Sent(time.nanoTime(), envelope, fate));
      if (fate != null) {
        DroppedMessage notice = DroppedMessage.summaryOf(envelope, fate.reason(), fate.acceptedBySend());
        var unused = time.schedule(() -> listeners.forEach(l -> l.onDropped(notice)), fate.acceptedBySend() ? oneWayNanos : 0);
        return fate.acceptedBySend() ? SendResult.accepted() : SendResult.refused(fate.reason());
      }
      var unused = time.schedule(() -> {
        Store to = stores.get(envelope.to().store());
        InboundHandler handler = to == null ? null : to.handlers.get(envelope.range());
        if (handler != null) {
          delivered.add(new Sent(time.nanoTime(), envelope, null));
          handler.deliver(envelope.range(), List.of(envelope));
        }
      }, oneWayNanos);
      return SendResult.accepted();
    }

    @Override
    public boolean isReachable(StoreId store) {
      return stores.containsKey(store);
    }

    @Override
    public Registration register(RangeId range, InboundHandler handler) {
      handlers.put(range, handler);
      return () -> handlers.remove(range, handler);
    }

    @Override
    public Registration addDropListener(DropListener listener) {
      listeners.add(listener);
      return () -> listeners.remove(listener);
    }

    @Override
    public TransportLimits limits() {
      return TransportLimits.defaults();
    }

    @Override
    public void updateLimits(TransportLimits limits) {}

    @Override
    public void close() {}
  }
}
