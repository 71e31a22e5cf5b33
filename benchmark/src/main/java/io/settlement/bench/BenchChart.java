package io.settlement.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * The picture of a benchmark report, written next to its JSON: on the left, commands/s of every
 * measured run with the pass-through ceiling's full-speed rate beside them (the number the ratio
 * is taken against); on the right, each run's produce-to-result latency percentiles (p50, p99,
 * p99.9). Runs without a rate (the ScyllaDB sink's rows/s) are left out of both.
 */
public final class BenchChart {
    static final int WIDTH = 900;
    static final int HEIGHT = 480;

    private BenchChart() {}

    /** Writes the chart of {@code report} as a PNG at {@code png}. */
    public static void write(BenchReport report, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<RunReport> runs = report.runs.stream().filter(run -> run.commandsPerSecond() > 0).toList();
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("the report has no measured run to draw");
        }
        List<Chart<?, ?>> charts = List.of(throughput(runs), latency(runs));
        String path = png.toAbsolutePath().toString();
        String withoutExtension = path.endsWith(".png") ? path.substring(0, path.length() - 4) : path;
        BitmapEncoder.saveBitmap(charts, 1, 2, withoutExtension, BitmapEncoder.BitmapFormat.PNG);
    }

    /** The PNG written beside a JSON report: {@code bench.json} gives {@code bench.png}. */
    public static Path besides(Path json) {
        String name = json.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(base + ".png");
    }

    private static CategoryChart throughput(List<RunReport> runs) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Throughput per run (commands/s)").xAxisTitle("run").yAxisTitle("commands/s").build();
        style(chart);
        List<String> names = runs.stream().map(RunReport::run).toList();
        double ceiling = runs.stream().filter(run -> run.run().equals("ceiling full")).mapToDouble(RunReport::commandsPerSecond)
                .findFirst().orElse(0);
        chart.addSeries("commands/s", names, runs.stream().map(RunReport::commandsPerSecond).toList());
        if (ceiling > 0) {
            List<Double> line = new ArrayList<>();
            names.forEach(name -> line.add(ceiling));
            chart.addSeries("ceiling (full speed)", names, line).setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Line);
        }
        return chart;
    }

    private static CategoryChart latency(List<RunReport> runs) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Latency, send to committed result (ms)").xAxisTitle("run").yAxisTitle("ms").build();
        style(chart);
        List<String> names = runs.stream().map(RunReport::run).toList();
        chart.addSeries("p50", names, runs.stream().map(run -> run.singleStep().p50Ms()).toList());
        chart.addSeries("p99", names, runs.stream().map(run -> run.singleStep().p99Ms()).toList());
        chart.addSeries("p99.9", names, runs.stream().map(run -> run.singleStep().p999Ms()).toList());
        return chart;
    }

    private static void style(CategoryChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setAvailableSpaceFill(0.8);
    }
}
