package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.SinkHealth;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The ScyllaDB sink running: a session on the endpoint, the schema applied when configured, the
 * sink's consumer loop on its own thread, and the history reads on the same session. This is the
 * one call the app and the benchmark need:
 *
 * <pre>{@code
 * try (ScyllaSinkService sink = ScyllaSinkService.start(bootstrapServers, topics,
 *         ScyllaEndpoint.singleNode(new InetSocketAddress("127.0.0.1", 9042)), ScyllaSinkSettings.defaults(), registry)) {
 *     ... sink.health(), sink.lag(), sink.rowsWritten(), sink.history().ledger(...)
 * }
 * }</pre>
 */
public final class ScyllaSinkService implements SinkHealth, AutoCloseable {
    /** How long {@link #close()} waits for the sink's poll under way to finish. */
    static final long CLOSE_TIMEOUT_MS = 30_000;

    private final CqlSession session;
    private final ScyllaSink sink;
    private final HistoryQueries history;
    private final Thread thread;

    private ScyllaSinkService(CqlSession session, ScyllaSink sink, HistoryQueries history) {
        this.session = session;
        this.sink = sink;
        this.history = history;
        this.thread = new Thread(sink, "scylla-sink");
    }

    /**
     * Opens a session, applies the schema if {@code settings.applySchema()}, starts consuming.
     *
     * @param registry where the sink's metrics go; null keeps them private
     */
    public static ScyllaSinkService start(String bootstrapServers, Topics topics, ScyllaEndpoint endpoint,
                                          ScyllaSinkSettings settings, MeterRegistry registry) {
        return start(ScyllaSink.consumerProperties(bootstrapServers), topics, endpoint, settings, registry);
    }

    /** As {@link #start(String, Topics, ScyllaEndpoint, ScyllaSinkSettings, MeterRegistry)}, with consumer properties of one's own. */
    public static ScyllaSinkService start(Map<String, Object> consumerProperties, Topics topics, ScyllaEndpoint endpoint,
                                          ScyllaSinkSettings settings, MeterRegistry registry) {
        CqlSession session = endpoint.openSession();
        try {
            if (settings.applySchema()) {
                SchemaApplier.apply(session, endpoint);
            }
            ScyllaSink sink = new ScyllaSink(new KafkaConsumer<>(consumerProperties), topics, session, endpoint.keyspace(),
                    settings, registry, Thread::sleep);
            ScyllaSinkService service = new ScyllaSinkService(session, sink, new HistoryQueries(session, endpoint.keyspace()));
            service.thread.start();
            return service;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    public HistoryQueries history() {
        return history;
    }

    /** Records not yet read by the sink, as of its last poll. */
    public long lag() {
        return sink.lag();
    }

    /** Rows the sink has written (a row written again counts again). */
    public long rowsWritten() {
        return sink.rowsWritten();
    }

    @Override
    public State state() {
        return sink.state();
    }

    @Override
    public List<String> problems() {
        return sink.problems();
    }

    @Override
    public void close() {
        sink.close();
        try {
            thread.join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session.close();
        }
    }
}
