package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark end to end with tiny counts, so it cannot rot: a fresh embedded broker, the
 * ceiling, workloads A and B at full speed and at half peak, the HTTP lookup load, the
 * verification. It asserts the verdict and the report's shape, never a timing.
 */
class BenchSmokeTest {
    @TempDir
    Path dataDir;

    @Test
    void aTinyBenchmarkRunVerifiesAndWritesTheSameReportAsJson() throws Exception {
        // given: tiny bounds, every part of the benchmark switched on
        Path json = dataDir.resolve("bench.json");
        BenchSettings settings = new BenchSettings(Optional.empty(), dataDir, 4, 1, 500, 2_000, Duration.ofSeconds(5),
                Duration.ofSeconds(60), 7, "ABC", true, 200, Optional.empty(), 200, 2, Optional.of(json), java.util.Map.of(), false);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        // when
        int exitCode = BenchCommand.run(settings, new PrintStream(printed, true, StandardCharsets.UTF_8));

        // then: verified, with a table and the same report as JSON
        String table = printed.toString(StandardCharsets.UTF_8);
        System.out.println(table);
        assertThat(exitCode).as(table).isZero();
        assertThat(table).contains("ceiling full", "A full", "A half-peak", "verification A: OK", "VERIFIED");
        JsonNode report = BenchCommand.json().readTree(Files.readString(json));
        assertThat(report.get("verified").asBoolean()).isTrue();
        assertThat(report.get("runs").size()).isGreaterThanOrEqualTo(4);
        assertThat(report.get("verifications").get(0).get("invariants").get("ok").asBoolean()).isTrue();
        // and every target with what this run measured (C, the ScyllaDB sink, needs --cql; T is not among the workloads: not measured here)
        assertThat(table).contains("targets:", "single-step commands >= 0.40", "trades >= 0.10", "balance lookup p99 <= 5 ms");
        assertThat(table.lines().filter(line -> line.contains("ScyllaDB sink >= 43,500")).findFirst())
                .hasValueSatisfying(line -> assertThat(line).contains("not measured in this run"));
        assertThat(table.lines().filter(line -> line.contains("TigerBeetle sink >= 0.5")).findFirst())
                .hasValueSatisfying(line -> assertThat(line).contains("not measured in this run"));
        assertThat(report.get("targets")).hasSize(9);
        // and B's appends per trade, from a phase of trades only (a quarter of a run: 500 trades), printed and in the JSON
        assertThat(table).contains("appends per trade:", "appends per trade <= 24");
        JsonNode perTrade = report.get("appendsPerTrade");
        assertThat(perTrade.get("run").asText()).isEqualTo("B trades only");
        assertThat(perTrade.get("trades").asLong()).isEqualTo(500);
        assertThat(perTrade.get("perTrade").get("total").asDouble()).isPositive();
        assertThat(report.get("verifications").get(1).get("workload").asText()).isEqualTo("B");
        assertThat(report.get("verifications").get(1).get("ok").asBoolean()).isTrue();
        assertThat(report.get("targets").get(0).get("met").isBoolean()).isTrue();
        assertThat(report.get("httpLoadHalfPeak").get("pacedRate").asLong()).isPositive();
        // and the JSON names no path of this machine: the data directory and the report by their names alone
        assertThat(Files.readString(json)).doesNotContain(dataDir.toAbsolutePath().toString())
                .doesNotContain(Path.of("").toAbsolutePath().toString());
        assertThat(report.get("environment").get("settings").asText()).contains("out=Optional[bench.json]");
    }
}
