package io.settlement.bench;

import io.settlement.app.AppSettings;
import io.settlement.topology.SettlementConfig;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams settings of both the ceiling and the settlement instance: the topology's
 * own {@link SettlementConfig#base} (what the app runs with: exactly-once v2, the dead-letter
 * topic, batching) plus the benchmark's thread count and dead-letter topic name. The ceiling
 * gets the very same settings, so the ratio compares topologies, not configurations.
 */
final class BenchStreams {
    /** The app's default commit interval ({@link AppSettings}): the produce-to-result latency is bounded below by it. */
    static final long COMMIT_INTERVAL_MS =
            ((Number) AppSettings.APP_CONFIG.defaultValues().get(AppSettings.COMMIT_INTERVAL_MS)).longValue();

    private BenchStreams() {}

    static Properties properties(String applicationId, String bootstrapServers, Path stateDir, int streamThreads, String deadLetterTopic) {
        Properties props = SettlementConfig.streamsProperties(applicationId, bootstrapServers, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        // Set explicitly (Kafka Streams' own default under exactly-once is 100 ms): latency depends on it.
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        return props;
    }
}
