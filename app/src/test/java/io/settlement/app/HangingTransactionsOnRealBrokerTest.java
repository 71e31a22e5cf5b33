package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.app.ops.HangingTransactionWatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hanging transaction check of a running instance on a real broker: a transaction left open
 * on one of the app's topics shows in {@code /metrics} and {@code /health} once its partition's
 * last stable offset has stood still past the threshold, and clears once the transaction ends.
 */
class HangingTransactionsOnRealBrokerTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static RealBroker kafka;
    private static SettlementApp app;

    @BeforeAll
    static void startInstance() {
        kafka = RealBroker.startWithTopics("hanging-transactions");
        // A short threshold and interval, so the test waits seconds, not the default minutes.
        app = SettlementApp.start(kafka.instanceSettings("hanging", Map.of(
                AppSettings.HANGING_TRANSACTIONS_THRESHOLD_MS, "2000",
                AppSettings.HANGING_TRANSACTIONS_CHECK_INTERVAL_MS, "250")));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        kafka.close();
    }

    @Test
    void aTransactionLeftOpenShowsInMetricsAndHealthUntilItIsAborted() throws Exception {
        // given the check sees nothing hanging
        await().atMost(WITHIN).ignoreExceptions().until(() -> component().path("detail").asText().contains("partitions checked"));
        assertThat(component().path("status").asText()).isEqualTo("UP");
        assertThat(hangingPartitionsMetric()).isEqualTo(0.0);

        // when a plain transactional producer writes one record to settlement.results partition 1 and neither
        // commits nor aborts (a timeout long enough that its coordinator does not abort it during the test)
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(kafka.topics.results().name(), 1, null,
                    "left open".getBytes(StandardCharsets.UTF_8))).get();

            // then past the threshold the metric counts the partition and /health names it, DEGRADED
            await().atMost(WITHIN).ignoreExceptions().until(() -> hangingPartitionsMetric() == 1.0);
            JsonNode hanging = component();
            assertThat(hanging.path("status").asText()).isEqualTo("DEGRADED");
            assertThat(hanging.path("detail").asText())
                    .startsWith("HANGING on 1 partition(s)")
                    .contains("settlement.results-1 last stable offset 0, end offset")
                    .contains("kafka-transactions.sh find-hanging");
            assertThat(metrics()).containsPattern("settlement_transactions_stalled_seconds [1-9]");

            // when the transaction is aborted
            producer.abortTransaction();

            // then it clears
            await().atMost(WITHIN).ignoreExceptions().until(() -> hangingPartitionsMetric() == 0.0
                    && component().path("status").asText().equals("UP"));
            assertThat(component().path("detail").asText()).startsWith("none (");
        }
    }

    private static KafkaProducer<byte[], byte[]> transactionalProducer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "hanging-test");
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "300000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static JsonNode component() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body()).path("components").path(HangingTransactionWatch.COMPONENT);
    }

    private static String metrics() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/metrics")).timeout(Duration.ofSeconds(5))
                .header("Authorization", kafka.serviceAuthorization()).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double hangingPartitionsMetric() throws Exception {
        return metrics().lines().filter(line -> line.startsWith("settlement_transactions_hanging_partitions "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst().orElse(-1);
    }
}
