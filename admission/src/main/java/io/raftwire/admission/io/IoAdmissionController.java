package io.raftwire.admission.io;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.IoTokens;
import io.raftwire.flow.StoreHealth;
import io.raftwire.message.Priority;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * IO tokens of one store, per priority. The owner calls {@link #recompute} every {@link
 * AdmissionConfig#ioIntervalNanos()} and {@link #tick} whenever it likes (every {@link #tickNanos()}
 * while work waits, and before each admission attempt); admission asks {@link #tryAdmit}.
 *
 * <p><b>Rates, not steps.</b> Each priority has a rate (bytes per nanosecond) taken from the health
 * signal's {@link IoTokens} for the interval. A lower estimate applies at once (the engine needs
 * relief now); a higher one is approached linearly over one interval, so tokens never jump.
 *
 * <p><b>Smooth doling.</b> A tick earns {@code rate × elapsed}, whatever the time since the last
 * tick; unused tokens pile up to at most {@link AdmissionConfig#ioBurstNanos()} of the rate, so
 * idle time never turns into a burst.
 *
 * <p><b>Elastic yields first.</b> Regular work deducts from both buckets (its debt in the elastic
 * one bounded by one interval of the elastic rate); elastic work needs both to be positive and
 * deducts from both. So elastic work gets only what the elastic rate allows after regular work,
 * and never borrows.
 *
 * <p><b>Regular work borrows.</b> Regular work is admitted while its bucket is positive or while
 * the deduction keeps the debt within {@link AdmissionConfig#regularDebtBytes()}; later ticks pay
 * the debt back before elastic work sees a token. An item larger than the debt limit is still
 * admitted whenever the bucket is positive, so nothing waits forever.
 *
 * <p>Thread-safe, no threads, no clock of its own.
 */
public final class IoAdmissionController {
  private static final double UNLIMITED_RATE = Double.POSITIVE_INFINITY;

  private final AdmissionConfig config;
  private final StoreHealth health;
  private final double provisionedElasticRate; // bytes per nanosecond, or infinite
  private final Bucket regular = new Bucket(); // @GuardedBy("this")
  private final Bucket elastic = new Bucket(); // @GuardedBy("this")
  private long lastTickNanos; // @GuardedBy("this")
  private final Map<Priority, Long> grantedBytes = new EnumMap<>(Priority.class); // @GuardedBy("this")

  /**
   * Creates a controller whose regular tokens are unlimited until the first {@link #recompute} says
   * otherwise; elastic work starts at its share of the provisioned bandwidth, if there is one.
   *
   * @param config the IO timing, provisioned bandwidth, debt limit and health signal to use; not
   *     null
   * @param nowNanos the current time on the owner's clock, in nanoseconds; the first {@link #tick}
   *     counts from here
   * @throws NullPointerException if {@code config} is null
   */
  public IoAdmissionController(AdmissionConfig config, long nowNanos) {
    this.config = Objects.requireNonNull(config, "config");
    this.health = config.storeHealth();
    this.lastTickNanos = nowNanos;
    long provisioned = config.provisionedWriteBytesPerSecond();
    this.provisionedElasticRate =
        provisioned > 0 ? provisioned * config.elasticBandwidthShare() / 1e9 : UNLIMITED_RATE;
    regular.set(UNLIMITED_RATE, nowNanos);
    elastic.set(provisionedElasticRate, nowNanos);
    elastic.available = elastic.capacity();
  }

  /**
   * Asks the health signal for the next interval's tokens ({@link StoreHealth#tokens}) and moves
   * each priority's rate toward them: down at once, up over one interval. Keeps the old rates if
   * the signal throws. Calls the signal outside this controller's lock.
   *
   * @param nowNanos the current time on the owner's clock, in nanoseconds, passed to the signal
   * @throws RuntimeException whatever the health signal throws; the rates stay as they were
   * @throws NullPointerException if the signal returns null
   */
  public void recompute(long nowNanos) {
    IoTokens next = Objects.requireNonNull(health.tokens(nowNanos, config.ioIntervalNanos()), "tokens");
    synchronized (this) {
      tick(nowNanos);
      double interval = config.ioIntervalNanos();
      double regularRate = rate(next.regularBytes(), interval);
      regular.set(regularRate, nowNanos);
      elastic.set(Math.min(Math.min(rate(next.elasticBytes(), interval), regularRate), provisionedElasticRate), nowNanos);
    }
  }

  private static double rate(long bytesPerInterval, double intervalNanos) {
    return bytesPerInterval == StoreHealth.UNLIMITED ? UNLIMITED_RATE : bytesPerInterval / intervalNanos;
  }

  /**
   * Hands out the tokens earned since the last tick: the rate times the elapsed time, up to {@link
   * AdmissionConfig#ioBurstNanos()} of the rate in each bucket.
   *
   * @param nowNanos the current time on the owner's clock, in nanoseconds; a time before the last
   *     tick earns nothing
   */
  public synchronized void tick(long nowNanos) {
    long elapsed = nowNanos - lastTickNanos;
    if (elapsed <= 0) {
      return;
    }
    lastTickNanos = nowNanos;
    regular.earn(nowNanos, elapsed);
    elastic.earn(nowNanos, elapsed);
  }

  /**
   * Admits {@code bytes} of work of {@code priority} if tokens allow, deducting them. Never blocks.
   *
   * @param priority the priority of the work: regular work may borrow up to {@link
   *     AdmissionConfig#regularDebtBytes()}; elastic work needs positive regular and elastic tokens
   * @param bytes the work's size in bytes; deducted in full even if it takes the tokens below zero
   * @return true if admitted (and deducted); false if the tokens are used up, then nothing changes
   */
  public synchronized boolean tryAdmit(Priority priority, long bytes) {
    if (priority == Priority.ELASTIC) {
      if (!regular.positive() || !elastic.positive()) {
        return false;
      }
      regular.take(bytes);
      elastic.take(bytes);
    } else {
      if (!regular.positive() && !regular.canBorrow(bytes, config.regularDebtBytes())) {
        return false;
      }
      regular.take(bytes);
      elastic.takeBoundedByInterval(bytes);
    }
    grantedBytes.merge(priority, bytes, Long::sum);
    return true;
  }

  /**
   * {@return the interval, in nanoseconds, at which the owner should call {@link #tick} while work
   * waits} Finer while either priority is constrained: {@link AdmissionConfig#ioLoadedTickNanos()}
   * then, {@link AdmissionConfig#ioTickNanos()} otherwise.
   */
  public synchronized long tickNanos() {
    return regular.limited() || elastic.limited() ? config.ioLoadedTickNanos() : config.ioTickNanos();
  }

  /**
   * {@return the tokens of {@code priority} at the current rate, in bytes per {@link
   * AdmissionConfig#ioIntervalNanos()}, or {@link StoreHealth#UNLIMITED}} While a higher estimate is
   * being approached this is the rate reached at the last tick, not the estimate.
   *
   * @param priority the priority to look at
   */
  public synchronized long tokensPerInterval(Priority priority) {
    double rate = bucket(priority).rate;
    return rate == UNLIMITED_RATE ? StoreHealth.UNLIMITED : (long) (rate * config.ioIntervalNanos());
  }

  /**
   * {@return the tokens of {@code priority} available now in bytes, negative while in debt; 0 while
   * unlimited}
   *
   * @param priority the bucket to look at
   */
  public synchronized long availableBytes(Priority priority) {
    Bucket b = bucket(priority);
    return b.limited() ? b.available : 0;
  }

  /**
   * {@return the bytes regular work has borrowed ahead and not yet paid back: at most about {@link
   * AdmissionConfig#regularDebtBytes()} plus one item; 0 while unlimited}
   */
  public synchronized long debtBytes() {
    return regular.limited() ? Math.max(0, -regular.available) : 0;
  }

  /**
   * {@return the bytes admitted so far at {@code priority}, since this controller was created}
   *
   * @param priority the priority to look at
   */
  public synchronized long grantedBytes(Priority priority) {
    return grantedBytes.getOrDefault(priority, 0L);
  }

  // @GuardedBy("this")
  private Bucket bucket(Priority priority) {
    return priority == Priority.ELASTIC ? elastic : regular;
  }

  /** One priority's tokens. Guarded by the controller. */
  private final class Bucket {
    double rate = UNLIMITED_RATE; // bytes per nanosecond now
    double target = UNLIMITED_RATE; // the rate being approached
    double rampFrom; // the rate when the ramp began
    long rampStartNanos;
    long available;
    double fraction; // earned but not yet whole bytes

    boolean limited() {
      return rate != UNLIMITED_RATE;
    }

    void set(double next, long nowNanos) {
      if (next == UNLIMITED_RATE || !limited() || next <= rate) {
        rate = next; // no constraint, a new constraint, or a cut: at once
        target = next;
        if (limited()) {
          available = Math.min(available, capacity());
        }
        return;
      }
      rampFrom = rate;
      rampStartNanos = nowNanos;
      target = next;
    }

    void earn(long nowNanos, long elapsedNanos) {
      if (!limited()) {
        return;
      }
      double before = rate;
      if (rate < target) {
        double progress = Math.min(1.0, (double) (nowNanos - rampStartNanos) / config.ioIntervalNanos());
        rate = rampFrom + (target - rampFrom) * progress;
      }
      double earned = (before + rate) / 2 * elapsedNanos + fraction; // the mean rate over the tick
      long whole = (long) earned;
      fraction = earned - whole;
      long cap = capacity();
      available = available >= cap ? available : Math.min(cap, available + whole);
      if (available == cap) {
        fraction = 0;
      }
    }

    long capacity() {
      return rate == 0 ? 0 : Math.max(1, (long) (rate * config.ioBurstNanos()));
    }

    boolean positive() {
      return !limited() || available > 0;
    }

    boolean canBorrow(long bytes, long debtLimit) {
      return !limited() || available - bytes >= -debtLimit;
    }

    void take(long bytes) {
      if (limited()) {
        available -= bytes;
      }
    }

    /**
     * Regular work's use of the elastic bucket: counted, but its debt there is bounded by one
     * interval of the elastic rate, so elastic work waits at most that long once regular work stops.
     */
    void takeBoundedByInterval(long bytes) {
      if (limited()) {
        available = Math.max(available - bytes, -(long) (rate * config.ioIntervalNanos()));
      }
    }
  }
}
