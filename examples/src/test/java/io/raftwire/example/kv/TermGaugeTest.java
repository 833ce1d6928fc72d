package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.topology.StoreId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each hosted range's Raft term is a gauge, so elections show from outside the process (the fault suite counts them). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TermGaugeTest {

  @Test
  void everyHostedRangeReportsItsTerm(@TempDir Path dir) throws Exception {
    StoreId store = StoreId.of(1);
    Map<StoreId, InetSocketAddress> peers = new ConcurrentSkipListMap<>();
    peers.put(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    MetricRegistry metrics = new MetricRegistry();
    KvNode node = KvNode.start(KvNode.Config.builder(store, peers, dir).rangeCount(2).metrics(metrics).build());
    try {
      for (String range : new String[] {"r1", "r2"}) {
        Gauge<?> term = metrics.getGauges().get("raftwire." + store + ".kv." + range + ".term");
        await(range + " elects its leader").atMost(Duration.ofSeconds(60))
            .until(() -> term != null && ((Number) term.getValue()).intValue() >= 1);
      }
    } finally {
      node.close();
    }
  }
}
