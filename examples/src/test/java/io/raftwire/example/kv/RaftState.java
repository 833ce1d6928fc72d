package io.raftwire.example.kv;

import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.report.RaftNodeReport;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.example.cluster.LocalCluster;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What every MicroRaft node of a cluster knows, read from the nodes themselves: per range and store
 * its term, the leader it follows, and where its log ends and commits. Two readings of a quiet
 * cluster are equal unless something changed a term, a leader or a log.
 *
 * @param replicas by {@code r<range>@s<store>}
 */
record RaftState(Map<String, Replica> replicas) {
  /** One node's view. */
  record Replica(int term, RaftEndpoint leader, long lastLogIndex, int lastLogTerm, long commitIndex) {}

  /** Reads every running node of {@code cluster}. */
  static RaftState of(LocalCluster cluster) {
    Map<String, Replica> replicas = new TreeMap<>();
    for (KvNode node : cluster.nodes()) {
      for (RangeId range : node.hostedRanges()) {
        RaftNode raft = node.node(range).orElseThrow();
        RaftNodeReport report = raft.getReport().orTimeout(10, TimeUnit.SECONDS).join().getResult();
        replicas.put(range + "@" + node.store(), new Replica(report.getTerm().getTerm(),
            report.getTerm().getLeaderEndpoint(), report.getLog().getLastLogOrSnapshotIndex(),
            report.getLog().getLastLogOrSnapshotTerm(), report.getLog().getCommitIndex()));
      }
    }
    return new RaftState(replicas);
  }

  /** True if every replica of a range agrees on term, leader and log, all of it committed. */
  boolean quiet() {
    Map<String, Replica> first = new TreeMap<>();
    for (Map.Entry<String, Replica> e : replicas.entrySet()) {
      String range = e.getKey().substring(0, e.getKey().indexOf('@'));
      Replica r = e.getValue();
      if (r.leader() == null || r.commitIndex() != r.lastLogIndex()) {
        return false;
      }
      Replica other = first.putIfAbsent(range, r);
      if (other != null && !other.equals(r)) {
        return false;
      }
    }
    return true;
  }

  /** The terms and leaders only: what honest writes must not change either. */
  Map<String, String> leadership() {
    Map<String, String> out = new TreeMap<>();
    replicas.forEach((k, r) -> out.put(k, "term " + r.term() + " led by " + r.leader()));
    return out;
  }

  /** The leader of every range, as the nodes see it. */
  boolean ledBy(StoreId store) {
    return replicas.values().stream().allMatch(r -> StoreEndpoint.of(store).equals(r.leader()));
  }
}
