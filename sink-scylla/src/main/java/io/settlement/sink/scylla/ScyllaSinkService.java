package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.Health;
import io.settlement.sink.Sink;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The ScyllaDB sink as a {@link Sink}: {@link #start()} opens a session on the endpoint, applies
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
public final class ScyllaSinkService implements Sink {
    /** The sink's name in {@code /health} and the logs. */
    public static final String NAME = "scylla-sink";
    /** How long {@link #close()} waits for the sink's poll under way to finish. */
    static final long CLOSE_TIMEOUT_MS = 30_000;

    private final Map<String, Object> consumerProperties;
    private final Topics topics;
    private final ScyllaEndpoint endpoint;
    private final ScyllaSinkSettings settings;
    private final MeterRegistry registry;
    private volatile Running running;
    private boolean closed;

    /** What a started sink holds. */
    private record Running(CqlSession session, ScyllaSink sink, HistoryQueries history, Thread thread) {}

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

    /** Opens a session, applies the schema if {@code settings.applySchema()}, starts consuming. */
    @Override
    public synchronized void start() {
        if (closed || running != null) {
            throw new IllegalStateException(NAME + " is " + (closed ? "closed" : "started already"));
        }
        CqlSession session = endpoint.openSession();
        try {
            if (settings.applySchema()) {
                SchemaApplier.apply(session, endpoint);
            }
            ScyllaSink sink = new ScyllaSink(new KafkaConsumer<>(consumerProperties), topics, session, endpoint.keyspace(),
                    settings, registry, Thread::sleep);
            Thread thread = new Thread(sink, NAME);
            running = new Running(session, sink, new HistoryQueries(session, endpoint.keyspace()), thread);
            thread.start();
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** The history reads on the sink's session; only once started. */
    public HistoryQueries history() {
        return started().history();
    }

    @Override
    public Health health() {
        Running now = running;
        return now == null ? Health.down("not started") : now.sink().health();
    }

    @Override
    public Progress progress() {
        Running now = running;
        return now == null ? new Progress(0, 0, "rows") : new Progress(now.sink().lag(), now.sink().rowsWritten(), "rows");
    }

    /** Every problem now, one line each (see {@link ScyllaSink#problems()}). */
    public List<String> problems() {
        Running now = running;
        return now == null ? List.of("not started") : now.sink().problems();
    }

    @Override
    public synchronized void close() {
        closed = true;
        Running now = running;
        running = null;
        if (now == null) {
            return;
        }
        now.sink().close();
        try {
            now.thread().join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            now.session().close();
        }
    }

    private Running started() {
        Running now = running;
        if (now == null) {
            throw new IllegalStateException(NAME + " has not started");
        }
        return now;
    }
}
