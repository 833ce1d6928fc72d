package io.raftwire.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.SendResult;
import io.raftwire.transport.TransportLimits;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Behaviour specific to the in-memory transport: global budget and fault injection. */
@ExtendWith(SeedReporter.class)
class InMemoryNetworkTest {
  private static final StoreId S1 = StoreId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final StoreId S3 = StoreId.of(3);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final List<InMemoryNetwork> networks = new ArrayList<>();

  @AfterEach
  void closeNetworks() {
    networks.forEach(InMemoryNetwork::close);
  }

  private InMemoryNetwork network(long seed) {
    InMemoryNetwork network = InMemoryNetwork.create(seed);
    networks.add(network);
    return network;
  }

  private static RaftEnvelope message(StoreId from, StoreId to, TrafficClass lane, long seq, int bytes) {
    return RaftEnvelope.builder()
        .range(RangeId.of(1))
        .from(ReplicaAddress.of(from, 1))
        .to(ReplicaAddress.of(to, 2))
        .trafficClass(lane)
        .payload(ByteBuffer.allocate(8 + bytes).putLong(seq).array())
        .build();
  }

  private static long seq(RaftEnvelope e) {
    return e.payload().getLong(0);
  }

  /** Records the sequence numbers delivered to range 1 of {@code transport}, in order. */
  private static ConcurrentLinkedQueue<Long> inbox(RaftTransport transport) {
    ConcurrentLinkedQueue<Long> seqs = new ConcurrentLinkedQueue<>();
    transport.register(RangeId.of(1), (range, batch) -> batch.forEach(e -> seqs.add(seq(e))));
    return seqs;
  }

  @Test
  void globalBudgetCapsAllDestinationsTogether() throws Exception {
    InMemoryNetwork network = network(1);
    TransportLimits limits =
        TransportLimits.builder()
            .appendLaneBytes(64 * 1024)
            .snapshotLaneBytes(64 * 1024)
            .globalQueueBytes(96 * 1024)
            .maxMessageBytes(16 * 1024)
            .build();
    RaftTransport a = network.newTransport(S1, limits);
    CountDownLatch release = new CountDownLatch(1);
    for (StoreId store : List.of(S2, S3)) {
      network
          .newTransport(store)
          .register(RangeId.of(1), (range, batch) -> awaitLatch(release));
    }
    List<DropReason> toS2 = sendUntilRefused(a, S2);
    assertEquals(DropReason.LANE_BUDGET, toS2.get(toS2.size() - 1));
    long queued = network.queuedBytes(S1, S2, TrafficClass.APPEND);
    assertTrue(Math.abs(queued - 64 * 1024) <= 1024, "queued " + queued + " bytes, expected 64 KiB +/- 1 KiB");
    List<DropReason> toS3 = sendUntilRefused(a, S3);
    assertEquals(DropReason.GLOBAL_BUDGET, toS3.get(toS3.size() - 1));
    long total =
        network.queuedBytes(S1, S2, TrafficClass.APPEND) + network.queuedBytes(S1, S3, TrafficClass.APPEND);
    assertTrue(total <= 96 * 1024, "queued " + total);
    assertTrue(a.send(message(S1, S2, TrafficClass.CONTROL, 0, 10)).isAccepted(), "CONTROL has its own lane");

    release.countDown();
    await().atMost(WAIT).until(() -> network.queuedBytes(S1, S2, TrafficClass.APPEND) == 0
        && network.queuedBytes(S1, S3, TrafficClass.APPEND) == 0);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<DropReason> sendUntilRefused(RaftTransport from, StoreId to) {
    List<DropReason> results = new ArrayList<>();
    for (int seq = 0; seq < 1000; seq++) {
      SendResult result = from.send(message(from.localStore(), to, TrafficClass.APPEND, seq, 4000));
      if (!result.isAccepted()) {
        results.add(result.reason().orElseThrow());
        return results;
      }
    }
    throw new AssertionError("never refused");
  }

  @Test
  void dropsAreReproducibleFromTheSeedAndReported() {
    Set<Long> first = droppedWithSeed(7);
    Set<Long> again = droppedWithSeed(7);
    Set<Long> other = droppedWithSeed(8);
    assertEquals(first, again, "same seed, same drops");
    assertNotEquals(first, other, "another seed, other drops");
    assertTrue(first.size() > 20 && first.size() < 100, "about 30% of 200 dropped: " + first.size());
  }

  private Set<Long> droppedWithSeed(long seed) {
    InMemoryNetwork network = network(seed);
    RaftTransport a = network.newTransport(S1);
    ConcurrentLinkedQueue<Long> delivered = inbox(network.newTransport(S2));
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);
    network.faults().set(S1, S2, FaultSpec.builder().dropProbability(0.3).build());
    for (int seq = 0; seq < 200; seq++) {
      assertTrue(a.send(message(S1, S2, TrafficClass.APPEND, seq, 10)).isAccepted());
    }
    await().atMost(WAIT).until(() -> delivered.size() + drops.size() == 200);
    Set<Long> dropped = new HashSet<>();
    for (DroppedMessage d : drops) {
      assertEquals(DropReason.UNREACHABLE, d.reason());
      assertTrue(d.acceptedBySend());
      dropped.add(seq(d.envelope().orElseThrow()));
    }
    Set<Long> both = new HashSet<>(dropped);
    both.retainAll(delivered);
    assertEquals(Set.of(), both, "dropped and delivered");
    return dropped;
  }

  @Test
  void oneWayPartitionCutsOneDirectionUntilHealed() {
    InMemoryNetwork network = network(2);
    RaftTransport a = network.newTransport(S1);
    RaftTransport b = network.newTransport(S2);
    ConcurrentLinkedQueue<Long> atA = inbox(a);
    ConcurrentLinkedQueue<Long> atB = inbox(b);

    network.faults().partitionOneWay(S1, S2);
    assertFalse(a.isReachable(S2));
    assertTrue(b.isReachable(S1));
    assertEquals(Optional.of(DropReason.UNREACHABLE),
        a.send(message(S1, S2, TrafficClass.CONTROL, 1, 1)).reason());
    assertTrue(b.send(message(S2, S1, TrafficClass.CONTROL, 2, 1)).isAccepted());
    await().atMost(WAIT).until(() -> atA.contains(2L));

    network.faults().partition(S1, S2);
    assertFalse(b.isReachable(S1));
    network.faults().heal(S1, S2);
    assertTrue(a.isReachable(S2) && b.isReachable(S1));
    assertTrue(a.send(message(S1, S2, TrafficClass.CONTROL, 3, 1)).isAccepted());
    await().atMost(WAIT).until(() -> atB.contains(3L));
  }

  @Test
  void delayWithJitterKeepsTheLinkOrder() {
    InMemoryNetwork network = network(3);
    RaftTransport a = network.newTransport(S1);
    ConcurrentLinkedQueue<Long> atB = inbox(network.newTransport(S2));
    network.faults().set(S1, S2, TrafficClass.APPEND,
        FaultSpec.builder().delay(Duration.ofMillis(1), Duration.ofMillis(5)).build());
    List<Long> sent = new ArrayList<>();
    for (long seq = 0; seq < 100; seq++) {
      assertTrue(a.send(message(S1, S2, TrafficClass.APPEND, seq, 10)).isAccepted());
      sent.add(seq);
    }
    await().atMost(WAIT).until(() -> atB.size() == 100);
    assertEquals(sent, new ArrayList<>(atB));
    assertEquals(0, network.queuedBytes(S1, S2, TrafficClass.APPEND));
  }

  @Test
  void duplicatesAreDeliveredTwiceAndNeverReported() {
    InMemoryNetwork network = network(4);
    RaftTransport a = network.newTransport(S1);
    ConcurrentLinkedQueue<Long> atB = inbox(network.newTransport(S2));
    ConcurrentLinkedQueue<DroppedMessage> drops = new ConcurrentLinkedQueue<>();
    a.addDropListener(drops::add);
    network.faults().set(S1, S2, FaultSpec.builder().duplicateProbability(1.0).build());
    for (long seq = 0; seq < 50; seq++) {
      assertTrue(a.send(message(S1, S2, TrafficClass.CONTROL, seq, 10)).isAccepted());
    }
    await().atMost(WAIT).until(() -> atB.size() == 100);
    for (long seq = 0; seq < 50; seq++) {
      long s = seq;
      assertEquals(2, atB.stream().filter(x -> x == s).count(), "copies of " + seq);
    }
    assertEquals(0, drops.size());
    assertEquals(0, network.queuedBytes(S1, S2, TrafficClass.CONTROL));
  }

  @Test
  void reorderSwapsMessagesButLosesNone() {
    InMemoryNetwork network = network(5);
    RaftTransport a = network.newTransport(S1);
    ConcurrentLinkedQueue<Long> atB = inbox(network.newTransport(S2));
    network.faults().set(S1, S2, FaultSpec.builder().reorderProbability(0.5).build());
    List<Long> sent = new ArrayList<>();
    for (long seq = 0; seq < 200; seq++) {
      assertTrue(a.send(message(S1, S2, TrafficClass.APPEND, seq, 10)).isAccepted());
      sent.add(seq);
    }
    await().atMost(WAIT).until(() -> atB.size() == 200);
    assertEquals(new HashSet<>(sent), new HashSet<>(atB));
    assertNotEquals(sent, new ArrayList<>(atB), "nothing was reordered");
  }

  @Test
  void aStoreHasOneOpenTransportAndValidatesArguments() {
    InMemoryNetwork network = network(6);
    RaftTransport a = network.newTransport(S1);
    assertThrows(IllegalStateException.class, () -> network.newTransport(S1));
    assertThrows(IllegalArgumentException.class,
        () -> network.newTransport(S2, TransportLimits.defaults(), 0));
    a.close();
    network.newTransport(S1).close(); // the store may start again after close
    assertThrows(IllegalArgumentException.class,
        () -> FaultSpec.builder().dropProbability(1.5));
  }

  @Test
  void seedReporterNamesTheSeedOfAFailingTest() {
    SeedReporter reporter = new SeedReporter();
    ExtensionContext context =
        (ExtensionContext)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) -> method.getName().equals("getDisplayName") ? "demo()" : null);
    reporter.beforeEach(context);
    network(1234);
    AssertionError failure = new AssertionError("expected");
    Throwable thrown = assertThrows(Throwable.class,
        () -> reporter.handleTestExecutionException(context, failure));
    assertEquals(failure, thrown);
    String note = thrown.getSuppressed()[0].getMessage();
    assertTrue(note.contains("-Draftwire.seed=1234"), note);
  }
}
