package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.retry.RetryPolicy;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import io.settlement.sink.SinkConsumers;
import io.settlement.sink.SinkLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The ScyllaDB sink, as the app and the benchmark run it (docs/scylla.md): consumes
 * {@code settlement.journal}, {@code balance.events} and {@code settlement.results} as consumer
 * group {@value #GROUP_ID} ({@code read_committed}, manual commits) in the {@link SinkLoop} every
 * sink runs, and writes them with its {@link ScyllaWriter}. {@link #start()} opens a session on
 * the endpoint and applies the schema when configured; the history reads ({@link #history()}) and
 * the proofs of liabilities ({@link #liabilities()}) use the same session.
 *
 * <pre>{@code
 * try (ScyllaSink sink = ScyllaSink.start(consumerProperties, topics,
 *         ScyllaEndpoint.singleNode(new InetSocketAddress("127.0.0.1", 9042)), ScyllaConfig.defaults(), registry)) {
 *     ... sink.health(), sink.progress(), sink.history().ledger(...)
 * }
 * }</pre>
 */
public final class ScyllaSink extends SinkLoop {
    /** The sink's name in {@code /health} and the logs. */
    public static final String NAME = "scylla-sink";
    public static final String GROUP_ID = "settlement-sink-scylla";
    /**
     * Records per poll, at most: one poll's records are written together and committed once, so
     * larger polls mean fuller batches and fewer commits; 5,000 records are about 7,500 upserts.
     */
    public static final int RECORDS_PER_POLL_MAX = 5_000;

    private final Topics topics;
    private final ScyllaEndpoint endpoint;
    private final ScyllaConfig config;
    private final MeterRegistry registry;
    private final Clock clock;
    private volatile History history;
    private volatile LiabilityProofs liabilities;

    /**
     * A sink not yet started: nothing connects until {@link #start()}.
     *
     * @param consumerProperties its consumer's settings ({@link #consumerProperties} and the operator's)
     * @param registry           where the sink's metrics go; null keeps them private
     */
    public ScyllaSink(Map<String, Object> consumerProperties, Topics topics, ScyllaEndpoint endpoint, ScyllaConfig config,
                      MeterRegistry registry) {
        this(kafkaConsumers(consumerProperties), topics, endpoint, config, registry == null ? new SimpleMeterRegistry() : registry,
                null, Clock.systemUTC());
    }

    /** As above, with the consumer, the pauses and the clock of "read to its end" progress given (tests). */
    ScyllaSink(Supplier<Consumer<byte[], byte[]>> consumers, Topics topics, ScyllaEndpoint endpoint, ScyllaConfig config,
               MeterRegistry registry, RetryPolicy.Pause pause, Clock clock) {
        super(NAME, "scylla", "rows", topicNames(topics), Duration.ofMillis(config.pollTimeoutMs()), config.retries(),
                registry, consumers, pause);
        this.topics = topics;
        this.endpoint = endpoint;
        this.config = config;
        this.registry = registry;
        this.clock = clock;
    }

    /** A sink with these settings, started. */
    public static ScyllaSink start(Map<String, Object> consumerProperties, Topics topics, ScyllaEndpoint endpoint,
                                   ScyllaConfig config, MeterRegistry registry) {
        ScyllaSink sink = new ScyllaSink(consumerProperties, topics, endpoint, config, registry);
        sink.start();
        return sink;
    }

    /** The consumer configuration the sink relies on: its group, committed reads, manual commits. */
    public static Map<String, Object> consumerProperties(String bootstrapServers) {
        return SinkConsumers.properties(bootstrapServers, GROUP_ID, RECORDS_PER_POLL_MAX);
    }

    static List<String> topicNames(Topics topics) {
        return List.of(topics.journal().name(), topics.balanceEvents().name(), topics.results().name());
    }

    @Override
    public String target() {
        return "ScyllaDB " + endpoint.contactPoints().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList()
                + " (data center " + endpoint.localDatacenter() + ", keyspace " + endpoint.keyspace() + ")";
    }

    /** Opens a session and applies the schema if {@code config.applySchema()}; the history reads and the writer share it. */
    @Override
    protected Writer open(Consumer<byte[], byte[]> consumer) {
        CqlSession session = endpoint.openSession();
        try {
            if (config.applySchema()) {
                SchemaApplier.apply(session, endpoint);
            }
            history = new ScyllaHistory(session, endpoint.keyspace(), ScyllaWriter.historyTopics(topics));
            liabilities = new ScyllaLiabilities(session, endpoint.keyspace());
            return new ScyllaWriter(session, consumer, topics, endpoint.keyspace(), config, registry, pause(), clock);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** The history reads on the sink's session, once it runs; empty while it has not started (or is closed). */
    public Optional<History> history() {
        return running() ? Optional.ofNullable(history) : Optional.empty();
    }

    /** The proofs of liabilities on the sink's session, once it runs; empty while it has not started. */
    public Optional<LiabilityProofs> liabilities() {
        return running() ? Optional.ofNullable(liabilities) : Optional.empty();
    }
}
