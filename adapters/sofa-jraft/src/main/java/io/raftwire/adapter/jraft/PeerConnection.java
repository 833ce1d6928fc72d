package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.rpc.Connection;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What jraft's server side sees as the connection of a calling store: one per (calling store,
 * incarnation of that store). It ends, and jraft's {@code ConnectionClosedEventListener}s are told
 * (jraft then forgets the pipeline state of that peer), when jraft closes it, when the caller comes
 * back with a new incarnation (it restarted), when an answer to it is dropped as unreachable, or
 * when the server shuts down. Thread-safe; attributes are bounded by what jraft stores (one set of
 * peer pairs).
 */
final class PeerConnection implements Connection {
  final StoreId remote;
  final long incarnation;
  final String remoteAddress;
  private final Map<String, Object> attributes = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Consumer<PeerConnection> onClose;

  PeerConnection(StoreId remote, long incarnation, String remoteAddress, Consumer<PeerConnection> onClose) {
    this.remote = remote;
    this.incarnation = incarnation;
    this.remoteAddress = remoteAddress;
    this.onClose = onClose;
  }

  @Override
  public Object getAttribute(String key) {
    return attributes.get(key);
  }

  @Override
  public void setAttribute(String key, Object value) {
    attributes.put(key, value);
  }

  @Override
  public Object setAttributeIfAbsent(String key, Object value) {
    return attributes.putIfAbsent(key, value);
  }

  /** Ends the connection once: later answers on it still travel, jraft's listeners are told now. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      onClose.accept(this);
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  @Override
  public String toString() {
    return "PeerConnection{" + remote + "@" + Long.toHexString(incarnation) + (closed.get() ? ", closed" : "") + "}";
  }
}
