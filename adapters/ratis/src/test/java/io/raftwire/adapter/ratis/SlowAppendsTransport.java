package io.raftwire.adapter.ratis;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transport whose inbound APPEND envelopes reach their handler late, in order, while everything
 * else arrives at once: a follower whose append path is backed up (a slow disk behind its receive
 * queue), with its CONTROL lane free.
 */
final class SlowAppendsTransport implements RaftTransport {
  private final RaftTransport delegate;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "slow-appends");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong delayNanos = new AtomicLong();

  SlowAppendsTransport(RaftTransport delegate) {
    this.delegate = delegate;
  }

  /** From now on, APPEND envelopes arrive {@code nanos} late (0: at once). */
  void delayAppends(long nanos) {
    delayNanos.set(nanos);
  }

  /**
   * Keeps the handler contract the wrapped transport gives: calls for the range stay serial (one
   * lock per registration), and APPEND envelopes stay in their order (each due no earlier than the
   * one before, also after the delay is lifted); CONTROL and SNAPSHOT still arrive at once.
   */
  @Override
  public Registration register(RangeId range, io.raftwire.transport.InboundHandler handler) {
    Object serial = new Object();
    long[] lastDueNanos = {0}; // guarded by serial: when the last held APPEND is due
    int[] held = {0}; // guarded by serial: APPENDs scheduled and not yet delivered
    return delegate.register(range, (r, batch) -> {
      List<RaftEnvelope> now = new ArrayList<>();
      synchronized (serial) {
        long t = System.nanoTime();
        for (RaftEnvelope e : batch) {
          long delay = delayNanos.get();
          // once the delay is lifted, APPENDs still wait while any held one is undelivered, not
          // merely until its due time: the timer may run it late, and the next must not overtake it
          if (e.trafficClass() == TrafficClass.APPEND && (delay > 0 || held[0] > 0)) {
            long due = t + delay;
            if (held[0] > 0 && lastDueNanos[0] - due > 0) {
              due = lastDueNanos[0];
            }
            lastDueNanos[0] = due;
            held[0]++;
            var unused = later.schedule(() -> {
              synchronized (serial) {
                held[0]--;
                handler.deliver(r, List.of(e));
              }
            }, due - t, TimeUnit.NANOSECONDS);
          } else {
            now.add(e);
          }
        }
        if (!now.isEmpty()) {
          handler.deliver(r, now);
        }
      }
    });
  }

  @Override
  public StoreId localStore() {
    return delegate.localStore();
  }

  @Override
  public SendResult send(RaftEnvelope envelope) {
    return delegate.send(envelope);
  }

  @Override
  public boolean isReachable(StoreId store) {
    return delegate.isReachable(store);
  }

  @Override
  public Registration addDropListener(DropListener listener) {
    return delegate.addDropListener(listener);
  }

  @Override
  public TransportLimits limits() {
    return delegate.limits();
  }

  @Override
  public void updateLimits(TransportLimits limits) {
    delegate.updateLimits(limits);
  }

  @Override
  public Optional<io.raftwire.flow.FlowControl> flowControl() {
    return delegate.flowControl();
  }

  @Override
  public void close() {
    later.shutdownNow();
    delegate.close();
  }
}
