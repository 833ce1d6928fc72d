package io.raftwire.example.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.example.kv.KvNode;
import io.raftwire.example.storage.RocksStorage;
import io.raftwire.topology.StoreId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@code raftwire-kv node} does when the process is told to stop (SIGTERM, Ctrl-C). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeCommandTest {

  @Test
  void theShutdownHookReturnsOnlyOnceTheStoreHasClosed(@TempDir Path dir) throws Exception {
    StoreId store = StoreId.of(1);
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    KvNode node = KvNode.start(KvNode.Config.builder(store, peers, dir).rangeCount(2).build());
    AtomicBoolean metricsClosed = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);

    Thread hook = NodeCommand.shutdownHook(node, () -> metricsClosed.set(true), stopped);
    hook.start(); // as the JVM does on SIGTERM, which then exits once the hook has ended
    hook.join();

    assertEquals(0, stopped.getCount(), "the command's main thread is released");
    assertTrue(metricsClosed.get(), "the metrics endpoint is closed too");
    // RocksDB allows one open per directory: opening it again works only if the hook waited for close.
    try (RocksStorage reopened = RocksStorage.open(dir)) {
      assertTrue(reopened.isOpen());
    }
  }
}
