package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.model.log.LogEntry;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.raftwire.adapter.microraft.ForwardingRaftStore;
import io.raftwire.example.storage.StorageClosedException;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose start fails part-way (its client port is taken, after its Raft nodes have started)
 * leaves nothing behind: the nodes have terminated before RocksDB closed, so none of them writes to
 * a closed database, and the same data directory starts again at once. Found by the fault suite: a
 * store that lost the race for its port wrote its term to freed RocksDB handles.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StartFailureTest {
  @TempDir Path dir;

  /** Counts the writes that found the database closed. */
  private static final class Watched extends ForwardingRaftStore {
    private final AtomicInteger closedWrites;

    Watched(RaftStore delegate, AtomicInteger closedWrites) {
      super(delegate);
      this.closedWrites = closedWrites;
    }

    private IOException seen(IOException e) {
      if (e instanceof StorageClosedException) {
        closedWrites.incrementAndGet();
      }
      return e;
    }

    @Override
    public void persistAndFlushTerm(RaftTermPersistentState state) throws IOException {
      try {
        super.persistAndFlushTerm(state);
      } catch (IOException e) {
        throw seen(e);
      }
    }

    @Override
    public void persistLogEntries(List<LogEntry> entries) throws IOException {
      try {
        super.persistLogEntries(entries);
      } catch (IOException e) {
        throw seen(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        super.flush();
      } catch (IOException e) {
        throw seen(e);
      }
    }
  }

  private KvNode.Config config(InetSocketAddress client, AtomicInteger closedWrites) {
    StoreId store = StoreId.of(1);
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return KvNode.Config.builder(store, peers, dir)
        .rangeCount(8)
        .clientAddress(client)
        .storeWrapper((RangeId range, RaftStore raftStore) -> new Watched(raftStore, closedWrites))
        .build();
  }

  @Test
  void aStartThatCannotBindItsClientPortTerminatesItsNodesBeforeClosingStorage() throws Exception {
    AtomicInteger closedWrites = new AtomicInteger();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress busy = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
      IOException failed = assertThrows(IOException.class, () -> KvNode.start(config(busy, closedWrites)));
      assertTrue(String.valueOf(failed.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("bind"),
          "the failure says it could not bind: " + failed);
    }
    assertEquals(0, closedWrites.get(), "no Raft node wrote to the closed database");

    // RocksDB's lock and every node are gone: the same directory starts, and its single-store ranges elect.
    try (KvNode again = KvNode.start(config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), closedWrites))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> again.hostedRanges().stream()
          .allMatch(r -> again.node(r).map(n -> n.getTerm().getLeaderEndpoint() != null).orElse(false)));
    }
    assertEquals(0, closedWrites.get(), "nor did any while the store closed normally");
  }
}
