package io.settlement.bench;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams settings of both the ceiling and the settlement instance: the topology's
 * own settings (what the app runs with) plus the benchmark's thread count and dead-letter topic
 * name. The ceiling gets the very same settings, so the ratio compares topologies, not configs.
 */
final class BenchStreams {
    private BenchStreams() {}

    static Properties properties(String applicationId, String bootstrapServers, Path stateDir, int streamThreads, String deadLetterTopic) {
        // Until the core branch's StreamsSettings.base lands: the same settings, copied.
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 2_000);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        return props;
    }
}
