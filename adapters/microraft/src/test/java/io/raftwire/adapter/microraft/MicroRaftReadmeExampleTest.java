package io.raftwire.adapter.microraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.Ordered;
import io.microraft.RaftNode;
import io.microraft.persistence.NopRaftStore;
import io.microraft.statemachine.StateMachine;
import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The MicroRaft example of README.md, kept compiling and passing here. Change both together. */
class MicroRaftReadmeExampleTest {

  @Test
  void readmeExample() {
    OperationCodec myOperationCodec = new StringOperations();
    List<RaftNode> nodes = new ArrayList<>();
    List<MicroRaftNodes> stores = new ArrayList<>();
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      for (long s = 1; s <= 3; s++) {
        RaftTransport transport = network.newTransport(StoreId.of(s));
        StateMachine stateMachine = new TestStore.AppliedLog();
        // --- README MicroRaft example begins
        MicroRaftCodec codec = new MicroRaftCodec(myOperationCodec);
        MicroRaftNodes ranges = MicroRaftNodes.builder(transport, codec).build();   // one per store
        RaftNode node = ranges.start(RangeId.of(7), RaftNode.newBuilder()
            .setGroupId(RangeId.of(7))                              // the group id is the range
            .setLocalEndpoint(StoreEndpoint.of(transport.localStore()))
            .setInitialGroupMembers(List.of(StoreEndpoint.of(1), StoreEndpoint.of(2), StoreEndpoint.of(3)))
            .setStateMachine(stateMachine), new NopRaftStore());    // your RaftStore
        // Propose with ranges.replicate(node, operation, bytes): with flow control, it waits for credits.
        // --- README MicroRaft example ends
        nodes.add(node);
        stores.add(ranges);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> nodes.get(0).getTerm().getLeaderEndpoint() != null);
      io.microraft.RaftEndpoint leaderEndpoint = nodes.get(0).getTerm().getLeaderEndpoint();
      RaftNode leader = nodes.stream().filter(n -> n.getLocalEndpoint().equals(leaderEndpoint)).findFirst().orElseThrow();
      Ordered<Object> committed = stores.get(nodes.indexOf(leader)).replicate(leader, "hello", 5).join();
      assertTrue(committed.getCommitIndex() > 0, "the proposal committed");
      nodes.forEach(n -> n.terminate().join());
    }
  }
}
