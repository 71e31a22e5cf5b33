package io.settlement.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The picture of a benchmark report, written next to its JSON, drawn for comparing:
 * <ul>
 *   <li>left, throughput as a ratio to the pass-through ceiling's full-speed rate (1.0): each run's
 *       commands/s, and a bar of its own for a run's trades/s, with the targets (single-step
 *       {@value BenchTargets#SINGLE_STEP_RATIO}, trades {@value BenchTargets#TRADE_RATIO}) as lines;</li>
 *   <li>right, the half-peak runs' produce-to-result latency percentiles (p50, p99, p99.9), trades
 *       beside single-step commands, with the p99 targets (a factor of the ceiling's half-peak p99) as
 *       markers. Full-speed latencies (seconds of queueing) are left out, so they do not flatten these;
 *       a report without half-peak runs shows its full-speed ones instead, and says so.</li>
 * </ul>
 * Runs without a rate (the sinks' rows/s and transfers/s) are left out of both; a chart left with
 * nothing to draw (runs that got no result) is left out of the picture.
 */
public final class BenchChart {
    static final int WIDTH = 900;
    static final int HEIGHT = 480;

    static final String COMMANDS = "commands/s / ceiling";
    static final String TRADES = "trades/s / ceiling";
    static final String SINGLE_STEP_TARGET = String.format(Locale.ROOT, "target single-step >= %.2f", BenchTargets.SINGLE_STEP_RATIO);
    static final String TRADE_TARGET = String.format(Locale.ROOT, "target trades >= %.2f", BenchTargets.TRADE_RATIO);
    static final String P50 = "p50";
    static final String P99 = "p99";
    static final String P999 = "p99.9";
    static final String P99_TARGET = String.format(Locale.ROOT, "p99 target: A %.1fx, B trades %.1fx the ceiling's p99",
            BenchTargets.SINGLE_STEP_P99_FACTOR, BenchTargets.TRADE_P99_FACTOR);

    private static final String HALF_PEAK = " half-peak";
    private static final String FULL = " full";
    private static final Color COMMANDS_COLOR = new Color(0x4C72B0);
    private static final Color TRADES_COLOR = new Color(0xDD8452);
    private static final Color TARGET_COLOR = new Color(0xC44E52);
    private static final Color TRADE_TARGET_COLOR = new Color(0x8C564B);
    private static final Color P50_COLOR = new Color(0x4C72B0);
    private static final Color P99_COLOR = new Color(0x55A868);
    private static final Color P999_COLOR = new Color(0xCCB974);

    private BenchChart() {}

    /** Writes the chart of {@code report} as a PNG at {@code png}. */
    public static void write(BenchReport report, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Chart<?, ?>> charts = new ArrayList<>(charts(report));
        String path = png.toAbsolutePath().toString();
        String withoutExtension = path.endsWith(".png") ? path.substring(0, path.length() - 4) : path;
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), withoutExtension, BitmapEncoder.BitmapFormat.PNG);
    }

    /** The PNG written beside a JSON report: {@code bench.json} gives {@code bench.png}. */
    public static Path besides(Path json) {
        String name = json.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(base + ".png");
    }

    /** The charts {@link #write} encodes, left to right: throughput against the ceiling, then latency. */
    static List<CategoryChart> charts(BenchReport report) {
        List<RunReport> runs = report.runs.stream().filter(run -> run.commandsPerSecond() > 0).toList();
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("the report has no measured run to draw");
        }
        // a chart with nothing to draw (no ratio, no latency: a run that got no result) is left out, XChart cannot draw it
        List<CategoryChart> charts = List.of(throughput(runs), latency(runs)).stream().filter(BenchChart::hasData).toList();
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("the report's runs have neither a ratio to the ceiling nor a latency to draw");
        }
        return charts;
    }

    private static boolean hasData(CategoryChart chart) {
        // the bars, not the reference lines and target markers drawn against them
        return chart.getSeriesMap().values().stream()
                .filter(series -> series.getChartCategorySeriesRenderStyle() != CategorySeriesRenderStyle.Line
                        && series.getChartCategorySeriesRenderStyle() != CategorySeriesRenderStyle.Scatter)
                .anyMatch(series -> series.getYData().stream().anyMatch(value -> value != null));
    }

    private static CategoryChart throughput(List<RunReport> runs) {
        double ceiling = runs.stream().filter(run -> run.run().equals("ceiling" + FULL)).mapToDouble(RunReport::commandsPerSecond)
                .findFirst().orElse(Double.NaN);
        String title = Double.isNaN(ceiling) ? "Throughput / the ceiling's full-speed rate"
                : String.format(Locale.ROOT, "Throughput / the ceiling's full-speed rate (1.0 = %,.0f records/s)", ceiling);
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle("run").yAxisTitle("ratio to the ceiling").build();
        style(chart);
        // one bar per category: the commands and trades series fill different categories
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setLabelsVisible(true);
        // bar labels (and axis ticks) to up to three decimals, as the table's ratios
        chart.getStyler().setYAxisDecimalPattern("0.00#");
        chart.getStyler().setLabelsPosition(1.0);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setYAxisMin(0.0);
        List<String> categories = new ArrayList<>();
        List<Double> commands = new ArrayList<>();
        List<Double> trades = new ArrayList<>();
        for (RunReport run : runs) {
            categories.add(run.run());
            commands.add(valueOrNull(run.ratioToCeiling()));
            trades.add(null);
            if (run.trades() > 0) {
                categories.add(run.run() + " trades");
                commands.add(null);
                trades.add(valueOrNull(run.tradeRatioToCeiling()));
            }
        }
        chart.addSeries(COMMANDS, categories, commands).setFillColor(COMMANDS_COLOR);
        if (trades.stream().anyMatch(value -> value != null)) {
            chart.addSeries(TRADES, categories, trades).setFillColor(TRADES_COLOR);
        }
        referenceLine(chart, SINGLE_STEP_TARGET, categories, BenchTargets.SINGLE_STEP_RATIO, TARGET_COLOR);
        referenceLine(chart, TRADE_TARGET, categories, BenchTargets.TRADE_RATIO, TRADE_TARGET_COLOR);
        return chart;
    }

    private static void referenceLine(CategoryChart chart, String name, List<String> categories, double value, Color color) {
        CategorySeries line = chart.addSeries(name, categories, Collections.nCopies(categories.size(), value));
        line.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(color);
        line.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
    }

    private static CategoryChart latency(List<RunReport> runs) {
        List<RunReport> halfPeak = runs.stream().filter(run -> run.run().endsWith(HALF_PEAK)).toList();
        boolean steady = !halfPeak.isEmpty();
        List<RunReport> shown = steady ? halfPeak : runs;
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(steady ? "Latency at half-peak, send to committed result (ms)"
                        : "Latency at full speed (queueing included), send to committed result (ms)")
                .xAxisTitle(steady ? "run at half its peak rate" : "run").yAxisTitle("ms").build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsPosition(0.97);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        List<String> categories = new ArrayList<>();
        List<Latencies> latencies = new ArrayList<>();
        for (RunReport run : shown) {
            String name = steady ? run.run().substring(0, run.run().length() - HALF_PEAK.length()) : run.run();
            boolean ceiling = name.startsWith("ceiling");
            if (run.singleStep().count() > 0) {
                categories.add(ceiling ? name : name + " single-step");
                latencies.add(run.singleStep());
            }
            if (run.tradeLatency().count() > 0) {
                categories.add(name + " trades");
                latencies.add(run.tradeLatency());
            }
        }
        if (categories.isEmpty()) {
            return chart; // nothing measured a latency: left out
        }
        // nested, back to front (p99.9 >= p99 >= p50): each category is one bar, a target marker sits on it
        chart.addSeries(P999, categories, latencies.stream().map(l -> valueOrNull(l.p999Ms())).toList()).setFillColor(P999_COLOR);
        chart.addSeries(P99, categories, latencies.stream().map(l -> valueOrNull(l.p99Ms())).toList()).setFillColor(P99_COLOR);
        chart.addSeries(P50, categories, latencies.stream().map(l -> valueOrNull(l.p50Ms())).toList()).setFillColor(P50_COLOR);
        if (steady) {
            p99Targets(chart, categories, halfPeak);
        }
        return chart;
    }

    /** The p99 targets at half-peak, as markers over the bars they bound: A's single-step commands and B's trades. */
    private static void p99Targets(CategoryChart chart, List<String> categories, List<RunReport> halfPeak) {
        double ceilingP99 = halfPeak.stream().filter(run -> run.run().equals("ceiling" + HALF_PEAK)).mapToDouble(run -> run.singleStep().p99Ms())
                .findFirst().orElse(Double.NaN);
        if (!(ceilingP99 > 0)) {
            return;
        }
        List<Double> targets = new ArrayList<>();
        for (String category : categories) {
            Double target = null;
            if (category.equals("A single-step")) {
                target = ceilingP99 * BenchTargets.SINGLE_STEP_P99_FACTOR;
            } else if (category.equals("B trades")) {
                target = ceilingP99 * BenchTargets.TRADE_P99_FACTOR;
            }
            targets.add(target);
        }
        if (targets.stream().allMatch(target -> target == null)) {
            return;
        }
        CategorySeries markers = chart.addSeries(P99_TARGET, categories, targets);
        markers.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Scatter);
        markers.setMarker(SeriesMarkers.DIAMOND);
        markers.setMarkerColor(TARGET_COLOR);
    }

    private static Double valueOrNull(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : value;
    }

    private static void style(CategoryChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setAvailableSpaceFill(0.8);
    }
}
