package io.raftwire.example.kv;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.report.RaftNodeReport;
import io.microraft.report.RaftNodeReportListener;
import io.microraft.report.RaftTerm;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Follows one Raft node's reports (MicroRaft publishes one whenever the node learns of a leader),
 * so that a shutdown can wait, without polling, until the node follows a leader other than itself:
 * the sign that a leadership transfer ended with a new leader in place.
 */
final class LeaderWatch implements RaftNodeReportListener {
  private final Object lock = new Object();

  @GuardedBy("lock")
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(int afterTerm, CompletableFuture<RaftTerm> done) {}

  /** Called by MicroRaft on the node's thread. */
  @Override
  public void accept(RaftNodeReport report) {
    offer(report.getEndpoint(), report.getTerm());
  }

  /**
   * {@return a future completed with the node's term once {@code node} follows a leader other than
   * itself in a term after {@code afterTerm}} It never fails; the caller bounds the wait.
   */
  CompletableFuture<RaftTerm> followsAnotherLeader(RaftNode node, int afterTerm) {
    CompletableFuture<RaftTerm> done = new CompletableFuture<>();
    synchronized (lock) {
      waiters.add(new Waiter(afterTerm, done));
    }
    offer(node.getLocalEndpoint(), node.getTerm()); // it may have happened before the waiter was added
    return done;
  }

  private void offer(RaftEndpoint self, RaftTerm term) {
    RaftEndpoint leader = term.getLeaderEndpoint();
    if (leader == null || leader.equals(self)) {
      return;
    }
    List<Waiter> ready = new ArrayList<>();
    synchronized (lock) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (term.getTerm() > w.afterTerm()) {
          ready.add(w);
          it.remove();
        }
      }
    }
    ready.forEach(w -> w.done().complete(term));
  }
}
