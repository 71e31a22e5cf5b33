package io.settlement.http;

import io.settlement.testsupport.FreePorts;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.topology.Assets;
import io.settlement.topology.RunningStores;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * One application instance as the app wires it: a real KafkaStreams running
 * {@link SettlementTopology#build} and an {@link HttpApi} on a free port that is also its
 * {@code application.server}.
 */
final class ApiInstance implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    static final String APPLICATION_ID = "settlement-http-api-test";

    final Topics topics;
    final KafkaStreams streams;
    final HttpApiConfig settings;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final HealthChecks health = new HealthChecks();
    final CommandPublisher publisher;
    /** The topology's view of which of its store partitions run here, as the app's. */
    final RunningStores running;
    HttpApi api;

    private ApiInstance(Topics topics, KafkaStreams streams, HttpApiConfig settings, CommandPublisher publisher, RunningStores running) {
        this.topics = topics;
        this.streams = streams;
        this.settings = settings;
        this.publisher = publisher;
        this.running = running;
    }

    /** Builds the streams (not started) and a publisher; {@link #startApi()} and {@code streams.start()} follow. */
    static ApiInstance create(EmbeddedKafkaBroker broker, Path stateDir, int userPartitions) {
        return create(broker, stateDir, userPartitions, Map.of());
    }

    /** As {@link #create(EmbeddedKafkaBroker, Path, int)}, with Kafka Streams settings added over the defaults. */
    static ApiInstance create(EmbeddedKafkaBroker broker, Path stateDir, int userPartitions, Map<String, Object> streamsOverrides) {
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        HttpApiConfig settings = HttpApiConfig.of(HOST, HOST, FreePorts.freePort());
        StreamsBuilder builder = new StreamsBuilder();
        RunningStores running = RunningStores.tracked();
        SettlementTopology.build(builder, topics, new SettlementConfig(Assets.defaults(),
                SettlementConfig.COMMAND_RETENTION_DEFAULT, SettlementConfig.PURGE_INTERVAL_DEFAULT,
                SettlementConfig.ORDER_FILL_GRACE_DEFAULT, userPartitions), running);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.applicationServerConfig());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
        props.putAll(streamsOverrides);
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        CommandPublisher publisher = KafkaCommandPublisher.create(Map.of("bootstrap.servers", broker.bootstrapServers()), topics);
        return new ApiInstance(topics, streams, settings, publisher, running);
    }

    /** A real broker with every topic of the contract, {@code partitions} each, its data under {@code root/kafka}. */
    static EmbeddedKafkaBroker brokerWithTopics(Path root, Topics topics, int partitions) {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(root.resolve("kafka"));
        java.util.Map<String, Integer> layout = new java.util.HashMap<>();
        topics.all().forEach(name -> layout.put(name, partitions));
        broker.createTopics(layout);
        return broker;
    }

    ApiInstance startApi() {
        api = HttpApi.start(settings, streams, topics, Assets.defaults(), publisher, health, registry, TestTokens.SECURITY,
                java.util.Optional.empty(), java.util.Optional.empty(), running);
        return this;
    }

    String baseUrl() {
        return "http://" + HOST + ":" + settings.port();
    }

    String server() {
        return settings.applicationServerConfig();
    }

    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
        streams.close(Duration.ofSeconds(30));
        publisher.close();
    }

    /** A KafkaStreams that is never started, for APIs whose routes under test answer before any store is read. */
    static KafkaStreams neverStarted(String applicationId) {
        Path stateDir;
        try {
            stateDir = java.nio.file.Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), applicationId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("unused");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new KafkaStreams(builder.build(), props);
    }
}
