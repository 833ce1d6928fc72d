package io.raftwire.example.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.microraft.RaftEndpoint;
import io.raftwire.adapter.microraft.StoreEndpoint;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which follower a closing leader hands a range to. */
class LeadershipHandoffTest {
  private static final RaftEndpoint S1 = StoreEndpoint.of(1);
  private static final RaftEndpoint S2 = StoreEndpoint.of(2);
  private static final RaftEndpoint S3 = StoreEndpoint.of(3);
  private static final RaftEndpoint S4 = StoreEndpoint.of(4);
  private static final List<RaftEndpoint> VOTERS = List.of(S1, S2, S3, S4);

  @Test
  void theTargetIsTheReachableVotingFollowerWithTheHighestMatchIndex() {
    Map<RaftEndpoint, Long> match = Map.of(S2, 90L, S3, 100L, S4, 120L);
    assertEquals(Optional.of(S4), LeadershipHandoff.target(S1, VOTERS, match, e -> true), "the most caught-up follower");
    assertEquals(Optional.of(S3), LeadershipHandoff.target(S1, VOTERS, match, e -> !e.equals(S4)),
        "an unreachable follower is passed over, however caught up");
    assertEquals(Optional.of(S3), LeadershipHandoff.target(S1, List.of(S1, S2, S3), match, e -> true),
        "a learner (not a voting member) is never the target");
    assertEquals(Optional.of(S2), LeadershipHandoff.target(S1, VOTERS, Map.of(S2, 7L, S3, 7L, S4, 7L), e -> true),
        "ties go to the lowest store id");
    assertEquals(Optional.of(S3), LeadershipHandoff.target(S1, VOTERS, Map.of(S3, 1L), e -> true),
        "a follower the leader has no match index for counts as index 0");
    assertEquals(Optional.empty(), LeadershipHandoff.target(S1, VOTERS, match, Set.of(S1)::contains),
        "no reachable follower: no target (the leader itself never is one)");
  }
}
