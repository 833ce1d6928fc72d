package io.raftwire.adapter.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter's log appender keeps a follower's heartbeats apart from its appends: with every append
 * reaching one follower later than the largest election timeout (its append path backed up, its
 * CONTROL lane free), the follower keeps hearing its
 * leader, elects nobody, and catches up once the link heals. (Ratis's default appender, one request
 * in flight and heartbeats only between appends, leaves such a follower silent until it elects.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RatisHeartbeatTest {
  @TempDir Path data;
  private RatisCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFollowerWhoseAppendsAreHeldUpStillHearsHeartbeatsAndElectsNobody() throws Exception {
    Map<Integer, SlowAppendsTransport> slowed = new ConcurrentHashMap<>();
    cluster = new RatisCluster(data, 3);
    cluster.wrapper = (s, t) -> slowed.computeIfAbsent(s, x -> new SlowAppendsTransport(t));
    cluster.electionTimeoutMillis = 1000; // elections after 1-2 s of silence
    cluster.startAll(1);
    RaftGroup group = cluster.groups.get(0);
    int leader = cluster.leader(group);
    int follower = leader == 3 ? 2 : 3;
    RaftServer.Division slow = cluster.server(follower).division(group.getGroupId()).orElseThrow();
    long term = slow.getInfo().getCurrentTerm();

    slowed.get(follower).delayAppends(TimeUnit.MILLISECONDS.toNanos(2500));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try (RaftClient client = cluster.client(group)) {
        while (writing.get()) {
          if (client.io().send(KvStateMachine.put("k", "v" + written.get())).isSuccess()) {
            written.incrementAndGet();
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    RaftPeerId leaderId = RatisCluster.peerId(leader);
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() ->
        slow.getInfo().getCurrentTerm() == term && leaderId.equals(slow.getInfo().getLeaderId()));
    writing.set(false);
    writer.get(30, TimeUnit.SECONDS);
    assertTrue(written.get() > 0, "the majority kept committing");
    RaftServer.Division leading = cluster.server(leader).division(group.getGroupId()).orElseThrow();
    assertTrue(slow.getInfo().getLastAppliedIndex() < leading.getInfo().getLastAppliedIndex(),
        "the follower's appends really were held up");

    slowed.get(follower).delayAppends(0);
    String last = "v" + (written.get() - 1);
    KvStateMachine machine = cluster.server(follower).machines.get(group.getGroupId());
    try {
      await().atMost(RatisCluster.WAIT).until(() -> last.equals(machine.values.get("k")));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the follower never caught up: it applied " + slow.getInfo().getLastAppliedIndex()
          + " (k=" + machine.values.get("k") + ") with its log ending before " + slow.getRaftLog().getNextIndex()
          + "; the leader applied " + leading.getInfo().getLastAppliedIndex() + " and counts its followers at next "
          + Arrays.toString(leading.getInfo().getFollowerNextIndices()) + ", match "
          + Arrays.toString(leading.getInfo().getFollowerMatchIndices()), e);
    }
    assertEquals(term, slow.getInfo().getCurrentTerm(), "no election at any time");
    assertTrue(cluster.server(follower).counter("requests.received.APPEND_ENTRIES") > 0);
  }
}
