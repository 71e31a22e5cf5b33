package io.settlement.sink.scylla;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.ThreadedSink;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The ScyllaDB sink as a {@link io.settlement.sink.Sink}: {@link #start()} opens a session on the endpoint, applies
 * the schema when configured, and runs the sink's consumer loop on its own thread; the history
 * reads ({@link #history()}) use the same session. This is what the app and the benchmark run:
 *
 * <pre>{@code
 * try (ScyllaSinkService sink = ScyllaSinkService.start(consumerProperties, topics,
 *         ScyllaEndpoint.singleNode(new InetSocketAddress("127.0.0.1", 9042)), ScyllaSinkSettings.defaults(), registry)) {
 *     ... sink.health(), sink.progress(), sink.history().ledger(...)
 * }
 * }</pre>
 */
public final class ScyllaSinkService extends ThreadedSink {
    /** The sink's name in {@code /health} and the logs. */
    public static final String NAME = "scylla-sink";

    private final Map<String, Object> consumerProperties;
    private final Topics topics;
    private final ScyllaEndpoint endpoint;
    private final ScyllaSinkSettings settings;
    private final MeterRegistry registry;
    private volatile ScyllaSink sink;
    private volatile HistoryQueries history;
    private volatile ScyllaLiabilities liabilities;

    /**
     * A sink not yet started: nothing connects until {@link #start()}.
     *
     * @param consumerProperties its consumer's settings ({@link ScyllaSink#consumerProperties} and the operator's)
     * @param registry           where the sink's metrics go; null keeps them private
     */
    public ScyllaSinkService(Map<String, Object> consumerProperties, Topics topics, ScyllaEndpoint endpoint,
                             ScyllaSinkSettings settings, MeterRegistry registry) {
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.topics = topics;
        this.endpoint = endpoint;
        this.settings = settings;
        this.registry = registry;
    }

    /** A sink with these settings, started. */
    public static ScyllaSinkService start(Map<String, Object> consumerProperties, Topics topics, ScyllaEndpoint endpoint,
                                          ScyllaSinkSettings settings, MeterRegistry registry) {
        ScyllaSinkService service = new ScyllaSinkService(consumerProperties, topics, endpoint, settings, registry);
        service.start();
        return service;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String target() {
        return "ScyllaDB " + endpoint.contactPoints().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList()
                + " (data center " + endpoint.localDatacenter() + ", keyspace " + endpoint.keyspace() + ")";
    }

    /** Opens a session and applies the schema if {@code settings.applySchema()}; the loop starts after. */
    @Override
    protected Started open() {
        return Started.on(endpoint.openSession(), session -> {
            if (settings.applySchema()) {
                SchemaApplier.apply(session, endpoint);
            }
            sink = new ScyllaSink(new KafkaConsumer<>(consumerProperties), topics, session, endpoint.keyspace(), settings, registry,
                    backoff());
            history = new HistoryQueries(session, endpoint.keyspace(), ScyllaSink.historyTopics(topics));
            liabilities = new ScyllaLiabilities(session, endpoint.keyspace());
            return sink;
        });
    }

    @Override
    protected Progress notStarted() {
        return new Progress(0, 0, "rows");
    }

    /** The history reads on the sink's session; only while it runs. */
    public HistoryQueries history() {
        checkRunning();
        return history;
    }

    /** The proofs of liabilities on the sink's session; only while it runs. */
    public ScyllaLiabilities liabilities() {
        checkRunning();
        return liabilities;
    }

    /** Every problem now, one line each (see {@link ScyllaSink#problems()}); only while it runs. */
    public List<String> problems() {
        checkRunning();
        return sink.problems();
    }

    private void checkRunning() {
        if (!running()) {
            throw new IllegalStateException(NAME + " is not running");
        }
    }
}
