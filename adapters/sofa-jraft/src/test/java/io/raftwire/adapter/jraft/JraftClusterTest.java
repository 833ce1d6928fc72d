package io.raftwire.adapter.jraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.PeerId;
import io.raftwire.testkit.history.LinearizabilityChecker;
import io.raftwire.topology.StoreId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A jraft cluster of 3 stores x 8 groups over raftwire's gRPC transport on 127.0.0.1: elections,
 * replication, a concurrent history that must be linearizable, a store that restarts and catches up
 * by log and by snapshot, and a removed peer.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class JraftClusterTest {
  private static final List<String> GROUPS = List.of("g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7");

  @TempDir Path data;
  private JraftCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void groupsElectReplicateAndAnswerLinearizably() throws Exception {
    cluster = new JraftCluster(data, 3, GROUPS, 1000).startAll();
    for (String group : GROUPS) {
      Node leader = cluster.leader(group);
      for (int i = 0; i < 10; i++) {
        JraftCluster.apply(leader, KvMachine.put("k" + i, group + "-" + i)).get(30, TimeUnit.SECONDS);
      }
    }
    for (String group : GROUPS) {
      await().atMost(JraftCluster.WAIT).until(() -> cluster.stores.values().stream()
          .allMatch(s -> (group + "-9").equals(s.machines.get(group).values.get("k9"))));
    }
    for (JraftCluster.Store s : cluster.stores.values()) {
      assertEquals(Set8.of(GROUPS), s.adapter.hostedGroups(), "every group is served on every store");
      assertEquals(0, malformed(s), "no malformed message anywhere");
    }

    // A concurrent history on two keys of two groups, through whichever node leads.
    List<LinearizabilityChecker.Op> history = Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(4);
    CountDownLatch done = new CountDownLatch(4);
    for (int c = 0; c < 4; c++) {
      int client = c;
      clients.execute(() -> {
        Random random = new Random(client);
        try {
          for (int i = 0; i < 14; i++) {
            String group = client % 2 == 0 ? "g1" : "g6";
            String key = group + "/x";
            boolean write = random.nextBoolean();
            String value = "c" + client + "-" + i;
            long invoke = System.nanoTime();
            try {
              Node leader = cluster.leader(group);
              String result = JraftCluster.apply(leader, write ? KvMachine.put(key, value) : KvMachine.get(key))
                  .get(30, TimeUnit.SECONDS);
              long response = System.nanoTime();
              history.add(write ? LinearizabilityChecker.Op.write(key, value, invoke, response)
                  : LinearizabilityChecker.Op.read(key, result, invoke, response));
            } catch (Exception e) {
              if (write) {
                history.add(LinearizabilityChecker.Op.write(key, value, invoke, Long.MAX_VALUE));
              }
            }
          }
        } finally {
          done.countDown();
        }
      });
    }
    assertTrue(done.await(120, TimeUnit.SECONDS));
    clients.shutdown();
    for (String key : List.of("g1/x", "g6/x")) {
      assertTrue(LinearizabilityChecker.isLinearizable(history, key), "history of " + key + ": " + history);
    }
  }

  @Test
  void aRestartedStoreCatchesUpByLogAndBySnapshot() throws Exception {
    List<String> groups = List.of("log-a", "log-b", "snap-a", "snap-b");
    cluster = new JraftCluster(data, 3, groups, 1000).startAll();
    for (String group : groups) {
      JraftCluster.apply(cluster.leader(group), KvMachine.put("before", group)).get(30, TimeUnit.SECONDS);
    }
    cluster.stop(3);
    // The snapshot groups compact their logs on both running stores (jraft truncates the log up to
    // the snapshot before the latest one, so two rounds), and store 3 then needs a snapshot.
    for (int round = 0; round < 2; round++) {
      for (String group : groups) {
        Node leader = cluster.leader(group);
        for (int i = round * 10; i < round * 10 + 10; i++) {
          JraftCluster.apply(leader, KvMachine.put("k" + i, group + i)).get(30, TimeUnit.SECONDS);
        }
      }
      for (String group : List.of("snap-a", "snap-b")) {
        for (long s = 1; s <= 2; s++) {
          CompletableFuture<Status> snapshot = new CompletableFuture<>();
          cluster.store(s).nodes.get(group).snapshot(snapshot::complete);
          assertTrue(snapshot.get(30, TimeUnit.SECONDS).isOk(), "snapshot of " + group + " on s" + s);
        }
      }
    }
    JraftCluster.Store restarted = cluster.start(3);
    for (String group : groups) {
      await().atMost(JraftCluster.WAIT).until(() -> (group + "19").equals(restarted.machines.get(group).values.get("k19")));
      assertEquals(group, restarted.machines.get(group).values.get("before"));
    }
    assertTrue(restarted.machines.get("snap-a").snapshotsLoaded.get() >= 1, "snap-a caught up by snapshot");
    assertTrue(restarted.machines.get("snap-b").snapshotsLoaded.get() >= 1, "snap-b caught up by snapshot");
    assertEquals(0, restarted.machines.get("log-a").snapshotsLoaded.get(), "log-a caught up by log");
    assertEquals(0, restarted.machines.get("log-b").snapshotsLoaded.get(), "log-b caught up by log");
  }

  @Test
  void aRemovedPeerGetsNoMoreEntriesAndItsGroupIsNoLongerServed() throws Exception {
    cluster = new JraftCluster(data, 3, List.of("g"), 1000).startAll();
    Node leader = cluster.leader("g");
    JraftCluster.apply(leader, KvMachine.put("a", "1")).get(30, TimeUnit.SECONDS);
    PeerId removed = cluster.peer(leaderStore(leader) == 3 ? 2 : 3);
    long removedStore = removed.getEndpoint().getPort() - 17000L;
    CompletableFuture<Status> change = new CompletableFuture<>();
    leader.removePeer(removed, change::complete);
    assertTrue(change.get(30, TimeUnit.SECONDS).isOk());
    JraftCluster.apply(leader, KvMachine.put("a", "2")).get(30, TimeUnit.SECONDS);
    KvMachine survivor = cluster.store(leaderStore(leader)).machines.get("g");
    assertEquals("2", survivor.values.get("a"));
    KvMachine gone = cluster.store(removedStore).machines.get("g");
    assertFalse("2".equals(gone.values.get("a")), "the removed peer did not get the entry after its removal");

    cluster.store(removedStore).stopGroup("g");
    JraftStore adapter = cluster.store(removedStore).adapter;
    adapter.scanNodes();
    assertTrue(adapter.hostedGroups().isEmpty(), "the stopped group is no longer served");
    JraftCluster.apply(leader, KvMachine.put("a", "3")).get(30, TimeUnit.SECONDS);
  }

  @Test
  void proposalsWaitForCreditsAndEveryCreditReturnsWhenFollowersPersist() throws Exception {
    cluster = new JraftCluster(data, 3, List.of("adm"), 1000);
    cluster.admission = true;
    cluster.startAll();
    Node leader = cluster.leader("adm");
    JraftCluster.Store store = cluster.store(leaderStore(leader));
    List<CompletableFuture<String>> writes = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      KvMachine.Done done = new KvMachine.Done();
      var unused = store.admission.apply(leader, new com.alipay.sofa.jraft.entity.Task(KvMachine.put("k", "v" + i), done),
          io.raftwire.message.Priority.REGULAR);
      writes.add(done.result);
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    var metrics = store.transport.metrics();
    String tracked = "raftwire." + store.id + ".credits.tracked_bytes";
    await().atMost(JraftCluster.WAIT).until(() -> (Long) metrics.getGauges().get(tracked).getValue() == 0L);
    assertTrue(metrics.timer("raftwire." + store.id + ".credits.wait.regular").getCount() >= 50);
    assertEquals(0L, metrics.getGauges().get("raftwire." + store.id + ".credits.unaccounted_bytes").getValue());
    for (JraftCluster.Store s : cluster.stores.values()) {
      await().atMost(JraftCluster.WAIT).until(() -> "v49".equals(s.machines.get("adm").values.get("k")));
    }
  }

  private static long leaderStore(Node node) {
    return node.getNodeId().getPeerId().getEndpoint().getPort() - 17000L;
  }

  private static long malformed(JraftCluster.Store s) {
    return s.transport.metrics().getCounters((name, m) -> name.startsWith("raftwire." + s.id + ".jraft.malformed"))
        .values().stream().mapToLong(c -> c.getCount()).sum();
  }

  /** A set of the groups, for comparison. */
  private static final class Set8 {
    static java.util.Set<String> of(List<String> groups) {
      return java.util.Set.copyOf(groups);
    }
  }

  static StoreId id(long s) {
    return StoreId.of(s);
  }
}
