package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchChartTest {
    @TempDir
    Path dir;

    @Test
    void writesThroughputAndLatencySideBySideAsAPngBesideTheJson() throws Exception {
        // given a report with the ceiling, two settlement runs and a sink run without a rate
        BenchReport report = new BenchReport();
        report.runs.add(run("ceiling full", 40_000, 120, 400, 900));
        report.runs.add(run("A full", 20_000, 300, 900, 1_500));
        report.runs.add(run("A half-peak", 10_000, 0, 40, 80));
        report.runs.add(new RunReport("C ScyllaDB sink", 0, 1_000, 0, 1, 0, 0, Double.NaN, Double.NaN,
                new Latencies(0, 0, 0, 0, 0), new Latencies(0, 0, 0, 0, 0), 0, 20_000, true, java.util.Map.of()));
        Path json = dir.resolve("bench.json");

        // when its chart is written beside the JSON
        Path png = BenchChart.besides(json);
        BenchChart.write(report, png);

        // then it is one PNG with the two charts next to each other
        assertThat(png.getFileName().toString()).isEqualTo("bench.png");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * BenchChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(BenchChart.HEIGHT);
        assertThat(Files.list(dir)).containsExactly(png);
    }

    @Test
    void refusesAReportWithoutAMeasuredRun() {
        assertThatThrownBy(() -> BenchChart.write(new BenchReport(), dir.resolve("empty.png")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no measured run");
    }

    private static RunReport run(String name, double perSecond, double p50, double p99, double p999) {
        return new RunReport(name, 0, 100_000, 0, 5, perSecond, 0, 1, 0, new Latencies(100_000, p50, p99, p999, p999 * 2),
                new Latencies(0, 0, 0, 0, 0), 1.5, 0, true, java.util.Map.of());
    }
}
