package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;

class BenchChartTest {
    private static final double CEILING = 40_000;

    @TempDir
    Path dir;

    @Test
    void writesThroughputAndLatencySideBySideAsAPngBesideTheJson() throws Exception {
        // given a report with the ceiling, both workloads at full speed and half-peak, and a sink run without a rate
        BenchReport report = report();
        Path json = dir.resolve("bench.json");

        // when its chart is written beside the JSON
        Path png = BenchChart.besides(json);
        BenchChart.write(report, png);

        // then it is one non-empty PNG with the two charts next to each other
        assertThat(png.getFileName().toString()).isEqualTo("bench.png");
        assertThat(Files.size(png)).isPositive();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * BenchChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(BenchChart.HEIGHT);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(png);
        }
    }

    @Test
    void throughputIsEachRunsRatioToTheCeilingWithTradesAsBarsOfTheirOwnAndTheTargetsAsLines() {
        CategoryChart throughput = BenchChart.charts(report()).get(0);

        Map<String, CategorySeries> series = throughput.getSeriesMap();
        assertThat(series).containsOnlyKeys(BenchChart.COMMANDS, BenchChart.TRADES, BenchChart.SINGLE_STEP_TARGET, BenchChart.TRADE_TARGET);
        List<String> categories = List.of("ceiling full", "ceiling half-peak", "A full", "A half-peak", "B full", "B full trades",
                "B half-peak", "B half-peak trades");
        assertThat(series.values()).allSatisfy(one -> assertThat(categories(one)).containsExactlyElementsOf(categories));
        assertThat(values(series.get(BenchChart.COMMANDS))).containsExactly(1.0, 0.5, 0.6, 0.3, 0.5, null, 0.25, null);
        assertThat(values(series.get(BenchChart.TRADES))).containsExactly(null, null, null, null, null, 0.125, null, 0.075);
        assertThat(values(series.get(BenchChart.SINGLE_STEP_TARGET))).containsOnly(BenchTargets.SINGLE_STEP_RATIO);
        assertThat(values(series.get(BenchChart.TRADE_TARGET))).containsOnly(BenchTargets.TRADE_RATIO);
        assertThat(series.get(BenchChart.SINGLE_STEP_TARGET).getChartCategorySeriesRenderStyle())
                .isEqualTo(CategorySeries.CategorySeriesRenderStyle.Line);
        assertThat(throughput.getTitle()).contains("40,000");
    }

    @Test
    void latencyShowsOnlyTheHalfPeakRunsWithTradesBesideSingleStepAndTheP99Targets() {
        CategoryChart latency = BenchChart.charts(report()).get(1);

        Map<String, CategorySeries> series = latency.getSeriesMap();
        assertThat(series).containsOnlyKeys(BenchChart.P50, BenchChart.P99, BenchChart.P999, BenchChart.P99_TARGET);
        List<String> categories = List.of("ceiling", "A single-step", "B single-step", "B trades");
        assertThat(series.values()).allSatisfy(one -> assertThat(categories(one)).containsExactlyElementsOf(categories));
        // the full-speed runs' seconds of queueing are not on this scale
        assertThat(values(series.get(BenchChart.P50))).containsExactly(20.0, 30.0, 35.0, 90.0);
        assertThat(values(series.get(BenchChart.P99))).containsExactly(100.0, 140.0, 160.0, 300.0);
        assertThat(values(series.get(BenchChart.P999))).containsExactly(150.0, 200.0, 220.0, 450.0);
        // A's single-step p99 against 1.5x the ceiling's, B's trade p99 against 3.5x
        assertThat(values(series.get(BenchChart.P99_TARGET))).containsExactly(null, 150.0, null, 350.0);
        assertThat(latency.getTitle()).contains("half-peak");
    }

    @Test
    void withoutHalfPeakRunsTheLatencyChartShowsTheFullSpeedRunsAndSaysSo() {
        BenchReport report = new BenchReport();
        report.runs.add(run("ceiling full", CEILING, 0, latencies(4_000, 5_000, 5_100), Latencies.NONE));
        report.runs.add(run("B full", 20_000, 5_000, latencies(1_000, 2_000, 2_100), latencies(8_000, 8_500, 8_600)));

        CategoryChart latency = BenchChart.charts(report).get(1);

        assertThat(latency.getTitle()).contains("full speed");
        assertThat(latency.getSeriesMap()).containsOnlyKeys(BenchChart.P50, BenchChart.P99, BenchChart.P999);
        assertThat(categories(latency.getSeriesMap().get(BenchChart.P99))).containsExactly("ceiling full", "B full single-step", "B full trades");
        assertThat(values(latency.getSeriesMap().get(BenchChart.P99))).containsExactly(5_000.0, 2_000.0, 8_500.0);
    }

    @Test
    void leavesOutTheLatencyChartWhenNoRunGotAResult() {
        BenchReport report = new BenchReport();
        report.runs.add(run("ceiling full", CEILING, 0, Latencies.NONE, Latencies.NONE));

        List<CategoryChart> charts = BenchChart.charts(report);

        assertThat(charts).hasSize(1);
        assertThat(values(charts.get(0).getSeriesMap().get(BenchChart.COMMANDS))).containsExactly(1.0);
    }

    @Test
    void refusesAReportWithoutAMeasuredRun() {
        assertThatThrownBy(() -> BenchChart.write(new BenchReport(), dir.resolve("empty.png")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no measured run");
    }

    /** The ceiling at 40,000/s, A and B at full speed and half-peak, B with trades, and a sink run that has no rate. */
    private static BenchReport report() {
        BenchReport report = new BenchReport();
        report.runs.add(run("ceiling full", CEILING, 0, latencies(4_000, 5_000, 5_100), Latencies.NONE));
        report.runs.add(run("ceiling half-peak", 20_000, 0, latencies(20, 100, 150), Latencies.NONE));
        report.runs.add(run("A full", 24_000, 0, latencies(3_000, 7_000, 7_100), Latencies.NONE));
        report.runs.add(run("A half-peak", 12_000, 0, latencies(30, 140, 200), Latencies.NONE));
        report.runs.add(run("B full", 20_000, 5_000, latencies(1_000, 2_000, 2_100), latencies(8_000, 8_500, 8_600)));
        report.runs.add(run("B half-peak", 10_000, 3_000, latencies(35, 160, 220), latencies(90, 300, 450)));
        report.runs.add(new RunReport("C ScyllaDB sink", 0, 1_000, 0, 1, 0, 0, Double.NaN, Double.NaN,
                Latencies.NONE, Latencies.NONE, 0, 20_000, true, Map.of()));
        return report;
    }

    private static RunReport run(String name, double perSecond, double tradesPerSecond, Latencies singleStep, Latencies trades) {
        RunReport run = new RunReport(name, 0, 100_000, tradesPerSecond > 0 ? 25_000 : 0, 5, perSecond, tradesPerSecond, Double.NaN,
                Double.NaN, singleStep, trades, 1.5, Double.NaN, true, Map.of());
        return run.withCeiling(CEILING);
    }

    private static Latencies latencies(double p50, double p99, double p999) {
        return new Latencies(10_000, p50, p99, p999, p999 * 2);
    }

    private static List<Object> categories(CategorySeries series) {
        return new ArrayList<>(series.getXData());
    }

    private static List<Double> values(CategorySeries series) {
        List<Double> values = new ArrayList<>();
        series.getYData().forEach(value -> values.add(value == null ? null : value.doubleValue()));
        return values;
    }
}
