package io.raftwire.admission.io;

import io.raftwire.flow.IoTokens;
import io.raftwire.flow.StoreHealth;
import java.util.Objects;

/**
 * An LSM engine's health for IO admission: a measured throughput signal (usually {@link
 * ThroughputHealth}) cut by the engine's own statistics, elastic work first. Each interval it reads
 * {@link LsmStats} from its source and turns them into {@link IoTokens}:
 *
 * <ul>
 *   <li>elastic tokens shrink linearly from full above {@link
 *       LsmHealthConfig#elasticShrinkL0Files()} to zero at {@link
 *       LsmHealthConfig#elasticZeroL0Files()} (and likewise for pending compaction bytes; the
 *       smaller share wins);
 *   <li>regular tokens are halved from {@link LsmHealthConfig#regularShrinkL0Files()} (or the
 *       pending-bytes threshold), and drop to the floor, with no elastic tokens at all, once the
 *       engine reports that it delays or stops writes itself;
 *   <li>"full" is the measured signal's estimate, or if that does not constrain, the bytes written
 *       in the last interval (reported through {@link #recordWrite}): a cut is relative to what the
 *       store is doing now. Regular tokens never go below {@link
 *       LsmHealthConfig#floorBytesPerSecond()}.
 * </ul>
 *
 * <p>Thread-safe. {@link #tokens} is called by IO admission once per interval; the {@code last*}
 * readers may be called from any thread (for metrics).
 */
public final class LsmHealth implements StoreHealth {
  /** What the last interval found. */
  public enum State {
    /** Nothing cut: the engine keeps up. */
    HEALTHY,
    /** Elastic tokens shrunk: compactions fall behind. */
    ELASTIC_SHRUNK,
    /** No elastic tokens: compactions are far behind; regular work still has its tokens. */
    ELASTIC_STOPPED,
    /** Regular tokens halved too: the engine is close to stalling writes. */
    REGULAR_SHRUNK,
    /** The engine delays or stops writes itself: regular tokens at the floor, no elastic ones. */
    STALLED
  }

  private final LsmStatsSource source;
  private final StoreHealth measured;
  private final LsmHealthConfig config;
  private long writtenBytes; // @GuardedBy("this"), since the last interval
  private volatile LsmStats lastStats = LsmStats.idle();
  private volatile State lastState = State.HEALTHY;
  private volatile IoTokens lastTokens = IoTokens.unlimited();

  /**
   * Creates the signal.
   *
   * @param source reads the engine's statistics; not null
   * @param measured the throughput signal to cut, fed the writes {@link #recordWrite} sees; not
   *     null
   * @param config the thresholds; not null
   * @throws NullPointerException if an argument is null
   */
  public LsmHealth(LsmStatsSource source, StoreHealth measured, LsmHealthConfig config) {
    this.source = Objects.requireNonNull(source, "source");
    this.measured = Objects.requireNonNull(measured, "measured");
    this.config = Objects.requireNonNull(config, "config");
  }

  /** Passes the write on to the measured signal and counts its bytes. Any thread; never blocks. */
  @Override
  public void recordWrite(long bytes, long latencyNanos) {
    synchronized (this) {
      writtenBytes += Math.max(0, bytes);
    }
    measured.recordWrite(bytes, latencyNanos);
  }

  /** {@return the regular tokens of {@link #tokens}} */
  @Override
  public long admissibleBytes(long nowNanos, long intervalNanos) {
    return tokens(nowNanos, intervalNanos).regularBytes();
  }

  /**
   * Reads the engine's statistics and the measured signal and cuts the measured tokens as the
   * class documentation says.
   *
   * @throws RuntimeException whatever the source or the measured signal throws; nothing changes
   */
  @Override
  public IoTokens tokens(long nowNanos, long intervalNanos) {
    LsmStats stats = Objects.requireNonNull(source.read(), "stats");
    long base = measured.tokens(nowNanos, intervalNanos).regularBytes();
    long written;
    synchronized (this) {
      written = writtenBytes;
      writtenBytes = 0;
    }
    long floor = Math.max(1, (long) ((double) config.floorBytesPerSecond() * intervalNanos / 1e9));
    long full = base != UNLIMITED ? base : Math.max(written, floor);
    State state;
    long regular;
    long elastic;
    if (stats.writeDelayed() || stats.writeStopped()) {
      state = State.STALLED;
      regular = Math.min(base, floor);
      elastic = 0;
    } else {
      double share = Math.min(
          share(stats.l0Files(), config.elasticShrinkL0Files(), config.elasticZeroL0Files()),
          share(stats.pendingCompactionBytes(), config.elasticShrinkPendingBytes(), config.elasticZeroPendingBytes()));
      boolean regularCut = stats.l0Files() >= config.regularShrinkL0Files()
          || stats.pendingCompactionBytes() >= config.regularShrinkPendingBytes();
      regular = regularCut ? Math.min(base, Math.max(floor, full / 2)) : base;
      if (share >= 1) {
        elastic = regular;
      } else {
        elastic = Math.min(regular, (long) (share * full));
      }
      state = regularCut ? State.REGULAR_SHRUNK
          : share >= 1 ? State.HEALTHY
          : elastic == 0 ? State.ELASTIC_STOPPED
          : State.ELASTIC_SHRUNK;
    }
    IoTokens tokens = IoTokens.of(regular, Math.min(regular, elastic));
    lastStats = stats;
    lastState = state;
    lastTokens = tokens;
    return tokens;
  }

  /** Share of full elastic tokens at {@code value}: 1 up to {@code shrink}, 0 from {@code zero}. */
  private static double share(long value, long shrink, long zero) {
    if (value <= shrink) {
      return 1;
    }
    if (value >= zero) {
      return 0;
    }
    return (double) (zero - value) / (zero - shrink);
  }

  /** {@return the engine statistics the last interval read; {@link LsmStats#idle()} before the first} */
  public LsmStats lastStats() {
    return lastStats;
  }

  /** {@return what the last interval found; {@link State#HEALTHY} before the first} */
  public State lastState() {
    return lastState;
  }

  /** {@return the tokens the last interval gave; unlimited before the first} */
  public IoTokens lastTokens() {
    return lastTokens;
  }
}
