package io.raftwire.example.cluster;

import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;

/**
 * A timer reservoir holding exactly the values recorded since the last {@link #endPhase()} (to
 * three significant digits), in place of Dropwizard's decaying sample, whose percentiles mix the
 * phases before. Writers never block ({@link Recorder}); {@link #getSnapshot()} does not reset, so
 * any number of readers see the current phase. Memory: a few HdrHistograms, bounded by the range
 * of the values (nanoseconds up to about an hour), not by their count.
 */
final class IntervalReservoir implements Reservoir {
  private final Recorder recorder = new Recorder(3);
  private final Histogram phase = new Histogram(3); // @GuardedBy("this")
  private Histogram spare; // @GuardedBy("this"); recycled by the recorder

  @Override
  public int size() {
    return (int) Math.min(Integer.MAX_VALUE, current().getTotalCount());
  }

  @Override
  public void update(long value) {
    recorder.recordValue(Math.max(0, value));
  }

  @Override
  public Snapshot getSnapshot() {
    return new HdrSnapshot(current());
  }

  /** The values of the phase that ends now; the next phase starts empty. */
  synchronized Histogram endPhase() {
    Histogram ended = current();
    phase.reset();
    return ended;
  }

  /** A copy of the current phase's values. */
  private synchronized Histogram current() {
    spare = recorder.getIntervalHistogram(spare);
    phase.add(spare);
    return phase.copy();
  }

  /** A Dropwizard snapshot of an HdrHistogram (a copy: it does not change). */
  static final class HdrSnapshot extends Snapshot {
    private final Histogram values;

    HdrSnapshot(Histogram values) {
      this.values = values;
    }

    @Override
    public double getValue(double quantile) {
      if (quantile < 0 || quantile > 1 || Double.isNaN(quantile)) {
        throw new IllegalArgumentException("quantile must be in [0, 1], was " + quantile);
      }
      return values.getTotalCount() == 0 ? 0 : values.getValueAtPercentile(quantile * 100);
    }

    /** One value per recorded value, each its bucket's representative: capped at a million. */
    @Override
    public long[] getValues() {
      int n = (int) Math.min(1 << 20, values.getTotalCount());
      long[] all = new long[n];
      int i = 0;
      for (HistogramIterationValue v : values.recordedValues()) {
        for (long c = 0; c < v.getCountAtValueIteratedTo() && i < n; c++) {
          all[i++] = v.getValueIteratedTo();
        }
      }
      return all;
    }

    @Override
    public int size() {
      return (int) Math.min(Integer.MAX_VALUE, values.getTotalCount());
    }

    @Override
    public long getMax() {
      return values.getTotalCount() == 0 ? 0 : values.getMaxValue();
    }

    @Override
    public double getMean() {
      return values.getTotalCount() == 0 ? 0 : values.getMean();
    }

    @Override
    public long getMin() {
      return values.getTotalCount() == 0 ? 0 : values.getMinValue();
    }

    @Override
    public double getStdDev() {
      return values.getTotalCount() == 0 ? 0 : values.getStdDeviation();
    }

    @Override
    public void dump(OutputStream output) {
      try (PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(output, StandardCharsets.UTF_8))) {
        for (long v : getValues()) {
          out.printf("%d%n", v);
        }
      }
    }
  }
}
