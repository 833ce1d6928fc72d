package io.raftwire.example.kv;

import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.report.RaftNodeReport;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.topology.RangeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * How a closing store hands off the ranges it leads: for each, MicroRaft's leadership transfer to
 * the reachable voting follower with the highest match index (the leader's replication state, from
 * {@link RaftNode#getReport()}), all ranges at once, within one deadline. A handoff is done when the
 * old leader follows another leader in a later term: the transfer's future completes when the old
 * leader steps down for the target's election, and its node learns the winner from the winner's
 * first append. A transfer MicroRaft gives up on (its own timeout) is tried again, with the target
 * picked afresh, while the deadline allows. Nothing here terminates a node.
 */
final class LeadershipHandoff {
  /** What became of one range's handoff. */
  enum Result {
    /** Another store leads it now. */
    HANDED_OFF,
    /**
     * No other voter of it was reachable: the stores of its group are stopping too (the last store
     * of a cluster that stops), or were down already, which their peers have warned of.
     */
    NOBODY_TO_HAND_TO,
    /** No handoff was asked for (a store closed without one, or a timeout of 0). */
    NOT_ASKED,
    /** A reachable follower was there, but the transfer failed or ran out of time: worth a warning. */
    FAILED
  }

  /** What became of one range this store led when the handoff began. */
  record Outcome(RangeId range, Result result, String detail) {
    boolean handedOff() {
      return result == Result.HANDED_OFF;
    }
  }

  /** The handoff of a range found no reachable voting follower. */
  private static final class NobodyToHandTo extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NobodyToHandTo() {
      super("no reachable voting follower to hand it to");
    }
  }

  private LeadershipHandoff() {}

  /**
   * The follower to hand a range to: among {@code voters} other than {@code self} that are {@code
   * reachable}, the one with the highest match index (an unknown index counts as 0), ties to the
   * lowest store id; empty if there is none.
   */
  static Optional<RaftEndpoint> target(RaftEndpoint self, Collection<RaftEndpoint> voters,
      Map<RaftEndpoint, Long> matchIndices, Predicate<RaftEndpoint> reachable) {
    Comparator<RaftEndpoint> byMatch = Comparator.comparingLong(e -> matchIndices.getOrDefault(e, 0L));
    Comparator<RaftEndpoint> best = byMatch.reversed().thenComparing(LeadershipHandoff::storeOrder);
    return voters.stream().filter(e -> !e.equals(self)).filter(reachable).min(best);
  }

  private static long storeOrder(RaftEndpoint endpoint) {
    return endpoint instanceof StoreEndpoint ? ((StoreEndpoint) endpoint).store().value() : Long.MAX_VALUE;
  }

  /**
   * Hands off every range of {@code led} at once and waits for all of them until {@code
   * deadlineNanos} ({@link System#nanoTime()}); a range whose handoff fails or is not done by then
   * is reported so, and its transfer is left to end on its own.
   */
  static List<Outcome> run(Map<RangeId, RaftNode> led, Map<RangeId, LeaderWatch> watches,
      Predicate<RaftEndpoint> reachable, long deadlineNanos) {
    Map<RangeId, CompletableFuture<String>> handoffs = new TreeMap<>();
    led.forEach((range, node) -> handoffs.put(range, handOff(node, watches.get(range), reachable, deadlineNanos, 1)));
    List<Outcome> outcomes = new ArrayList<>();
    handoffs.forEach((range, handoff) -> {
      try {
        outcomes.add(new Outcome(range, Result.HANDED_OFF,
            handoff.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)));
      } catch (TimeoutException e) {
        outcomes.add(new Outcome(range, Result.FAILED, "not handed off within the shutdown's leadership transfer timeout"));
      } catch (ExecutionException e) {
        outcomes.add(e.getCause() instanceof NobodyToHandTo
            ? new Outcome(range, Result.NOBODY_TO_HAND_TO, e.getCause().getMessage())
            : new Outcome(range, Result.FAILED, String.valueOf(e.getCause())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        outcomes.add(new Outcome(range, Result.FAILED, "interrupted"));
      }
    });
    return outcomes;
  }

  /**
   * One try, and another while time is left if MicroRaft's transfer timed out (it gives up after
   * about its heartbeat timeout, e.g. when the target did not answer its election trigger).
   */
  private static CompletableFuture<String> handOff(RaftNode node, LeaderWatch watch, Predicate<RaftEndpoint> reachable,
      long deadlineNanos, int attempt) {
    return node.getReport().thenCompose(ordered -> {
      RaftNodeReport report = ordered.getResult();
      if (report.getRole() != RaftRole.LEADER) {
        return CompletableFuture.completedFuture("stepped down on its own before its handoff");
      }
      Optional<RaftEndpoint> to = target(report.getEndpoint(), report.getCommittedMembers().getVotingMembers(),
          report.getLog().getFollowerMatchIndices(), reachable);
      if (to.isEmpty()) {
        return CompletableFuture.<String>failedFuture(new NobodyToHandTo());
      }
      int term = report.getTerm().getTerm();
      return node.transferLeadership(to.get())
          .thenCompose(stepped -> watch.followsAnotherLeader(node, term))
          .thenApply(now -> "to " + now.getLeaderEndpoint() + " (term " + term + " -> " + now.getTerm() + ")"
              + (attempt > 1 ? " at try " + attempt : ""));
    }).exceptionallyCompose(e -> {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof TimeoutException && System.nanoTime() < deadlineNanos) {
        return handOff(node, watch, reachable, deadlineNanos, attempt + 1);
      }
      return CompletableFuture.failedFuture(cause);
    });
  }
}
