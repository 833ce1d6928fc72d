package io.raftwire;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.SendResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The SPI example of README.md, kept compiling and passing here. Change both together. */
class ReadmeExampleTest {

  @Test
  void readmeExample() {
    List<String> log = new CopyOnWriteArrayList<>();
    // --- README example begins
    try (InMemoryNetwork network = InMemoryNetwork.create()) {
      RaftTransport store1 = network.newTransport(StoreId.of(1));
      RaftTransport store2 = network.newTransport(StoreId.of(2));

      // Inbound: one handler per range; calls for a range are serial, in batches.
      store2.register(RangeId.of(7), (range, batch) ->
          batch.forEach(m -> log.add(range + " got " + m.trafficClass())));
      // Every message that will not be delivered is reported ("report unreachable").
      store1.addDropListener(dropped -> log.add("dropped: " + dropped.reason()));

      RaftEnvelope heartbeat = RaftEnvelope.builder()
          .range(RangeId.of(7))
          .from(ReplicaAddress.of(StoreId.of(1), 1))
          .to(ReplicaAddress.of(StoreId.of(2), 2))
          .trafficClass(TrafficClass.CONTROL)
          .payload("heartbeat".getBytes(StandardCharsets.UTF_8))
          .build();
      SendResult result = store1.send(heartbeat);   // never blocks
      if (!result.isAccepted()) {
        log.add("refused: " + result.reason().orElseThrow());
      }
      // --- README example ends
      await().until(() -> log.contains("r7 got CONTROL"));
    }
    assertEquals(List.of("r7 got CONTROL"), log);
  }
}
