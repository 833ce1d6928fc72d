package io.raftwire.admission.credits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.CreditAutoTuning;
import io.raftwire.admission.CreditWindows;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Credit windows sized from measurements, on a model link: proposals fill the window every round
 * trip, the link returns at most its bandwidth times the round trip per round (the rest queues in
 * it), and the least round trip is the link's delay. One fake clock; no threads.
 */
class CreditWindowTunerTest {
  private static final long MiB = 1024L * 1024L;
  private static final long CHUNK = 64 * 1024;
  private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);
  private static final RangeId RANGE = RangeId.of(1);
  private static final StoreId S2 = StoreId.of(2);
  private static final CreditWindows CONFIGURED = CreditWindows.of(2 * MiB, MiB);

  private long now;
  private final CreditController credits = new CreditController(
      AdmissionConfig.builder().regularCreditBytes(CONFIGURED.regularBytes())
          .elasticCreditBytes(CONFIGURED.elasticBytes()).build(),
      () -> now, (p, nanos) -> {});
  private final CreditWindowTuner tuner = new CreditWindowTuner(credits,
      CreditAutoTuning.builder().maxElasticCreditBytes(64 * MiB).intervalNanos(INTERVAL).build(), now);
  private final ArrayDeque<long[]> inLink = new ArrayDeque<>(); // {lastIndex, bytes}, oldest first
  private long index;

  @AfterEach
  void nothingUnaccounted() {
    assertEquals(0, credits.unaccountedBytes(), "credits leaked or were returned twice");
  }

  /** One interval of {@code priority} writes over a link of {@code rttNanos} and {@code bytesPerSecond}. */
  private void interval(Priority priority, long rttNanos, long bytesPerSecond) {
    long rounds = INTERVAL / rttNanos;
    long perRound = bytesPerSecond * rttNanos / INTERVAL;
    for (long round = 0; round < rounds; round++) {
      while (true) { // the library proposes until its proposal must wait for credits
        CompletableFuture<Void> proposal = credits.admitProposal(RANGE, List.of(S2), priority, CHUNK);
        if (!proposal.isDone()) {
          proposal.cancel(false);
          break;
        }
        credits.onAppendAccepted(RANGE, S2, priority, ++index, CHUNK);
        inLink.addLast(new long[] {index, CHUNK});
      }
      long carried = 0; // the link delivers at most perRound bytes each round trip
      long through = -1;
      while (!inLink.isEmpty() && carried + inLink.peekFirst()[1] <= perRound) {
        long[] sent = inLink.pollFirst();
        carried += sent[1];
        through = sent[0];
      }
      if (through >= 0) {
        credits.onAdmitted(RANGE, S2, priority, through);
      }
      tuner.roundTrip(S2, rttNanos + (round % 3) * rttNanos / 2); // some acks queue behind others
    }
    now += INTERVAL;
    tuner.tune(now);
  }

  private long regularWindow() {
    return credits.stats(S2).regularLimit();
  }

  @Test
  void aLongFastLinkGrowsTheWindowToBetweenTwoAndFourBandwidthDelayProducts() {
    long rtt = TimeUnit.MILLISECONDS.toNanos(100);
    long bandwidth = 200 * MiB;
    long bdp = bandwidth / 10;
    for (int i = 0; i < 15; i++) {
      interval(Priority.REGULAR, rtt, bandwidth);
    }
    long window = regularWindow();
    assertTrue(window >= 2 * bdp && window <= 4 * bdp, "window " + window / MiB + " MiB for a BDP of 20 MiB");
    assertEquals(rtt, tuner.roundTripNanos(S2), "the least round trip is the link's");
    assertEquals(window / 2, credits.stats(S2).elasticLimit(), "the elastic window keeps its share");
    long settled = window;
    for (int i = 0; i < 10; i++) {
      interval(Priority.REGULAR, rtt, bandwidth);
    }
    assertEquals(settled, regularWindow(), "a settled window stays put");
  }

  @Test
  void theWindowGrowsAtMostTwofoldPerInterval() {
    interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(200), 1024 * MiB);
    assertEquals(2 * CONFIGURED.regularBytes(), regularWindow());
    interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(200), 1024 * MiB);
    assertEquals(4 * CONFIGURED.regularBytes(), regularWindow());
  }

  @Test
  void aSlowFollowerOnAShortLinkKeepsTheConfiguredWindow() {
    for (int i = 0; i < 10; i++) {
      interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(1), 10 * MiB);
      assertEquals(CONFIGURED.regularBytes(), regularWindow(), "more credits would only queue more at it");
    }
    assertTrue(credits.stats(S2).regularWaits() > 0, "proposals did wait");
  }

  @Test
  void aGrownWindowShrinksBackWhenTheFollowerSlowsDown() {
    for (int i = 0; i < 8; i++) {
      interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(100), 200 * MiB);
    }
    assertTrue(regularWindow() > 8 * CONFIGURED.regularBytes());
    for (int i = 0; i < 10; i++) {
      interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(100), 2 * MiB);
    }
    assertEquals(CONFIGURED.regularBytes(), regularWindow());
    assertTrue(credits.stats(S2).regularAvailable() <= CONFIGURED.regularBytes(), "in use stays in use");
  }

  @Test
  void theWindowNeverExceedsTheConfiguredMaximum() {
    for (int i = 0; i < 12; i++) {
      interval(Priority.ELASTIC, TimeUnit.MILLISECONDS.toNanos(250), 4096 * MiB);
    }
    assertEquals(64 * MiB, credits.stats(S2).elasticLimit());
    assertEquals(128 * MiB, regularWindow());
  }

  @Test
  void elasticWaitsGrowTheWindowByTheElasticShare() {
    interval(Priority.ELASTIC, TimeUnit.MILLISECONDS.toNanos(100), 200 * MiB);
    assertEquals(2 * CONFIGURED.elasticBytes(), credits.stats(S2).elasticLimit());
    assertTrue(credits.stats(S2).elasticWaits() > 0);
  }

  @Test
  void anIdleStreamKeepsItsWindow() {
    for (int i = 0; i < 6; i++) {
      interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(100), 200 * MiB);
    }
    long grown = regularWindow();
    for (int i = 0; i < 5; i++) {
      now += INTERVAL;
      tuner.tune(now);
    }
    assertEquals(grown, regularWindow(), "nothing measured, nothing changed");
  }

  @Test
  void newConfiguredWindowsAreTheFloorTheTunerScalesFrom() {
    for (int i = 0; i < 3; i++) {
      interval(Priority.REGULAR, TimeUnit.MILLISECONDS.toNanos(100), 200 * MiB);
    }
    double scale = tuner.scale(S2);
    assertEquals(8.0, scale);
    credits.updateWindows(CreditWindows.of(4 * MiB, 2 * MiB));
    assertEquals(4 * MiB, regularWindow(), "applied at once");
    now += INTERVAL;
    tuner.tune(now);
    assertEquals(32 * MiB, regularWindow(), "the tuner's scale applies to the new windows");
  }

  @Test
  void badSettingsAreRefusedNamingTheField() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CreditWindows.of(MiB, 2 * MiB)).getMessage()
        .contains("regularBytes"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CreditWindows.of(MiB, 0)).getMessage()
        .contains("elasticBytes"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> CreditAutoTuning.builder().headroom(0.5).build()).getMessage().contains("headroom"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> CreditAutoTuning.builder().intervalNanos(1).build()).getMessage().contains("intervalNanos"));
    CreditAutoTuning small = CreditAutoTuning.builder().maxElasticCreditBytes(MiB).build();
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> AdmissionConfig.builder().elasticCreditBytes(2 * MiB).creditAutoTuning(small).build()).getMessage()
        .contains("maxElasticCreditBytes"));
  }
}
