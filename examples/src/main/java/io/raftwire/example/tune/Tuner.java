package io.raftwire.example.tune;

import io.raftwire.example.tune.Scrape.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Proposes a store's budgets from a window of its {@code /metrics} scrapes. Each rule reads a
 * symptom (refusals or drops by reason over the window) and the usage beside its limit (the peak
 * over the scrapes of each {@code ..._charged_...}/{@code ..._queued_...} gauge against its {@code
 * ..._limit_...} gauge), and proposes a new value with the figures that led to it:
 *
 * <ul>
 *   <li>a lane refused work ({@code sender_refused{reason=LANE_BUDGET}}) and its use peaked at 90 %
 *       or more of its budget for some destination: that lane's budget doubled, at most the global
 *       budget;
 *   <li>the sender refused work for the global budget ({@code GLOBAL_BUDGET}) with its use at 90
 *       % or more: the global budget doubled;
 *   <li>the receiver dropped for its budget ({@code receiver_dropped{reason=RECEIVER_BUDGET}}):
 *       the budget whose queue peaked at 90 % or more doubled (the per-range APPEND queue, the
 *       APPEND receive budget or the CONTROL budget).
 * </ul>
 *
 * <p>Where a destination waited for credits ({@code credits_wait_seconds_count} rose) with its
 * regular window exhausted, the regular window ({@code credits.regular_bytes}, one setting for
 * every destination) is proposed from the measured bandwidth-delay product: bytes in flight over
 * the window's throughput is the round trip (Little's law), and a window of twice what was in
 * flight lets twice the throughput through if the link has room; the largest over the
 * destinations. A destination whose windows credit auto-tuning has scaled ({@code
 * credits_window_scale} above 1) gets an {@link Advice} instead: the store sizes that window
 * itself, and the setting is only its floor. Stateless and thread-safe.
 */
public final class Tuner {
  /** Use of a budget from which a symptom is blamed on it. */
  static final double NEAR_LIMIT = 0.9;

  /**
   * A change to a live setting, with the figures that led to it.
   *
   * @param setting the setting's name, as {@code raftwire-kv admin} takes it
   * @param current its value in the scrapes (its limit gauge)
   * @param proposed the proposed value
   * @param reason the figures, one sentence
   */
  public record Proposal(String setting, long current, long proposed, String reason) {
    /** Validates. */
    public Proposal {
      Objects.requireNonNull(setting, "setting");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** What the metrics suggest for something that is not a live setting, with the figures. */
  public record Advice(String subject, String text) {}

  /** What a window of scrapes suggests. */
  public record Result(long windowNanos, List<Proposal> proposals, List<Advice> advice, List<String> healthy) {
    /** Copies. */
    public Result {
      proposals = List.copyOf(proposals);
      advice = List.copyOf(advice);
      healthy = List.copyOf(healthy);
    }
  }

  private Tuner() {}

  /**
   * What {@code scrapes} (at least two, oldest first, of one store) suggest.
   *
   * @throws IllegalArgumentException with fewer than two scrapes or scrapes out of order
   */
  public static Result tune(List<Scrape> scrapes) {
    if (scrapes.size() < 2) {
      throw new IllegalArgumentException("tuning needs at least two scrapes, had " + scrapes.size());
    }
    for (int i = 1; i < scrapes.size(); i++) {
      if (scrapes.get(i).nanos() <= scrapes.get(i - 1).nanos()) {
        throw new IllegalArgumentException("scrapes must be in time order");
      }
    }
    Scrape first = scrapes.get(0);
    Scrape last = scrapes.get(scrapes.size() - 1);
    long window = last.nanos() - first.nanos();
    List<Proposal> proposals = new ArrayList<>();
    List<Advice> advice = new ArrayList<>();
    List<String> healthy = new ArrayList<>();

    double laneRefusals = rise(scrapes, "raftwire_sender_refused_total", reason("LANE_BUDGET"));
    long global = (long) last.sum("raftwire_sender_global_limit_bytes", Tuner::anySample);
    for (String lane : List.of("control", "append", "snapshot")) {
      String setting = "sender." + lane + "_lane_bytes";
      Peak peak = peak(scrapes, "raftwire_sender_charged_bytes", "raftwire_sender_limit_bytes", "dest", lane(lane));
      if (peak == null) {
        continue;
      }
      if (laneRefusals > 0 && peak.share() >= NEAR_LIMIT) {
        long proposed = global > 0 ? Math.min(2 * peak.limit, global) : 2 * peak.limit;
        if (proposed > peak.limit) {
          proposals.add(new Proposal(setting, peak.limit, proposed, String.format(Locale.ROOT,
              "%.0f sends refused LANE_BUDGET in %s; the %s lane to %s held up to %s of its %s",
              laneRefusals, seconds(window), lane.toUpperCase(Locale.ROOT), peak.where, mib(peak.used), mib(peak.limit))));
          continue;
        }
      }
      healthy.add(String.format(Locale.ROOT, "%s: %s; peak use %s of %s (%s)", setting,
          laneRefusals > 0 ? "refusals, but not of this lane" : "no refusals", mib(peak.used), mib(peak.limit), peak.where));
    }

    double globalRefusals = rise(scrapes, "raftwire_sender_refused_total", reason("GLOBAL_BUDGET"));
    Peak globalPeak = peak(scrapes, "raftwire_sender_global_charged_bytes", "raftwire_sender_global_limit_bytes", "", Tuner::anySample);
    if (globalPeak != null) {
      if (globalRefusals > 0 && globalPeak.share() >= NEAR_LIMIT) {
        proposals.add(new Proposal("sender.global_queue_bytes", globalPeak.limit, 2 * globalPeak.limit, String.format(Locale.ROOT,
            "%.0f sends refused GLOBAL_BUDGET in %s; everything queued to all destinations held up to %s of %s",
            globalRefusals, seconds(window), mib(globalPeak.used), mib(globalPeak.limit))));
      } else {
        healthy.add(String.format(Locale.ROOT, "sender.global_queue_bytes: %s; peak use %s of %s",
            globalRefusals > 0 ? globalRefusals + " refusals, with use below 90 %" : "no refusals", mib(globalPeak.used),
            mib(globalPeak.limit)));
      }
    }

    double receiverDrops = rise(scrapes, "raftwire_receiver_dropped_total", reason("RECEIVER_BUDGET"));
    List<Object[]> receiverBudgets = List.of(
        new Object[] {"receiver.range_append_queue_bytes", "raftwire_receiver_range_queued_bytes_append",
            "raftwire_receiver_range_limit_bytes_append", "range", "the APPEND queue of range"},
        new Object[] {"receiver.receive_budget_bytes", "raftwire_receiver_queued_bytes_append",
            "raftwire_receiver_limit_bytes_append", "", "the APPEND bytes received and not yet handled"},
        new Object[] {"receiver.control_budget_bytes", "raftwire_receiver_queued_bytes_control",
            "raftwire_receiver_limit_bytes_control", "", "the CONTROL bytes received and not yet handled"});
    for (Object[] b : receiverBudgets) {
      Peak peak = peak(scrapes, (String) b[1], (String) b[2], (String) b[3], Tuner::anySample);
      if (peak == null) {
        continue;
      }
      if (receiverDrops > 0 && peak.share() >= NEAR_LIMIT) {
        proposals.add(new Proposal((String) b[0], peak.limit, 2 * peak.limit, String.format(Locale.ROOT,
            "%.0f messages dropped RECEIVER_BUDGET in %s; %s%s held up to %s of %s", receiverDrops, seconds(window),
            b[4], peak.where.isEmpty() ? "" : " " + peak.where, mib(peak.used), mib(peak.limit))));
      } else {
        healthy.add(String.format(Locale.ROOT, "%s: %s; peak use %s of %s", b[0],
            receiverDrops > 0 ? "drops, but not for this budget" : "no drops", mib(peak.used), mib(peak.limit)));
      }
    }

    creditWindows(scrapes, window, proposals, advice, healthy);
    return new Result(window, proposals, advice, healthy);
  }

  private static void creditWindows(List<Scrape> scrapes, long window, List<Proposal> proposals, List<Advice> advice,
      List<String> healthy) {
    Scrape first = scrapes.get(0);
    Scrape last = scrapes.get(scrapes.size() - 1);
    double waits = rise(scrapes, "raftwire_credits_wait_seconds_count", s -> s.label("priority").equals("regular"));
    TreeSet<String> destinations = new TreeSet<>();
    last.of("raftwire_credits_regular_limit_bytes", Tuner::anySample).forEach(s -> destinations.add(s.label("dest")));
    Proposal largest = null;
    for (String dest : destinations) {
      Predicate<Sample> to = s -> s.label("dest").equals(dest);
      double limit = last.sum("raftwire_credits_regular_limit_bytes", to);
      double scale = last.max("raftwire_credits_window_scale", to).orElse(1.0);
      double minAvailable = scrapes.stream().mapToDouble(s -> s.sum("raftwire_credits_regular_available", to)).min().orElse(limit);
      double returned = last.sum("raftwire_credits_returned_bytes_total", to) - first.sum("raftwire_credits_returned_bytes_total", to);
      double inFlight = scrapes.stream().mapToDouble(s -> s.sum("raftwire_credits_deducted_bytes_total", to)
          - s.sum("raftwire_credits_returned_bytes_total", to)).average().orElse(0);
      double bytesPerSecond = returned / (window / 1e9);
      if (scale > 1.0) {
        advice.add(new Advice("credit window to " + dest, String.format(Locale.ROOT,
            "credit auto-tuning sizes it: %s now, %.1f times credits.regular_bytes, from the round trip and %s/s "
                + "returned; the setting is only its floor", mib((long) limit), scale, mib((long) bytesPerSecond))));
      } else if (waits > 0 && minAvailable <= 0.1 * limit && bytesPerSecond > 0) {
        double rtt = inFlight / bytesPerSecond;
        long proposed = (long) Math.max(2 * inFlight, limit * 2);
        if (largest == null || proposed > largest.proposed()) {
          largest = new Proposal("credits.regular_bytes", (long) limit, proposed, String.format(Locale.ROOT,
              "writers waited for credits %.0f times in %s with the regular window to %s of %s exhausted; %s/s returned "
                  + "at %s in flight on average, a round trip of about %.0f ms: twice the bandwidth-delay product "
                  + "measured lets up to twice the throughput through if the link has room", waits, seconds(window),
              dest, mib((long) limit), mib((long) bytesPerSecond), mib((long) inFlight), rtt * 1000));
        }
      } else {
        healthy.add(String.format(Locale.ROOT, "credit window to %s: %s; at least %s of %s available", dest,
            waits > 0 ? "writers waited, but the window never ran out" : "no waits", mib((long) minAvailable), mib((long) limit)));
      }
    }
    if (largest != null) {
      proposals.add(largest);
    }
  }

  /** A budget's highest use over the scrapes, where it was, and its limit then. */
  private record Peak(long used, long limit, String where) {
    double share() {
      return limit <= 0 ? 0 : (double) used / limit;
    }
  }

  /**
   * The highest share of limit {@code limitFamily} that family {@code usedFamily} reached in any
   * scrape, per value of label {@code by} ("" for one series); null if the store has no such series.
   */
  private static Peak peak(List<Scrape> scrapes, String usedFamily, String limitFamily, String by, Predicate<Sample> which) {
    Peak best = null;
    for (Scrape s : scrapes) {
      for (Sample used : s.of(usedFamily, which)) {
        String where = by.isEmpty() ? "" : used.label(by);
        // The limit series of the same label value, or the one limit without that label (a per-range bound).
        Predicate<Sample> same = l -> which.test(l) && (by.isEmpty() || l.label(by).equals(where) || l.label(by).isEmpty());
        double limit = s.max(limitFamily, same).orElse(Double.NaN);
        if (Double.isNaN(limit) || limit <= 0) {
          continue;
        }
        Peak p = new Peak((long) used.value(), (long) limit, where);
        if (best == null || p.share() > best.share()) {
          best = p;
        }
      }
    }
    if (best == null && !scrapes.get(scrapes.size() - 1).of(limitFamily, which).isEmpty()) {
      long limit = (long) scrapes.get(scrapes.size() - 1).max(limitFamily, which).orElse(0);
      best = new Peak(0, limit, "");
    }
    return best;
  }

  /** How much family {@code counter}'s samples that {@code which} accepts rose from the first scrape to the last. */
  private static double rise(List<Scrape> scrapes, String counter, Predicate<Sample> which) {
    return Math.max(0, scrapes.get(scrapes.size() - 1).sum(counter, which) - scrapes.get(0).sum(counter, which));
  }

  private static Predicate<Sample> reason(String reason) {
    return s -> s.label("reason").equals(reason);
  }

  private static Predicate<Sample> lane(String lane) {
    return s -> s.label("lane").equals(lane);
  }

  private static boolean anySample(Sample s) {
    return true;
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  private static String seconds(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(nanos) + " s";
  }
}
