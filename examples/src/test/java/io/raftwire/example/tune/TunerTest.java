package io.raftwire.example.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.example.tune.Tuner.Proposal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The tuner's rules, on scrapes written out by hand: what each symptom proposes, and why. */
class TunerTest {
  private static final long MiB = 1024 * 1024;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** One scrape of store s1 with one peer, s2. */
  private static Scrape scrape(long second, long laneRefusals, long appendCharged, long receiverDrops, long rangeQueued,
      long creditsAvailable, long deducted, long returned, long waits) {
    String text = String.join("\n",
        "# TYPE raftwire_sender_refused counter",
        "raftwire_sender_refused_total{reason=\"LANE_BUDGET\",store=\"s1\"} " + laneRefusals,
        "raftwire_sender_refused_total{reason=\"GLOBAL_BUDGET\",store=\"s1\"} 0",
        "raftwire_sender_charged_bytes{dest=\"s2\",lane=\"append\",store=\"s1\"} " + appendCharged,
        "raftwire_sender_limit_bytes{dest=\"s2\",lane=\"append\",store=\"s1\"} " + 64 * MiB,
        "raftwire_sender_charged_bytes{dest=\"s2\",lane=\"control\",store=\"s1\"} 1024",
        "raftwire_sender_limit_bytes{dest=\"s2\",lane=\"control\",store=\"s1\"} " + 4 * MiB,
        "raftwire_sender_global_charged_bytes{store=\"s1\"} " + appendCharged,
        "raftwire_sender_global_limit_bytes{store=\"s1\"} " + 256 * MiB,
        "raftwire_receiver_dropped_total{reason=\"RECEIVER_BUDGET\",store=\"s1\"} " + receiverDrops,
        "raftwire_receiver_queued_bytes_append{store=\"s1\"} " + MiB,
        "raftwire_receiver_limit_bytes_append{store=\"s1\"} " + 256 * MiB,
        "raftwire_receiver_range_queued_bytes_append{range=\"r3\",store=\"s1\"} " + rangeQueued,
        "raftwire_receiver_range_queued_bytes_append{range=\"r4\",store=\"s1\"} 0",
        "raftwire_receiver_range_limit_bytes_append{store=\"s1\"} " + 16 * MiB,
        "raftwire_credits_regular_limit_bytes{dest=\"s2\",store=\"s1\"} " + 16 * MiB,
        "raftwire_credits_regular_available{dest=\"s2\",store=\"s1\"} " + creditsAvailable,
        "raftwire_credits_deducted_bytes_total{dest=\"s2\",store=\"s1\"} " + deducted,
        "raftwire_credits_returned_bytes_total{dest=\"s2\",store=\"s1\"} " + returned,
        "raftwire_credits_wait_seconds_count{priority=\"regular\",store=\"s1\"} " + waits,
        "raftwire_credits_wait_seconds{priority=\"regular\",store=\"s1\",quantile=\"0.99\"} NaN",
        "");
    return Scrape.parse(text, second * SECOND);
  }

  @Test
  void aLaneThatRefusedWorkAtItsLimitIsDoubledWithTheFiguresThatShowIt() {
    Tuner.Result r = Tuner.tune(List.of(
        scrape(0, 10, 10 * MiB, 0, MiB, 8 * MiB, 100 * MiB, 92 * MiB, 5),
        scrape(1, 510, 63 * MiB, 0, MiB, 8 * MiB, 200 * MiB, 192 * MiB, 5),
        scrape(2, 1010, 20 * MiB, 0, MiB, 8 * MiB, 300 * MiB, 292 * MiB, 5)));
    assertEquals(1, r.proposals().size(), r.toString());
    Proposal p = r.proposals().get(0);
    assertEquals("sender.append_lane_bytes", p.setting());
    assertEquals(64 * MiB, p.current());
    assertEquals(128 * MiB, p.proposed());
    assertEquals("1000 sends refused LANE_BUDGET in 2 s; the APPEND lane to s2 held up to 63.0 MiB of its 64.0 MiB", p.reason());
    assertTrue(r.healthy().stream().anyMatch(h -> h.startsWith("sender.control_lane_bytes: refusals, but not of this lane")),
        r.healthy().toString());
    assertTrue(r.advice().isEmpty(), "credits were never exhausted: " + r.advice());
  }

  @Test
  void receiverDropsDoubleTheQueueThatWasFullAndCreditWaitsGiveTheWindowFromTheBandwidthDelayProduct() {
    Tuner.Result r = Tuner.tune(List.of(
        scrape(0, 0, MiB, 0, 2 * MiB, 8 * MiB, 100 * MiB, 92 * MiB, 5),
        scrape(1, 0, MiB, 4, 16 * MiB, 0, 200 * MiB, 184 * MiB, 30),
        scrape(2, 0, MiB, 7, 15 * MiB, 0, 300 * MiB, 284 * MiB, 55)));
    assertEquals(2, r.proposals().size(), r.proposals().toString());
    assertEquals(new Proposal("receiver.range_append_queue_bytes", 16 * MiB, 32 * MiB,
        "7 messages dropped RECEIVER_BUDGET in 2 s; the APPEND queue of range r3 held up to 16.0 MiB of 16.0 MiB"),
        r.proposals().get(0));
    Proposal window = r.proposals().get(1);
    // 192 MiB returned in 2 s = 96 MiB/s; (8 + 16 + 16) / 3 = 13.3 MiB in flight: 139 ms; window 2 × 16 = 32 MiB.
    assertEquals("credits.regular_bytes", window.setting());
    assertEquals(16 * MiB, window.current());
    assertEquals(32 * MiB, window.proposed());
    String text = window.reason();
    assertTrue(text.contains("waited for credits 50 times in 2 s") && text.contains("96.0 MiB/s returned at 13.3 MiB")
        && text.contains("about 139 ms"), text);
    assertTrue(r.advice().isEmpty(), r.advice().toString());
  }

  @Test
  void anAutoTunedWindowGetsAdviceInsteadOfAProposal() {
    Scrape before = scrape(0, 0, MiB, 0, MiB, 0, 100 * MiB, 84 * MiB, 5);
    Scrape after = Scrape.parse(String.join("\n",
        "raftwire_credits_regular_limit_bytes{dest=\"s2\",store=\"s1\"} " + 64 * MiB,
        "raftwire_credits_regular_available{dest=\"s2\",store=\"s1\"} 0",
        "raftwire_credits_deducted_bytes_total{dest=\"s2\",store=\"s1\"} " + 400 * MiB,
        "raftwire_credits_returned_bytes_total{dest=\"s2\",store=\"s1\"} " + 336 * MiB,
        "raftwire_credits_wait_seconds_count{priority=\"regular\",store=\"s1\"} 900",
        "raftwire_credits_window_scale{dest=\"s2\",store=\"s1\"} 4.0",
        ""), 2 * SECOND);
    Tuner.Result r = Tuner.tune(List.of(before, after));
    assertTrue(r.proposals().stream().noneMatch(p -> p.setting().startsWith("credits.")), r.proposals().toString());
    assertEquals(1, r.advice().size(), r.advice().toString());
    assertEquals("credit window to s2", r.advice().get(0).subject());
    assertTrue(r.advice().get(0).text().contains("64.0 MiB now, 4.0 times credits.regular_bytes"), r.advice().get(0).text());
  }

  @Test
  void aQuietStoreGetsNoProposalAndSaysWhyEachBudgetStays() {
    Tuner.Result r = Tuner.tune(List.of(
        scrape(0, 3, MiB, 2, 0, 16 * MiB, 0, 0, 0),
        scrape(30, 3, 2 * MiB, 2, MiB, 16 * MiB, 10 * MiB, 10 * MiB, 0)));
    assertTrue(r.proposals().isEmpty(), r.proposals().toString());
    assertTrue(r.advice().isEmpty());
    assertEquals(30 * SECOND, r.windowNanos());
    assertTrue(r.healthy().contains("sender.append_lane_bytes: no refusals; peak use 2.0 MiB of 64.0 MiB (s2)"), r.healthy().toString());
    assertTrue(r.healthy().contains("credit window to s2: no waits; at least 16.0 MiB of 16.0 MiB available"), r.healthy().toString());
  }

  @Test
  void badInputIsRefusedWithAReason() {
    Scrape one = scrape(0, 0, 0, 0, 0, 0, 0, 0, 0);
    assertThrows(IllegalArgumentException.class, () -> Tuner.tune(List.of(one)));
    assertThrows(IllegalArgumentException.class, () -> Tuner.tune(List.of(one, one)), "not in time order");
    IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class, () -> Scrape.parse("<html>oops</html>", 0));
    assertTrue(garbage.getMessage().contains("<html>oops</html>"));
    assertThrows(IllegalArgumentException.class, () -> Scrape.parse("raftwire_x{store=s1} 1", 0), "labels unquoted");
    assertEquals("a\"b", Scrape.parse("raftwire_x{store=\"a\\\"b\"} 1 1700000000", 0).samples().get(0).label("store"),
        "escaped quotes and a timestamp");
  }
}
