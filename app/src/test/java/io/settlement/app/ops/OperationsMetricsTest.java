package io.settlement.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.app.OpsTestInstance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules in {@code ops/} cannot rot: the app is started as {@code dev}
 * and {@code run} start it (on a real broker, with the TigerBeetle sink on), some traffic goes
 * through it (accepted and rejected commands, an unreadable record, a record on the wrong
 * partition, HTTP requests), and every metric the dashboard and the rules query must then be in
 * {@code GET /metrics} (or, for the reconcile alert, among what {@code reconcile --pushgateway} pushes).
 */
class OperationsMetricsTest {
    private static final Duration WITHIN = Duration.ofSeconds(90);
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

    private static OpsTestInstance instance;

    @BeforeAll
    static void startAndDriveTraffic() throws Exception {
        instance = OpsTestInstance.start("ops-metrics");
        instance.driveTraffic();
    }

    @AfterAll
    static void stop() {
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void everyMetricTheDashboardQueriesIsExposed() {
        assertExposed(MonitoringQueries.dashboardExpressions(), Set.of());
    }

    @Test
    void everyMetricTheAlertRulesQueryIsExposedOrPushedByReconcile() {
        // reconcile runs and ends, so its metrics reach Prometheus through the Pushgateway: what it pushes counts
        Set<String> pushed = exposedNames(ReconcileMetrics.text(0, java.time.Instant.EPOCH));
        assertThat(pushed).containsExactlyInAnyOrderElementsOf(ReconcileMetrics.NAMES);
        assertExposed(MonitoringQueries.alertExpressions(), pushed);
    }

    @Test
    void resultsAndDeadLettersAreCountedByReason() {
        await().atMost(WITHIN).untilAsserted(() -> {
            String metrics = instance.get("/metrics").body();
            assertThat(metrics).containsPattern("settlement_results_total\\{[^}]*kind=\"DEPOSIT\"[^}]*reason=\"none\"[^}]*status=\"ACCEPTED\"");
            assertThat(metrics).containsPattern("settlement_results_total\\{[^}]*reason=\"WRONG_PARTITION\"[^}]*status=\"REJECTED\"");
            assertThat(metrics).containsPattern("settlement_dead_letters_total\\{[^}]*reason=\"WRONG_PARTITION\"");
            assertThat(metrics).containsPattern("settlement_dead_letters_total\\{[^}]*reason=\"SerializationException\"");
            assertThat(metrics).containsPattern("settlement_sink_lag_records\\{[^}]*sink=\"tigerbeetle\"");
        });
    }

    private static void assertExposed(List<String> expressions, Set<String> pushedElsewhere) {
        Set<String> queried = new TreeSet<>();
        expressions.forEach(expression -> queried.addAll(MonitoringQueries.metricNames(expression)));
        assertThat(queried).as("metric names found in the queries").hasSizeGreaterThanOrEqualTo(3);
        await().atMost(WITHIN).untilAsserted(() -> {
            Set<String> exposed = exposedNames(instance.get("/metrics").body());
            exposed.addAll(pushedElsewhere);
            Files.writeString(Path.of("target", "exposed-metrics.txt"), String.join("\n", exposed), StandardCharsets.UTF_8);
            assertThat(exposed).as("metrics in /metrics (the full list is in target/exposed-metrics.txt)").containsAll(queried);
        });
    }

    private static Set<String> exposedNames(String scrape) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = SAMPLE.matcher(scrape);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
