package io.raftwire.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws lines into PNGs: a series of every transport's timeline, or a figure against a variant. */
final class Charts {
  private Charts() {}

  /**
   * Writes {@code file} (".png" is appended) plotting {@code plot} of each timeline.
   *
   * @param timelines by transport, in legend order
   */
  static Path draw(Path file, String title, Scenario.Plot plot, Map<String, Timeline> timelines) throws IOException {
    Map<String, double[][]> lines = new LinkedHashMap<>();
    timelines.forEach((transport, timeline) -> lines.put(transport, timeline.points(plot.series())));
    return drawLines(file, title, "seconds since start", plot.yAxis(), false, plot.logarithmic(), lines);
  }

  /**
   * Writes {@code file} (".png" is appended) with one line per entry of {@code lines}.
   *
   * @param lines by legend, in legend order: the x values and the y values
   */
  static Path drawLines(Path file, String title, String xAxis, String yAxis, boolean logarithmicX,
      boolean logarithmicY, Map<String, double[][]> lines) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
        .xAxisTitle(xAxis).yAxisTitle(yAxis).build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    chart.getStyler().setYAxisLogarithmic(logarithmicY);
    chart.getStyler().setXAxisLogarithmic(logarithmicX);
    boolean any = false;
    for (Map.Entry<String, double[][]> e : lines.entrySet()) {
      double[][] points = e.getValue();
      if (points[0].length == 0) {
        continue;
      }
      if (logarithmicY) {
        for (int i = 0; i < points[1].length; i++) {
          points[1][i] = Math.max(points[1][i], 0.01); // a log axis cannot show 0
        }
      }
      XYSeries series = chart.addSeries(e.getKey(), points[0], points[1]);
      series.setMarker(logarithmicX ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      any = true;
    }
    if (!any) {
      chart.addSeries("no data", new double[] {1}, new double[] {1});
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return Path.of(file + ".png");
  }
}
