package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The group timeouts {@code run} gives Kafka Streams so that a crashed instance's partitions move
 * within seconds (docs/running.md, "Failover"): the classic protocol's main consumer gets a 6 s
 * session and 1.5 s heartbeats unless the operator set them, and the streams protocol gets none
 * (its timeouts are the group's, on the broker, and the consumer would not take them).
 */
class FailoverSettingsTest {
    private static Properties streamsProperties(Map<String, String> overrides) {
        Map<String, String> values = new java.util.HashMap<>(Map.of("bootstrap.servers", "k:9092", "http.advertised.host", "node-1"));
        values.putAll(overrides);
        return SettlementApp.streamsProperties(AppSettings.of(AppSettings.RUN_DEFAULTS, values));
    }

    @Test
    void runsDefaultsGiveTheClassicGroupASixSecondSession() {
        Properties props = streamsProperties(Map.of());

        assertThat(props).containsEntry("main.consumer.session.timeout.ms", 6_000)
                .containsEntry("main.consumer.heartbeat.interval.ms", 1_500);
    }

    @Test
    void anOperatorsSessionTimeoutWinsInAnyPrefixForm() {
        // streams.session.timeout.ms reaches Kafka Streams as session.timeout.ms; a main.consumer. one as it is
        Properties plain = streamsProperties(Map.of("streams.session.timeout.ms", "20000"));
        Properties prefixed = streamsProperties(Map.of("streams.main.consumer.heartbeat.interval.ms", "3000"));

        assertThat(plain).containsEntry("session.timeout.ms", "20000").doesNotContainKey("main.consumer.session.timeout.ms")
                .containsEntry("main.consumer.heartbeat.interval.ms", 1_500);
        assertThat(prefixed).containsEntry("main.consumer.heartbeat.interval.ms", "3000")
                .containsEntry("main.consumer.session.timeout.ms", 6_000);
    }

    @Test
    void theStreamsProtocolGetsNoConsumerTimeouts() {
        Properties props = streamsProperties(Map.of("streams.group.protocol", "streams"));

        assertThat(props).doesNotContainKeys("main.consumer.session.timeout.ms", "main.consumer.heartbeat.interval.ms",
                "session.timeout.ms", "heartbeat.interval.ms");
    }

    @Test
    void onlyKafkaStreamsTransactionalIdsOfThisApplicationAreCandidates() {
        var pattern = AbandonedTransactions.transactionalIdPattern("settlement-streams");

        assertThat(pattern.matcher("settlement-streams-9a6b9dea-17be-4aca-9fc2-fdfeb8fdae1c-1").matches()).isTrue();
        // another application whose id starts the same, and a producer of the app's own that is not a stream thread's
        assertThat(pattern.matcher("settlement-streams-x-9a6b9dea-17be-4aca-9fc2-fdfeb8fdae1c-1").matches()).isFalse();
        assertThat(pattern.matcher("settlement-streams-publisher").matches()).isFalse();
    }
}
