package io.raftwire.adapter.microraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.RaftNode;
import io.microraft.model.message.RaftMessage;
import io.raftwire.adapter.microraft.MalformedMessageException.Problem;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.InMemoryNetwork;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry between a transport and its nodes, over the in-memory network, with nodes that only
 * record what they are handed: forged senders and undecodable payloads are counted, reported once
 * per sending store and problem, and never handed to a node.
 */
class RangeRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final RangeId RANGE = RangeId.of(42);
  private static final StoreId ATTACKER = StoreId.of(4);

  private final InMemoryNetwork network = InMemoryNetwork.create();
  private final FakeTimebase time = new FakeTimebase();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final MicroRaftCodec codec = new MicroRaftCodec(new StringOperations());
  private final Map<StoreId, RaftTransport> transports = new ConcurrentHashMap<>();
  private final Map<StoreId, RangeRegistry> registries = new ConcurrentHashMap<>();
  private final Map<StoreId, List<RaftMessage>> handled = new ConcurrentHashMap<>();

  @AfterEach
  void close() {
    registries.values().forEach(RangeRegistry::close);
    network.close();
  }

  private RaftTransport transport(StoreId store) {
    return transports.computeIfAbsent(store, network::newTransport);
  }

  /** A registry on {@code store} whose node of {@link #RANGE} records the messages it is handed. */
  private RangeRegistry registry(StoreId store) {
    List<RaftMessage> messages = handled.computeIfAbsent(store, s -> new CopyOnWriteArrayList<>());
    RaftNode node = (RaftNode) Proxy.newProxyInstance(RaftNode.class.getClassLoader(), new Class<?>[] {RaftNode.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "getGroupId":
              return RANGE;
            case "handle":
              messages.add((RaftMessage) args[0]);
              return null;
            case "toString":
              return "recording node of " + RANGE + " on " + store;
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
    RangeRegistry registry = new RangeRegistry(transport(store), codec, envelope -> {}, (envelope, message) -> {},
        new InboundProblems(store, time, lines::add));
    registry.add(node);
    registries.put(store, registry);
    return registry;
  }

  private long refused(Problem problem) {
    return registries.values().stream().mapToLong(r -> r.refused(problem)).sum();
  }

  @Test
  void forgedSendersOfEveryTypeAreRefusedAndCountedWhileTheHonestOnesAreHandled() {
    RangeRegistry s1 = registry(StoreId.of(1));
    RangeRegistry s2 = registry(StoreId.of(2));
    List<RaftMessage> messages = MicroRaftCodecTest.everyMessage();
    for (RaftMessage message : messages) {
      RaftEnvelope honest = codec.encode(message, MicroRaftCodecTest.target(message));
      assertTrue(transport(honest.from().store()).send(honest).isAccepted());
      RaftEnvelope forged = honest.toBuilder().from(ReplicaAddress.of(ATTACKER, ATTACKER.value())).build();
      assertTrue(transport(ATTACKER).send(forged).isAccepted());
    }
    await().atMost(WAIT).until(() -> refused(Problem.WRONG_SENDER) == messages.size()
        && handled.values().stream().mapToInt(List::size).sum() == messages.size());

    List<String> expected = new ArrayList<>();
    for (RaftMessage m : messages) {
      expected.add(m.getClass().getSimpleName() + " from " + m.getSender());
    }
    List<String> got = new ArrayList<>();
    for (List<RaftMessage> received : handled.values()) {
      for (RaftMessage m : received) {
        got.add(m.getClass().getSimpleName() + " from " + m.getSender());
      }
    }
    expected.sort(null);
    got.sort(null);
    assertEquals(expected, got, "each node was handed exactly the honest messages");
    assertTrue(s1.refused(Problem.WRONG_SENDER) > 0 && s2.refused(Problem.WRONG_SENDER) > 0);
    assertEquals(0, refused(Problem.UNDECODABLE) + refused(Problem.WRONG_GROUP) + refused(Problem.WRONG_DESTINATION));
    assertEquals(2, lines.size(), "one line per receiving store for the attacker's forgeries: " + lines);
    assertTrue(lines.stream().allMatch(l -> l.startsWith(ATTACKER + ": wrong_sender: at s")), lines.toString());
  }

  @Test
  void aFloodOfUndecodablePayloadsIsOneLineAndCountedInFull() {
    RangeRegistry s1 = registry(StoreId.of(1));
    int flood = 3000;
    for (int i = 0; i < flood; i++) {
      RaftEnvelope garbage = RaftEnvelope.builder().range(RANGE)
          .from(ReplicaAddress.of(ATTACKER, ATTACKER.value())).to(ReplicaAddress.of(StoreId.of(1), 1))
          .trafficClass(TrafficClass.CONTROL).payload(new byte[] {(byte) 0xFF, (byte) i, 2}).build();
      assertTrue(transport(ATTACKER).send(garbage).isAccepted(), "sent " + i);
    }
    await().atMost(WAIT).until(() -> s1.refused(Problem.UNDECODABLE) == flood);
    assertEquals(flood, s1.decodeFailures());
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith(ATTACKER + ": undecodable: at s1 on " + RANGE), lines.get(0));
    assertTrue(handled.get(StoreId.of(1)).isEmpty(), "nothing reached the node");

    // The flush at the end of the interval writes what the log held back.
    time.advance(Duration.ofNanos(io.raftwire.diagnostics.ProblemLog.DEFAULT_INTERVAL_NANOS));
    assertEquals(List.of(ATTACKER + ": undecodable: " + (flood - 1) + " more in the last 10 s"), lines.subList(1, lines.size()));
  }
}
