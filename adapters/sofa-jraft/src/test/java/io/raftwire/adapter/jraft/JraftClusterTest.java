package io.raftwire.adapter.jraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.RaftOutter.EntryMeta;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.RequestVoteRequest;
import com.alipay.sofa.jraft.util.Describer;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.codec.JraftCodec;
import io.raftwire.testkit.history.LinearizabilityChecker;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A jraft cluster of 3 stores x 8 groups over raftwire's gRPC transport on 127.0.0.1: elections,
 * replication, a concurrent history that must be linearizable, a store that restarts and catches up
 * by log and by snapshot, a removed peer, and a store that forges the leader's append.
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

  @Test
  void aForgedAppendInTheLeadersNameFromAnotherStoreIsRefusedAndTheLogStaysAsItWas() throws Exception {
    cluster = new JraftCluster(data, 3, List.of("g"), 1000).startAll();
    Node leader = leadBy(2, "g");
    JraftCluster.Store victim = cluster.store(1);
    JraftCluster.Store attacker = cluster.store(3);
    JraftCluster.apply(leader, KvMachine.put("a", "1")).get(30, TimeUnit.SECONDS);
    await().atMost(JraftCluster.WAIT).until(() -> cluster.stores.values().stream()
        .allMatch(s -> "1".equals(s.machines.get("g").values.get("a"))));
    Node victimNode = victim.nodes.get("g");
    long term = termOf(victimNode);
    long lastIndex = victimNode.getLastLogIndex();
    assertEquals(termOf(leader), term);
    assertEquals(leader.getLastLogIndex(), lastIndex);

    // Store 3, a follower that knows the group's term and log, sends store 1 an append in store 2's
    // (the leader's) name that fits store 1's log exactly and carries a forged Put, and a vote in
    // store 2's name in a much higher term. Believed, the append would put the Put into store 1's
    // log and state machine, the vote would move its term.
    String claimed = cluster.peer(2).toString();
    String target = cluster.peer(1).toString();
    byte[] forgedPut = toBytes(KvMachine.put("a", "forged"));
    List<Message> forgeries = List.of(
        AppendEntriesRequest.newBuilder().setGroupId("g").setServerId(claimed).setPeerId(target).setTerm(term)
            .setPrevLogTerm(term).setPrevLogIndex(lastIndex).setCommittedIndex(lastIndex + 1)
            .addEntries(EntryMeta.newBuilder().setTerm(term).setType(EntryType.ENTRY_TYPE_DATA).setDataLen(forgedPut.length))
            .setData(ByteString.copyFrom(forgedPut)).build(),
        RequestVoteRequest.newBuilder().setGroupId("g").setServerId(claimed).setPeerId(target).setTerm(term + 10)
            .setLastLogTerm(term + 10).setLastLogIndex(lastIndex + 1_000).setPreVote(false).build());
    JraftCodec codec = new JraftCodec();
    RangeId range = GroupRanges.hashed().rangeOf("g");
    long callId = 1L << 62; // far above the attacker's own call ids
    for (Message forged : forgeries) {
      assertTrue(attacker.transport.send(codec.request(forged, callId++, range, range, ReplicaAddress.of(attacker.id, 1),
          ReplicaAddress.of(victim.id, 1), 5)).isAccepted(), "the attacker's transport lets it send as itself");
    }

    var refused = victim.transport.metrics().counter("raftwire." + victim.id + ".jraft.malformed.WRONG_SENDER");
    var toldSo = attacker.transport.metrics().counter("raftwire." + attacker.id + ".jraft.failures_received.IDENTITY_MISMATCH");
    await().atMost(JraftCluster.WAIT).until(() -> refused.getCount() == 2 && toldSo.getCount() == 2);
    assertEquals(term, termOf(victimNode), "the victim's term did not move");
    assertEquals(lastIndex, victimNode.getLastLogIndex(), "the forged entry is not in the victim's log");
    assertEquals("1", victim.machines.get("g").values.get("a"));
    assertEquals(cluster.peer(2), victimNode.getLeaderId());
    assertTrue(leader.isLeader(), "leadership did not move");

    // Honest traffic still flows: the leader's next write reaches every store, in the same term.
    JraftCluster.apply(leader, KvMachine.put("a", "2")).get(30, TimeUnit.SECONDS);
    await().atMost(JraftCluster.WAIT).until(() -> cluster.stores.values().stream()
        .allMatch(s -> "2".equals(s.machines.get("g").values.get("a"))));
    assertEquals(lastIndex + 1, victimNode.getLastLogIndex());
    assertEquals(term, termOf(victimNode));
    assertEquals(term, termOf(leader));
    for (JraftCluster.Store s : cluster.stores.values()) {
      assertEquals(s == victim ? 2 : 0, malformed(s), s.id + ": honest traffic is never refused");
    }
  }

  /** Moves the leadership of {@code group} to store {@code s}; its node, once the stores agree. */
  private Node leadBy(long s, String group) {
    Node wanted = cluster.store(s).nodes.get(group);
    cluster.leader(group);
    await().atMost(JraftCluster.WAIT).pollInterval(java.time.Duration.ofSeconds(2)).until(() -> {
      if (wanted.isLeader()) {
        return true;
      }
      for (JraftCluster.Store other : cluster.stores.values()) {
        Node n = other.nodes.get(group);
        if (n.isLeader()) {
          var unused = n.transferLeadershipTo(cluster.peer(s)); // refused while a transfer runs: tried again
        }
      }
      return false;
    });
    assertEquals(wanted, cluster.leader(group));
    return wanted;
  }

  private static byte[] toBytes(java.nio.ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** The node's current term, as jraft describes the node. */
  private static long termOf(Node node) {
    StringWriter text = new StringWriter();
    node.describe(new Describer.DefaultPrinter(new PrintWriter(text)));
    Matcher term = Pattern.compile("(?m)^term: (\\d+)").matcher(text.toString());
    assertTrue(term.find(), text.toString());
    return Long.parseLong(term.group(1));
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
