package io.raftwire.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws one series of every transport's timeline into a PNG, one line per transport. */
final class Charts {
  private Charts() {}

  /**
   * Writes {@code file} (".png" is appended) plotting {@code plot} of each timeline.
   *
   * @param timelines by transport, in legend order
   */
  static Path draw(Path file, String title, Scenario.Plot plot, Map<String, Timeline> timelines) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
        .xAxisTitle("seconds since start").yAxisTitle(plot.yAxis()).build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    chart.getStyler().setYAxisLogarithmic(plot.logarithmic());
    boolean any = false;
    for (Map.Entry<String, Timeline> e : timelines.entrySet()) {
      double[][] points = e.getValue().points(plot.series());
      if (points[0].length == 0) {
        continue;
      }
      if (plot.logarithmic()) {
        for (int i = 0; i < points[1].length; i++) {
          points[1][i] = Math.max(points[1][i], 0.01); // a log axis cannot show 0
        }
      }
      XYSeries series = chart.addSeries(e.getKey(), points[0], points[1]);
      series.setMarker(SeriesMarkers.NONE);
      any = true;
    }
    if (!any) {
      chart.addSeries("no data", new double[] {0}, new double[] {plot.logarithmic() ? 1 : 0});
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return Path.of(file + ".png");
  }
}
