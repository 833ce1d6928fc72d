package io.raftwire.admission.io;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.flow.StoreHealth;
import io.raftwire.message.Priority;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * IO tokens of one store. The owner calls {@link #recompute} every {@link
 * AdmissionConfig#ioIntervalNanos()} and {@link #tick} every {@link #tickNanos()}; admission asks
 * {@link #tryAdmit}. Work is admitted while tokens are positive and then deducted, so the bucket may
 * go into debt by one item (a large item cannot wait forever). Tokens do not pile up while idle:
 * the bucket holds at most one normal tick's worth. Thread-safe, no threads, no clock of its own.
 */
public final class IoAdmissionController {
  private final AdmissionConfig config;
  private final StoreHealth health;

  private long tokensPerInterval = StoreHealth.UNLIMITED; // @GuardedBy("this")
  private long available; // @GuardedBy("this")
  private long elasticAvailable; // @GuardedBy("this")
  private long lastTickNanos; // @GuardedBy("this")
  private final Map<Priority, Long> grantedBytes = new EnumMap<>(Priority.class); // @GuardedBy("this")

  /**
   * Creates a controller whose general tokens are unlimited until the first {@link #recompute} says
   * otherwise; elastic work starts with one tick's share of the provisioned bandwidth.
   *
   * @param config the IO timing, provisioned bandwidth and health signal to use; not null
   * @param nowNanos the current time on the owner's clock, in nanoseconds; the first {@link #tick}
   *     counts from here
   * @throws NullPointerException if {@code config} is null
   */
  public IoAdmissionController(AdmissionConfig config, long nowNanos) {
    this.config = Objects.requireNonNull(config, "config");
    this.health = config.storeHealth();
    this.lastTickNanos = nowNanos;
    this.elasticAvailable = elasticBurst();
  }

  /**
   * Asks the health signal for the next interval's tokens. Keeps the old value if it throws. Calls
   * the signal outside this controller's lock.
   *
   * @param nowNanos the current time on the owner's clock, in nanoseconds, passed to the signal
   * @throws RuntimeException whatever the health signal throws; the tokens stay as they were
   */
  public void recompute(long nowNanos) {
    long next = health.admissibleBytes(nowNanos, config.ioIntervalNanos());
    synchronized (this) {
      tokensPerInterval = Math.max(0, next);
      if (tokensPerInterval != StoreHealth.UNLIMITED) {
        available = Math.min(available, burst());
      }
    }
  }

  /**
   * Hands out the tokens earned since the last tick, up to one tick's worth.
   *
   * @param nowNanos the current time on the owner's clock, in nanoseconds; a time before the last
   *     tick earns nothing
   */
  public synchronized void tick(long nowNanos) {
    long elapsed = Math.max(0, nowNanos - lastTickNanos);
    lastTickNanos = nowNanos;
    if (tokensPerInterval != StoreHealth.UNLIMITED) {
      long earned = share(tokensPerInterval, elapsed, config.ioIntervalNanos());
      available = Math.min(available + earned, burst());
    }
    long provisioned = config.provisionedWriteBytesPerSecond();
    if (provisioned > 0) {
      long elasticPerSecond = (long) (provisioned * config.elasticBandwidthShare());
      elasticAvailable = Math.min(elasticAvailable + share(elasticPerSecond, elapsed, 1_000_000_000L), elasticBurst());
    }
  }

  /**
   * Admits {@code bytes} of work of {@code priority} if tokens allow, deducting them. Elastic work
   * needs both general and elastic tokens. Never blocks.
   *
   * @param priority the priority of the work; elastic work is also capped by the provisioned
   *     bandwidth share
   * @param bytes the work's size in bytes; deducted in full even if it takes the tokens below zero
   * @return true if admitted (and deducted); false if the tokens are used up, then nothing changes
   */
  public synchronized boolean tryAdmit(Priority priority, long bytes) {
    boolean limited = tokensPerInterval != StoreHealth.UNLIMITED;
    boolean elasticCapped = priority == Priority.ELASTIC && config.provisionedWriteBytesPerSecond() > 0;
    if ((limited && available <= 0) || (elasticCapped && elasticAvailable <= 0)) {
      return false;
    }
    if (limited) {
      available -= bytes;
    }
    if (elasticCapped) {
      elasticAvailable -= bytes;
    }
    grantedBytes.merge(priority, bytes, Long::sum);
    return true;
  }

  /**
   * {@return the interval, in nanoseconds, at which the owner should call {@link #tick} now}
   * Finer while tokens are constrained: {@link AdmissionConfig#ioLoadedTickNanos()} then, {@link
   * AdmissionConfig#ioTickNanos()} otherwise.
   */
  public synchronized long tickNanos() {
    return tokensPerInterval == StoreHealth.UNLIMITED ? config.ioTickNanos() : config.ioLoadedTickNanos();
  }

  /** {@return the tokens for the current interval in bytes, or {@link StoreHealth#UNLIMITED}} */
  public synchronized long tokensPerInterval() {
    return tokensPerInterval;
  }

  /** {@return the tokens available now in bytes, negative while in debt; meaningless while unlimited} */
  public synchronized long availableBytes() {
    return available;
  }

  /**
   * {@return the elastic tokens available now in bytes, negative while in debt; meaningless without
   * provisioned bandwidth}
   */
  public synchronized long elasticAvailableBytes() {
    return elasticAvailable;
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
  private long burst() {
    return Math.max(1, share(tokensPerInterval, config.ioTickNanos(), config.ioIntervalNanos()));
  }

  private long elasticBurst() {
    long perSecond = (long) (config.provisionedWriteBytesPerSecond() * config.elasticBandwidthShare());
    return Math.max(1, share(perSecond, config.ioTickNanos(), 1_000_000_000L));
  }

  private static long share(long amount, long part, long whole) {
    return (long) ((double) amount * part / whole);
  }
}
