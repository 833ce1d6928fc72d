package io.raftwire.example.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.example.faults.Workload.Op;
import io.raftwire.example.faults.Workload.Outcome;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fault suite's checks catch what they are for, and name the anomaly briefly (times in ns). */
class HistoryCheckTest {
  private static final List<Op> HISTORY = List.of(
      new Op("k", true, "v1", 0, 10000, Outcome.OK),
      new Op("k", true, "v2", 20000, 30000, Outcome.OK),
      new Op("k", true, "v3", 25000, 40000, Outcome.UNKNOWN),
      new Op("k", false, "v2", 31000, 35000, Outcome.OK),
      new Op("k", false, null, 36000, 37000, Outcome.FAIL));

  @Test
  void aHealthyHistoryPasses() {
    assertEquals(List.of(), HistoryCheck.linearizable(HISTORY, List.of("k"), 0));
    assertEquals(List.of(), HistoryCheck.nothingLost(HISTORY, Map.of("k", Optional.of("v2"))));
    assertEquals(List.of(), HistoryCheck.nothingLost(HISTORY, Map.of("k", Optional.of("v3"))),
        "a later write of unknown outcome may win");
    assertEquals(List.of(), HistoryCheck.replicasAgree(Map.of(1L, Map.of("r1/k", "v2"), 2L, Map.of("r1/k", "v2"))));
  }

  @Test
  void aLostAcknowledgedWriteIsNamed() {
    List<String> anomalies = HistoryCheck.nothingLost(HISTORY, Map.of("k", Optional.of("v1")));
    assertEquals(1, anomalies.size(), anomalies.toString());
    assertTrue(anomalies.get(0).startsWith("lost write: k reads v1 at the end"), anomalies.get(0));
    assertEquals(1, HistoryCheck.nothingLost(HISTORY, Map.of("k", Optional.empty())).size(), "the key vanished");
  }

  @Test
  void aStaleReadAndDisagreeingReplicasAreNamed() {
    List<Op> stale = new java.util.ArrayList<>(HISTORY);
    stale.add(new Op("k", false, "v1", 50000, 60000, Outcome.OK));
    List<String> anomalies = HistoryCheck.linearizable(stale, List.of("k"), 0);
    assertEquals(1, anomalies.size());
    assertTrue(anomalies.get(0).contains("R(k=v1)"), anomalies.get(0));
    assertEquals(List.of("replicas disagree on r1/k: [s1=v2, s2=v1]"),
        HistoryCheck.replicasAgree(new java.util.TreeMap<>(Map.of(1L, Map.of("r1/k", "v2"), 2L, Map.of("r1/k", "v1")))));
  }
}
