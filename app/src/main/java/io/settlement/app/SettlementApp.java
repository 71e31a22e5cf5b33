package io.settlement.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.app.ops.CommittedResults;
import io.settlement.app.ops.DeadLetterMeter;
import io.settlement.app.ops.HangingTransactionWatch;
import io.settlement.app.ops.ObservedProcessors;
import io.settlement.app.ops.ResultCounter;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.Topics;
import io.settlement.http.ApiSecurity;
import io.settlement.http.CommandPublisher;
import io.settlement.http.HealthChecks;
import io.settlement.http.HttpApi;
import io.settlement.http.HttpApiConfig;
import io.settlement.http.KafkaCommandPublisher;
import io.settlement.kafka.LocalPorts;
import io.settlement.serde.confluent.WireFormats;
import io.settlement.sink.Health;
import io.settlement.sink.LiabilityProofs;
import io.settlement.topology.RocksDbSettings;
import io.settlement.topology.RunningStores;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import io.settlement.topology.trade.TradeTopology;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the settlement service: the topology on Kafka Streams (exactly once,
 * dead-letter topic, state listener, failure policy), the HTTP API with its command publisher
 * and metrics, and the sinks that are configured ({@link Sinks}), all in the configured wire format. {@code dev}, {@code run} and the integration tests all start it through
 * {@link #start}, so the tests exercise the wiring users run.
 *
 * <p>Before anything starts it checks the topic layout ({@link TopicLayout#verify()}) and takes
 * the partition count of the user-keyed inputs from the cluster, which the topology's partition
 * guard compares every record against.
 */
public final class SettlementApp implements AutoCloseable {
    /** How long a clean shutdown of Kafka Streams may take before the client is abandoned. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** The name of this instance's Kafka Streams state in {@code GET /health}. */
    public static final String STREAMS_COMPONENT = "settlement-streams";

    private static final Logger log = LoggerFactory.getLogger(SettlementApp.class);

    private final AppSettings settings;
    private final Topics topics;
    private final int userPartitions;
    private final KafkaStreams streams;
    private final StreamsStateTracker health;
    private final CommandPublisher publisher;
    private final HttpApi api;
    private final Sinks sinks;
    private final CommittedResults committedResults;
    private final HealthChecks checks;
    private final HangingTransactionWatch hangingTransactions;
    private boolean closed;

    private SettlementApp(AppSettings settings, Topics topics, int userPartitions, KafkaStreams streams,
            StreamsStateTracker health, CommandPublisher publisher, HttpApi api, Sinks sinks, CommittedResults committedResults,
            HealthChecks checks, HangingTransactionWatch hangingTransactions) {
        this.settings = settings;
        this.topics = topics;
        this.userPartitions = userPartitions;
        this.streams = streams;
        this.health = health;
        this.publisher = publisher;
        this.api = api;
        this.sinks = sinks;
        this.committedResults = committedResults;
        this.checks = checks;
        this.hangingTransactions = hangingTransactions;
    }

    /**
     * Verifies the topic layout, then starts the topology and the HTTP API. The API answers at
     * once; lookups are 503 until Kafka Streams is RUNNING.
     *
     * @throws TopicLayout.TopicLayoutException when a topic is missing or the inputs are not co-partitioned
     * @throws IllegalArgumentException for bad configuration
     */
    public static SettlementApp start(AppSettings configured) {
        return start(configured, null);
    }

    /**
     * As {@link #start(AppSettings)}, the proofs of liabilities served from {@code proofs} instead of the
     * ScyllaDB sink's tables: for the tests, which have a real broker but no database.
     */
    static SettlementApp start(AppSettings configured, LiabilityProofs proofs) {
        return start(configured, proofs, UnaryOperator.identity());
    }

    /**
     * As {@link #start(AppSettings, LiabilityProofs)}, the topics' serdes replaced by {@code wire}:
     * for the rolling-upgrade test, whose instance of the previous version writes the internal
     * records in that version's encodings.
     */
    static SettlementApp start(AppSettings configured, LiabilityProofs proofs, UnaryOperator<Topics> wire) {
        AppSettings settings = configured.httpPort() != 0 ? configured
                // application.server must name the real port, so an ephemeral port is chosen now.
                : configured.with(Map.of(HttpApiConfig.HTTP_PORT, String.valueOf(freePort(configured.httpHost()))));
        // Sink settings are checked now, so a typo stops the start before anything runs.
        settings.scyllaEndpoint();
        settings.scyllaConfig();
        settings.tigerBeetle();
        AvroSerdes avro = settings.wireFormat();
        InternalRecordKeys internalKeys = settings.internalRecordKeys();
        Topics topics = wire.apply(Topics.create(avro, internalKeys));
        int userPartitions;
        SettlementConfig config;
        try (Admin admin = Admin.create(settings.kafkaClientProperties())) {
            TopicLayout layout = new TopicLayout(admin, topics);
            userPartitions = layout.verify();
            config = settings.settlementConfig(userPartitions);
            layout.verifyCoordinatorInputs(TradeTopology.coordinatorPartitions(config));
            // The streams protocol's session timeout is the group's, on the broker (docs/running.md, "Failover").
            StreamsGroupTimeouts.apply(admin, streamsProperties(settings));
        }
        prepareWireFormat(avro, topics);
        PrometheusMeterRegistry registry = meterRegistry();
        // Records accepted without a tag during an upgrade's window (docs/running.md, "Upgrading"): zero once it is closed.
        FunctionCounter.builder("settlement.internal.records.unsigned.accepted", internalKeys, InternalRecordKeys::unsignedAccepted)
                .description("internal records without an authentication tag accepted under internal.record.unsigned.accepted.until")
                .register(registry);
        HttpApiConfig httpSettings = settings.httpApiConfig();
        ApiSecurity security = settings.apiSecurity();
        Properties properties = streamsProperties(settings);
        observe(properties, registry);
        // The processor wrapper is a topology setting: the builder must see it.
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(properties)));
        // Results are counted from the topic once committed (CommittedResults), not as they are forwarded.
        // The topology tells the lookups which of its store partitions run here (restored, processing).
        RunningStores running = RunningStores.tracked();
        SettlementTopology.build(builder, topics, config, running);
        Topology topology = builder.build(properties);

        StreamsStateTracker health = new StreamsStateTracker();
        KafkaStreams streams = new KafkaStreams(topology, properties);
        // A crashed instance's open transaction is ended as soon as the group drops it (AbandonedTransactions).
        AbandonedTransactions abandoned = AbandonedTransactions.forStreams(settings.kafkaClientProperties(), settings.applicationId(),
                String.valueOf(properties.getOrDefault(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic")));
        streams.setStateListener((newState, oldState) -> {
            // Each rebalance in the log: after a start or a crash, one; more would mean the group timeouts are too tight.
            log.info("Kafka Streams {} -> {}", oldState, newState);
            health.onChange(newState, oldState);
            abandoned.onStateChange(newState, oldState);
        });
        streams.setGlobalStateRestoreListener(new RestoreProgress(registry));
        streams.setUncaughtExceptionHandler(new StreamsFailurePolicy());
        log.info("Starting settlement instance {} of {} ({} user partitions, state in {})",
                httpSettings.applicationServerConfig(), settings.applicationId(), userPartitions,
                settings.stateDir().toAbsolutePath());
        streams.start();
        CommittedResults committedResults = CommittedResults.start(settings.kafkaClientProperties(), settings.applicationId(),
                topics.results(), new ResultCounter(registry));

        HealthChecks checks = new HealthChecks().register(STREAMS_COMPONENT, () -> streamsHealth(health));
        HangingTransactionWatch hangingTransactions = null;
        if (!settings.hangingTransactionsCheckInterval().isZero()) {
            hangingTransactions = HangingTransactionWatch.start(settings.kafkaClientProperties(), topics.all(),
                    settings.applicationId() + "-", settings.hangingTransactionsThreshold(), settings.hangingTransactionsCheckInterval(),
                    registry);
            checks.register(HangingTransactionWatch.COMPONENT, hangingTransactions::health);
        }
        Sinks sinks;
        try {
            sinks = Sinks.start(settings, topics, registry, checks);
        } catch (RuntimeException e) {
            closeQuietly(hangingTransactions);
            committedResults.close();
            streams.close(CLOSE_TIMEOUT);
            throw e;
        }
        Map<String, Object> producerConfig = new HashMap<>();
        settings.kafkaClientProperties().forEach((key, value) -> producerConfig.put((String) key, value));
        KafkaCommandPublisher publisher = KafkaCommandPublisher.create(producerConfig, topics);
        publisher.bindTo(registry);
        HttpApi api;
        try {
            api = HttpApi.start(httpSettings, streams, topics, settings.assets(), publisher, checks, registry, security,
                    sinks.history(), proofs != null ? Optional.of(proofs) : sinks.liabilities(), running);
        } catch (RuntimeException e) {
            sinks.close();
            closeQuietly(hangingTransactions);
            committedResults.close();
            streams.close(CLOSE_TIMEOUT);
            publisher.close();
            throw new IllegalArgumentException("cannot start the HTTP API on " + settings.httpHost() + ":"
                    + settings.httpPort() + ": " + e.getMessage(), e);
        }
        return new SettlementApp(settings, topics, userPartitions, streams, health, publisher, api, sinks, committedResults, checks,
                hangingTransactions);
    }

    /**
     * With the Confluent format, registers or verifies every published subject before anything
     * runs, so an unreachable registry or a missing subject stops the start with one message.
     */
    static void prepareWireFormat(AvroSerdes avro, Topics topics) {
        try {
            List<String> subjects = WireFormats.prepare(avro, topics);
            if (!subjects.isEmpty()) {
                log.info("Schema registry subjects ready: {}", subjects);
            }
        } catch (KafkaException e) {
            throw new StartException("the schema registry refused or did not answer (" + e.getMessage()
                    + "); see docs/confluent.md", e);
        }
    }

    /**
     * The Kafka Streams settings of one instance: Kafka client settings ({@code kafka.*}), the
     * topology's base (exactly-once v2, the dead-letter topic and its handlers), this instance's
     * identity and limits, and last the operator's {@code streams.*} overrides.
     */
    static Properties streamsProperties(AppSettings settings) {
        Properties props = new Properties();
        props.putAll(settings.kafkaClientProperties());
        props.putAll(SettlementConfig.streamsProperties(settings.applicationId(), settings.bootstrapServers(),
                settings.stateDir().toAbsolutePath().toString()));
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, settings.standbyReplicas());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitIntervalMs());
        props.put(RocksDbSettings.MEMORY_BYTES_CONFIG, settings.rocksDbMemoryBytes());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.topicReplicationFactor());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.advertisedHost() + ":" + settings.httpPort());
        props.putAll(settings.streamsOverrides());
        // After the overrides: a crashed instance's partitions move within seconds (docs/running.md, "Failover").
        SettlementConfig.classicGroupTimeouts(props);
        return props;
    }

    /**
     * What operators see of the topology (docs/operations.md): the record's ids in the logging
     * context ({@link ObservedProcessors}), dead letters counted
     * ({@link DeadLetterMeter}), both reporting to {@code registry}.
     */
    static void observe(Properties properties, MeterRegistry registry) {
        properties.put(StreamsConfig.PROCESSOR_WRAPPER_CLASS_CONFIG, ObservedProcessors.class.getName());
        properties.put(ObservedProcessors.METER_REGISTRY_CONFIG, registry);
        properties.put(StreamsConfig.producerPrefix(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG), DeadLetterMeter.class.getName());
        properties.put(StreamsConfig.producerPrefix(ObservedProcessors.METER_REGISTRY_CONFIG), registry);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("could not close {}: {}", closeable.getClass().getSimpleName(), e.toString());
        }
    }

    private static Health streamsHealth(StreamsStateTracker health) {
        String detail = health.state() + " since " + health.since();
        return health.isRunning() ? Health.up(detail) : Health.down(detail);
    }

    private static PrometheusMeterRegistry meterRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        return registry;
    }

    private static int freePort(String host) {
        try {
            return LocalPorts.freePort(host);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("http.host " + host + ": " + e.getMessage(), e);
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public StreamsStateTracker health() {
        return health;
    }

    public Topics topics() {
        return topics;
    }

    public int userPartitions() {
        return userPartitions;
    }

    /** The settings this instance runs with (an ephemeral {@code http.port} resolved to the real one). */
    public AppSettings settings() {
        return settings;
    }

    /** The base URL of this instance's HTTP API, for people and tests. */
    public String httpUrl() {
        String host = settings.httpHost().equals("0.0.0.0") ? "localhost" : settings.httpHost();
        return "http://" + host + ":" + api.port();
    }

    /** The components {@code GET /health} reports; a command adds its own ({@code run}: the durability check). */
    HealthChecks healthChecks() {
        return checks;
    }

    /** The sinks of this instance (on or off as configured). */
    Sinks sinks() {
        return sinks;
    }

    /** Infrastructure a start needs did not answer or refused (not a configuration mistake); exit code 1. */
    public static final class StartException extends RuntimeException {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Stops the HTTP API, the sinks, the hanging transaction check, the results metric's consumer, Kafka Streams and the command publisher. Local state stays on disk (no
     * cleanup), so the next start on the same state dir resumes from it rather than from the changelogs.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Stopping settlement instance");
        api.close();
        sinks.close();
        closeQuietly(hangingTransactions);
        committedResults.close();
        if (!streams.close(CLOSE_TIMEOUT)) {
            log.warn("Kafka Streams did not stop within {}", CLOSE_TIMEOUT);
        }
        publisher.close();
    }
}
