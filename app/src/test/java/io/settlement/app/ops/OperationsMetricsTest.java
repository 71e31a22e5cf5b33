package io.settlement.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.app.OpsTestInstance;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topic;
import io.settlement.topology.RocksDbSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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

    @Test
    void aResultIsCountedOnceCommittedAndNeverWhenItsTransactionAborts() throws Exception {
        // given a result of a kind, status and reason the traffic never produces, and a plain transactional producer
        Topic<String, SettlementResult> results = instance.topics().results();
        SettlementResult result = SettlementResult.newBuilder().setCommandId("ops-aborted-1").setKind(CommandKind.OTHER)
                .setUserId(OpsTestInstance.USER).setStatus(ResultStatus.REJECTED).setReason(Reason.SAME_ASSET)
                .setCommandTime(Instant.now()).setProcessedAt(Instant.now()).build();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(results.name(), 0,
                results.keySerde().serializer().serialize(results.name(), "OTHER:ops-aborted-1"),
                results.valueSerde().serializer().serialize(results.name(), result));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, instance.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ops-metrics-aborting-writer");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            // when it is written in a transaction that aborts, as a crashed task's output is
            producer.beginTransaction();
            producer.send(record).get();
            producer.abortTransaction();
            // and then written again, on the same partition, in one that commits, as the replay's output is
            producer.beginTransaction();
            producer.send(record).get();
            producer.commitTransaction();
        }

        // then it is counted once: the committed copy is behind the aborted one, so once it is counted the other was passed over
        Pattern sample = Pattern.compile("^settlement_results_total\\{(?=[^}]*kind=\"OTHER\")(?=[^}]*reason=\"SAME_ASSET\")"
                + "(?=[^}]*status=\"REJECTED\")[^}]*\\} (\\S+)$", Pattern.MULTILINE);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(sample.matcher(instance.get("/metrics").body()).find()).isTrue());
        Matcher counted = sample.matcher(instance.get("/metrics").body());
        assertThat(counted.find()).isTrue();
        assertThat(Double.parseDouble(counted.group(1))).isEqualTo(1.0);
    }

    @Test
    void everyStateStoreHasTheProcesssOneRocksDbCacheOfTheConfiguredBudget() {
        // each store on each partition reports its block cache's capacity: the one cache of rocksdb.memory.bytes (docs/operations.md, "Memory"),
        // not a cache of its own (Kafka Streams' default, 50 MB each)
        Pattern capacity = Pattern.compile("^kafka_stream_state_block_cache_capacity\\{[^}]*\\} (\\S+)$", Pattern.MULTILINE);
        await().atMost(WITHIN).untilAsserted(() -> {
            Matcher samples = capacity.matcher(instance.get("/metrics").body());
            List<Double> capacities = new ArrayList<>();
            while (samples.find()) {
                capacities.add(Double.parseDouble(samples.group(1)));
            }
            // (nine stores on each partition)
            assertThat(capacities).as("block cache capacity of each store").hasSizeGreaterThanOrEqualTo(9)
                    .containsOnly((double) RocksDbSettings.MEMORY_BYTES_DEFAULT);
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
