package io.settlement.app;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the settlement service: the topology on Kafka Streams (exactly once,
 * dead-letter topic, state listener, failure policy) and the HTTP API. {@code dev}, {@code run}
 * and the integration tests all start it through {@link #start}, so the tests exercise the
 * wiring users run.
 *
 * <p>Before anything starts it checks the topic layout ({@link TopicLayout#verify()}) and takes
 * the partition count of the user-keyed inputs from the cluster, which the topology's partition
 * guard compares every record against.
 */
public final class SettlementApp implements AutoCloseable {
    /** How long a clean shutdown may take before the client is abandoned. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(SettlementApp.class);

    private final AppSettings settings;
    private final Topics topics;
    private final int userPartitions;
    private final KafkaStreams streams;
    private final StreamsHealth health;

    private SettlementApp(AppSettings settings, Topics topics, int userPartitions, KafkaStreams streams,
            StreamsHealth health) {
        this.settings = settings;
        this.topics = topics;
        this.userPartitions = userPartitions;
        this.streams = streams;
        this.health = health;
    }

    /**
     * Verifies the topic layout, then starts the topology (and the HTTP API).
     *
     * @throws TopicLayout.TopicLayoutException when a topic is missing or the inputs are not co-partitioned
     * @throws IllegalArgumentException for bad configuration
     */
    public static SettlementApp start(AppSettings settings) {
        if (settings.httpPort() == 0) {
            // application.server must name the real port, so an ephemeral port is chosen now.
            settings = settings.with(java.util.Map.of(AppSettings.HTTP_PORT, String.valueOf(freePort(settings.httpHost()))));
        }
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        int userPartitions;
        try (Admin admin = Admin.create(settings.kafkaClientProperties())) {
            userPartitions = new TopicLayout(admin, topics).verify();
        }
        SettlementConfig config = new SettlementConfig(settings.assets(), settings.commandRetention(),
                SettlementConfig.PURGE_INTERVAL_DEFAULT, userPartitions);
        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, topics, config);
        Properties properties = streamsProperties(settings);
        Topology topology = builder.build(properties);

        StreamsHealth health = new StreamsHealth();
        KafkaStreams streams = new KafkaStreams(topology, properties);
        streams.setStateListener(health);
        streams.setUncaughtExceptionHandler(new StreamsFailurePolicy());
        log.info("Starting settlement instance {} of {} ({} user partitions, state in {})",
                properties.get(StreamsConfig.APPLICATION_SERVER_CONFIG), settings.applicationId(), userPartitions,
                settings.stateDir().toAbsolutePath());
        streams.start();
        return new SettlementApp(settings, topics, userPartitions, streams, health);
    }

    /** The Kafka Streams settings of one instance: the topology's base plus this instance's identity and limits. */
    static Properties streamsProperties(AppSettings settings) {
        Properties props = new Properties();
        props.putAll(settings.kafkaClientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DEAD_LETTERS);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, settings.standbyReplicas());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitIntervalMs());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.topicReplicationFactor());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.advertisedHost() + ":" + settings.httpPort());
        props.putAll(settings.streamsOverrides());
        return props;
    }

    private static int freePort(String host) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("no free port on http.host " + host + ": " + e.getMessage(), e);
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public StreamsHealth health() {
        return health;
    }

    public Topics topics() {
        return topics;
    }

    public int userPartitions() {
        return userPartitions;
    }

    public AppSettings settings() {
        return settings;
    }

    /**
     * Stops the HTTP API and the Kafka Streams client. Local state stays on disk (no cleanup), so
     * the next start on the same state dir restores from it rather than from the changelogs.
     */
    @Override
    public void close() {
        log.info("Stopping settlement instance");
        if (!streams.close(CLOSE_TIMEOUT)) {
            log.warn("Kafka Streams did not stop within {}", CLOSE_TIMEOUT);
        }
    }
}
