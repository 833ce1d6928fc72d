package io.raftwire.grpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.Registration;
import io.raftwire.transport.TransportLimits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every holder of bytes (a budget) or credits in a transport must satisfy: whatever it holds
 * while a follower is slow, it gives back after the follower disconnects, after a leadership
 * change, and after a replica is removed, and at no point does it hold bytes nothing explains.
 * One subclass per holder says what "held" and "unexplained" are for it, read from the transport's
 * metrics; {@link LeakCheckTest} shows the checks fail for a holder that leaks.
 *
 * <p>Over real gRPC on 127.0.0.1: a leader sends APPENDs to a follower whose handler is blocked, so
 * bytes are queued at the follower, in flight, and credits are deducted and untracked by notices.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class LeakConformance {
  static final StoreId LEADER = StoreId.of(1);
  static final StoreId FOLLOWER = StoreId.of(2);
  static final RangeId R1 = RangeId.of(1);
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Bytes or credits one part of a transport holds. */
  interface Holder {
    /** Held now: must come back to zero once traffic settles. */
    long heldBytes();

    /** Held but explained by nothing that holds them (a leak): must always be zero. */
    long unaccountedBytes();

    /**
     * True if it holds bytes for as long as the follower is stuck; false if it holds them only
     * briefly (the sender's budgets, released by acknowledgements that a stuck handler does not
     * delay), so the suite does not wait to see them held.
     */
    default boolean holdsWhileFollowerIsStuck() {
      return true;
    }
  }

  /** The holder under test, in the leader or the follower. */
  protected abstract Holder holder(GrpcTransport leader, GrpcTransport follower);

  private final GrpcCluster cluster = new GrpcCluster();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  private GrpcTransport leader;
  private GrpcTransport follower;
  private Registration range;

  @AfterEach
  void close() {
    release.countDown();
    cluster.close();
  }

  /** Starts both stores and leaves bytes and credits outstanding everywhere. */
  private Holder loaded() {
    leader = cluster.start(LEADER, TransportLimits.defaults(), c -> c.admission(
        AdmissionConfig.builder().regularCreditBytes(1L << 20).elasticCreditBytes(1L << 19)
            .libraryReportsDurability(true).build()));
    follower = cluster.start(FOLLOWER, TransportLimits.defaults(), c -> c.admission(
        AdmissionConfig.builder().libraryReportsDurability(true).build()));
    range = follower.register(R1, (r, batch) -> {
      entered.countDown();
      try {
        release.await(60, TimeUnit.SECONDS); // a stuck follower: nothing delivered, nothing admitted
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(leader.send(append(1)).isAccepted());
    await().atMost(WAIT).until(() -> entered.getCount() == 0); // the handler holds the first batch
    for (long index = 2; index <= 40; index++) {
      assertTrue(leader.send(append(index)).isAccepted()); // these stay queued behind it
    }
    Holder holder = holder(leader, follower);
    if (holder.holdsWhileFollowerIsStuck()) {
      await().atMost(WAIT).until(() -> holder.heldBytes() > 0);
    }
    assertEquals(0, holder.unaccountedBytes(), "explained while held");
    return holder;
  }

  private static RaftEnvelope append(long index) {
    return RaftEnvelope.builder()
        .range(R1)
        .from(ReplicaAddress.of(LEADER, 1))
        .to(ReplicaAddress.of(FOLLOWER, 2))
        .trafficClass(TrafficClass.APPEND)
        .payload(new byte[8])
        .entries(List.of(LogEntry.of(index, 1, new byte[16 * 1024])))
        .build();
  }

  /** Waits until {@code holder} holds nothing, then checks nothing is unexplained. */
  static void assertNothingHeld(Holder holder, Duration wait) {
    await().atMost(wait).until(() -> holder.heldBytes() == 0);
    assertEquals(0, holder.unaccountedBytes(), "unexplained bytes");
  }

  @Test
  void nothingIsHeldAfterTheFollowerDisconnects() {
    Holder holder = loaded();
    release.countDown();
    follower.close();
    assertNothingHeld(holder, WAIT);
  }

  @Test
  void nothingIsHeldAfterALeadershipChange() {
    Holder holder = loaded();
    FlowControl flow = leader.flowControl().orElseThrow();
    flow.leadershipLost(R1);
    release.countDown(); // the follower's library never reports the entries: nothing returns them but the change
    assertNothingHeld(holder, WAIT);
  }

  @Test
  void nothingIsHeldAfterTheReplicaIsRemoved() {
    Holder holder = loaded();
    leader.flowControl().orElseThrow().replicaRemoved(R1, FOLLOWER);
    release.countDown();
    range.close(); // the follower's replica goes; later APPENDs for it are refused
    assertTrue(leader.send(append(41)).isAccepted());
    assertNothingHeld(holder, WAIT);
  }
}
