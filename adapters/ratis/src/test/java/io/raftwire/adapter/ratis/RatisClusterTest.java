package io.raftwire.adapter.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.Priority;
import io.raftwire.testkit.history.LinearizabilityChecker;
import io.raftwire.topology.RangeId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Ratis cluster of 3 servers x 8 groups over raftwire's gRPC transport on 127.0.0.1: elections
 * (with pre-vote), replication, a concurrent history that must be linearizable (reads through
 * followers use read indexes), leader failover and leadership transfer, a restarted server catching
 * up by log and by snapshot, a group added and removed while the cluster runs, and admission.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RatisClusterTest {
  @TempDir Path data;
  private RatisCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void groupsElectReplicateAndAnswerLinearizably() throws Exception {
    cluster = new RatisCluster(data, 3).startAll(8);
    for (RaftGroup group : cluster.groups) {
      try (RaftClient client = cluster.client(group)) {
        for (int i = 0; i < 10; i++) {
          RaftClientReply reply = client.io().send(KvStateMachine.put("k" + i, group.getGroupId() + "-" + i));
          assertTrue(reply.isSuccess(), "write to " + group.getGroupId() + ": " + reply);
        }
      }
    }
    for (RaftGroup group : cluster.groups) {
      String last = group.getGroupId() + "-9";
      await().atMost(RatisCluster.WAIT).until(() -> cluster.servers.values().stream()
          .allMatch(s -> last.equals(s.machines.get(group.getGroupId()).values.get("k9"))));
    }
    Set<RangeId> ranges = new HashSet<>();
    for (RaftGroup group : cluster.groups) {
      ranges.add(RatisGroupRanges.hashed().rangeOf(group.getGroupId()));
    }
    assertEquals(8, ranges.size(), "every group has a range of its own");
    long votes = 0;
    for (RatisCluster.Server s : cluster.servers.values()) {
      await().atMost(RatisCluster.WAIT).until(() -> s.rpc().hostedRanges().equals(ranges));
      assertEquals(0, malformed(s), "no malformed message at " + s.index);
      assertEquals(0, s.counter("grpc_server_calls_refused"), "no Raft traffic took Ratis's gRPC path");
      votes += s.counter("requests.received.REQUEST_VOTE");
    }
    assertTrue(votes > 0, "the elections' votes travelled over raftwire");
    assertTrue(cluster.servers.values().stream().mapToLong(s -> s.counter("requests.received.APPEND_ENTRIES")).sum() > 0);

    // A concurrent history on two keys of two groups; half the reads go through a follower.
    List<LinearizabilityChecker.Op> history = Collections.synchronizedList(new ArrayList<>());
    List<RaftGroup> used = List.of(cluster.groups.get(1), cluster.groups.get(6));
    ExecutorService clients = Executors.newFixedThreadPool(4);
    CountDownLatch done = new CountDownLatch(4);
    for (int c = 0; c < 4; c++) {
      int id = c;
      RaftGroup group = used.get(c % 2);
      clients.execute(() -> {
        Random random = new Random(id);
        String key = group.getGroupId() + "/x";
        try (RaftClient client = cluster.client(group)) {
          for (int i = 0; i < 14; i++) {
            boolean write = random.nextBoolean();
            String value = "c" + id + "-" + i;
            long invoke = System.nanoTime();
            try {
              RaftClientReply reply;
              if (write) {
                reply = client.io().send(KvStateMachine.put(key, value));
              } else if (random.nextBoolean()) {
                reply = client.io().sendReadOnly(KvStateMachine.get(key), RatisCluster.peerId(1 + random.nextInt(3)));
              } else {
                reply = client.io().sendReadOnly(KvStateMachine.get(key));
              }
              long response = System.nanoTime();
              if (!reply.isSuccess()) {
                throw new IllegalStateException(reply.toString());
              }
              String result = reply.getMessage().getContent().toStringUtf8();
              history.add(write ? LinearizabilityChecker.Op.write(key, value, invoke, response)
                  : LinearizabilityChecker.Op.read(key, KvStateMachine.ABSENT.equals(result) ? null : result, invoke, response));
            } catch (Exception e) {
              if (write) {
                history.add(LinearizabilityChecker.Op.write(key, value, invoke, Long.MAX_VALUE));
              }
            }
          }
        } catch (Exception e) {
          history.add(LinearizabilityChecker.Op.write(key, "client-failed-" + e, invoke(), Long.MAX_VALUE));
        } finally {
          done.countDown();
        }
      });
    }
    assertTrue(done.await(180, TimeUnit.SECONDS));
    clients.shutdown();
    for (RaftGroup group : used) {
      String key = group.getGroupId() + "/x";
      assertTrue(LinearizabilityChecker.isLinearizable(history, key), "history of " + key + ": " + history);
      assertTrue(history.stream().filter(op -> op.toString().startsWith("R(" + key)).count() > 0, "reads were recorded");
    }
    assertTrue(cluster.servers.values().stream().mapToLong(s -> s.counter("requests.received.READ_INDEX")).sum() > 0,
        "follower reads asked the leader for a read index over raftwire");
  }

  private static long invoke() {
    return System.nanoTime();
  }

  @Test
  void aLeaderThatStopsIsReplacedAndLeadershipCanBeHandedOver() throws Exception {
    cluster = new RatisCluster(data, 3).startAll(2);
    RaftGroup group = cluster.groups.get(0);
    try (RaftClient client = cluster.client(group)) {
      assertTrue(client.io().send(KvStateMachine.put("a", "1")).isSuccess());
      int first = cluster.leader(group);
      cluster.stop(first);
      int second = cluster.leader(group);
      assertTrue(second != first, "a running server took over");
      assertTrue(client.io().send(KvStateMachine.put("a", "2")).isSuccess());

      // The stopped server comes back and is handed leadership: a startLeaderElection over raftwire.
      cluster.start(first, false);
      int wanted = first;
      RatisCluster.Server back = cluster.server(first);
      await().atMost(RatisCluster.WAIT).until(() -> "2".equals(back.machines.get(group.getGroupId()).values.get("a")));
      RaftClientReply transfer = client.admin().transferLeadership(RatisCluster.peerId(wanted), 20_000);
      assertTrue(transfer.isSuccess(), "transfer: " + transfer);
      assertEquals(wanted, cluster.leader(group));
      assertTrue(cluster.server(wanted).counter("requests.received.START_LEADER_ELECTION") > 0);
      assertTrue(client.io().send(KvStateMachine.put("a", "3")).isSuccess());
      assertEquals("3", client.io().sendReadOnly(KvStateMachine.get("a")).getMessage().getContent().toStringUtf8());
    }
  }

  @Test
  void aRestartedServerCatchesUpByLogAndBySnapshot() throws Exception {
    cluster = new RatisCluster(data, 3);
    cluster.snapshotEvery = 40;
    cluster.startAll(2);
    RaftGroup byLog = cluster.groups.get(0);
    RaftGroup bySnapshot = cluster.groups.get(1);
    for (RaftGroup group : cluster.groups) {
      try (RaftClient client = cluster.client(group)) {
        assertTrue(client.io().send(KvStateMachine.put("before", group.getGroupId().toString())).isSuccess());
      }
      await().atMost(RatisCluster.WAIT).until(() -> cluster.server(3).machines.get(group.getGroupId()).values.containsKey("before"));
    }
    cluster.stop(3);
    String kilobyte = "v".repeat(1024);
    try (RaftClient client = cluster.client(byLog)) {
      for (int i = 0; i < 10; i++) {
        assertTrue(client.io().send(KvStateMachine.put("k" + i, "log" + i)).isSuccess());
      }
    }
    try (RaftClient client = cluster.client(bySnapshot)) {
      for (int i = 0; i < 150; i++) {
        assertTrue(client.io().send(KvStateMachine.put("k" + i, kilobyte + i)).isSuccess());
      }
    }
    // Both running servers snapshot past index 40 and purge the log segments before it.
    for (int s = 1; s <= 2; s++) {
      RatisCluster.Server server = cluster.server(s);
      await().atMost(RatisCluster.WAIT).until(() -> server.division(bySnapshot.getGroupId()).orElseThrow()
          .getRaftLog().getStartIndex() > 2);
    }
    RatisCluster.Server restarted = cluster.start(3, false);
    KvStateMachine log = restarted.machines.get(byLog.getGroupId());
    KvStateMachine snap = restarted.machines.get(bySnapshot.getGroupId());
    await().atMost(RatisCluster.WAIT).until(() -> log != null && "log9".equals(log.values.get("k9")));
    await().atMost(RatisCluster.WAIT).until(() -> snap != null && (kilobyte + 149).equals(snap.values.get("k149")));
    assertEquals(byLog.getGroupId().toString(), log.values.get("before"));
    assertEquals(bySnapshot.getGroupId().toString(), snap.values.get("before"));
    assertEquals(0, log.snapshotsInstalled.get(), "the log group caught up by log");
    assertTrue(snap.snapshotsInstalled.get() >= 1, "the other group installed the leader's snapshot");
    assertTrue(restarted.counter("requests.received.INSTALL_SNAPSHOT") > 0, "the snapshot's chunks travelled over raftwire");
  }

  @Test
  void aGroupAddedWhileRunningIsServedAndARemovedOneIsNoLonger() throws Exception {
    cluster = new RatisCluster(data, 3).startAll(2);
    RaftGroup added = cluster.newGroup(100);
    cluster.addGroup(added);
    RangeId range = RatisGroupRanges.hashed().rangeOf(added.getGroupId());
    try (RaftClient client = cluster.client(added)) {
      assertTrue(client.io().send(KvStateMachine.put("new", "yes")).isSuccess());
    }
    for (RatisCluster.Server s : cluster.servers.values()) {
      await().atMost(RatisCluster.WAIT).until(() -> s.rpc().hostedRanges().contains(range));
      await().atMost(RatisCluster.WAIT).until(() -> "yes".equals(s.machines.get(added.getGroupId()).values.get("new")));
    }
    RaftGroup removed = cluster.groups.get(0);
    RangeId removedRange = RatisGroupRanges.hashed().rangeOf(removed.getGroupId());
    cluster.removeGroup(removed);
    for (RatisCluster.Server s : cluster.servers.values()) {
      await().atMost(RatisCluster.WAIT).until(() -> !s.rpc().hostedRanges().contains(removedRange));
      assertFalse(s.division(removed.getGroupId()).isPresent());
    }
    try (RaftClient client = cluster.client(cluster.groups.get(0))) {
      assertTrue(client.io().send(KvStateMachine.put("after", "removal")).isSuccess(), "the other groups go on");
    }
  }

  @Test
  void groupsWhoseIdsMapToOneRangeShareItAndBothWork() throws Exception {
    cluster = new RatisCluster(data, 3);
    cluster.ranges = group -> RangeId.of(5); // a collision, forced
    cluster.startAll(2);
    for (RaftGroup group : cluster.groups) {
      try (RaftClient client = cluster.client(group)) {
        assertTrue(client.io().send(KvStateMachine.put("k", group.getGroupId().toString())).isSuccess());
      }
    }
    for (RatisCluster.Server s : cluster.servers.values()) {
      for (RaftGroup group : cluster.groups) {
        await().atMost(RatisCluster.WAIT).until(() -> group.getGroupId().toString()
            .equals(s.machines.get(group.getGroupId()).values.get("k")));
      }
      assertEquals(Set.of(RangeId.of(5)), s.rpc().hostedRanges());
      assertEquals(1, s.counter("group_collisions"), "the collision is counted once per server");
      assertEquals(0, s.counter("requests.unknown_group"));
    }
  }

  @Test
  void proposalsWaitForCreditsAndEveryCreditReturnsWhenFollowersPersist() throws Exception {
    cluster = new RatisCluster(data, 3);
    cluster.admission = true;
    cluster.startAll(1);
    RaftGroup group = cluster.groups.get(0);
    int leader = cluster.leader(group);
    RatisCluster.Server store = cluster.server(leader);
    ClientId clientId = ClientId.randomId();
    List<CompletableFuture<RaftClientReply>> writes = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      RaftClientRequest request = RaftClientRequest.newBuilder()
          .setClientId(clientId)
          .setServerId(RaftPeerId.valueOf("s" + leader))
          .setGroupId(group.getGroupId())
          .setCallId(i + 1)
          .setMessage(KvStateMachine.put("k", "v" + i))
          .setType(RaftClientRequest.writeRequestType())
          .build();
      writes.add(store.admission.submit(request, Priority.REGULAR));
    }
    for (CompletableFuture<RaftClientReply> write : writes) {
      assertTrue(write.get(60, TimeUnit.SECONDS).isSuccess());
    }
    var metrics = store.metrics;
    String prefix = "raftwire." + store.transport.localStore() + ".credits.";
    await().atMost(RatisCluster.WAIT).until(() -> (Long) metrics.getGauges().get(prefix + "tracked_bytes").getValue() == 0L);
    assertTrue(metrics.timer(prefix + "wait.regular").getCount() >= 50, "every proposal waited for credits");
    assertEquals(0L, metrics.getGauges().get(prefix + "unaccounted_bytes").getValue());
    for (RatisCluster.Server s : cluster.servers.values()) {
      await().atMost(RatisCluster.WAIT).until(() -> "v49".equals(s.machines.get(group.getGroupId()).values.get("k")));
    }
  }

  private static long malformed(RatisCluster.Server s) {
    String prefix = RatisServerRpc.prefixOf(s.transport.localStore()) + ".malformed.";
    return s.metrics.getCounters().entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(e -> e.getValue().getCount())
        .sum();
  }
}
