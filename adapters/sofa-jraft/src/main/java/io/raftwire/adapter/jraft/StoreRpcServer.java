package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.ConnectionClosedEventListener;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * jraft's {@link RpcServer} of one store: the processors jraft registers, by the request class
 * they are interested in, and its connection-closed listeners. It listens on nothing itself: the
 * store's transport delivers the requests. At most one server per store runs at a time.
 * Thread-safe; the maps are bounded by the processors jraft registers (code, not input).
 */
final class StoreRpcServer implements RpcServer {
  private final JraftStore store;
  private final Map<String, RpcProcessor<?>> processors = new ConcurrentHashMap<>();
  private final List<ConnectionClosedEventListener> closedListeners = new CopyOnWriteArrayList<>();
  private volatile boolean started;

  StoreRpcServer(JraftStore store) {
    this.store = store;
  }

  @Override
  public boolean init(Void opts) {
    if (started) {
      return true;
    }
    if (!store.attach(this)) {
      return false;
    }
    started = true;
    return true;
  }

  @Override
  public void shutdown() {
    if (started) {
      started = false;
      store.detach(this);
    }
  }

  @Override
  public void registerConnectionClosedEventListener(ConnectionClosedEventListener listener) {
    closedListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void registerProcessor(RpcProcessor<?> processor) {
    String interest = Objects.requireNonNull(processor.interest(), "processor.interest()");
    processors.put(interest, processor);
  }

  @Override
  public int boundPort() {
    return store.endpoint().getPort();
  }

  @Override
  public boolean isStarted() {
    return started;
  }

  @SuppressWarnings("unchecked")
  RpcProcessor<Object> processor(String requestClass) {
    return (RpcProcessor<Object>) processors.get(requestClass);
  }

  List<ConnectionClosedEventListener> closedListeners() {
    return closedListeners;
  }
}
