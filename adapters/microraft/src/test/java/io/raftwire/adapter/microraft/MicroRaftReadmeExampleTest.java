package io.raftwire.adapter.microraft;

import static org.awaitility.Awaitility.await;

import io.microraft.RaftNode;
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
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      for (long s = 1; s <= 3; s++) {
        RaftTransport transport = network.newTransport(StoreId.of(s));
        StateMachine stateMachine = new TestStore.AppliedLog();
        // --- README MicroRaft example begins
        MicroRaftCodec codec = new MicroRaftCodec(myOperationCodec);
        RangeRegistry ranges = new RangeRegistry(transport, codec);   // one per store
        RaftNode node = RaftNode.newBuilder()
            .setGroupId(RangeId.of(7))                              // the group id is the range
            .setLocalEndpoint(StoreEndpoint.of(transport.localStore()))
            .setInitialGroupMembers(List.of(StoreEndpoint.of(1), StoreEndpoint.of(2), StoreEndpoint.of(3)))
            .setTransport(new MicroRaftTransport(transport, codec))
            .setStateMachine(stateMachine)
            .build();
        ranges.add(node);                                           // inbound messages reach it
        node.start();
        // --- README MicroRaft example ends
        nodes.add(node);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> nodes.get(0).getTerm().getLeaderEndpoint() != null);
      io.microraft.RaftEndpoint leaderEndpoint = nodes.get(0).getTerm().getLeaderEndpoint();
      RaftNode leader = nodes.stream().filter(n -> n.getLocalEndpoint().equals(leaderEndpoint)).findFirst().orElseThrow();
      leader.replicate("hello").join();
      nodes.forEach(n -> n.terminate().join());
    }
  }
}
